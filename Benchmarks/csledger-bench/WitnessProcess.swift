import CSLedgerKit
import Foundation
import LedgerCore

/// A `csledger witness serve` process (the built `csledger` beside this binary) witnessing one log, on a
/// loopback port, with its own key and state file in `directory`; stopped (and its files removed) by `stop`.
final class WitnessProcess {
    let name: String
    let url: String
    /// The witness's public key file, for `--witness URL=NAME=PUB` and `verify --witness`.
    let publicKeyPath: String
    private let process = Process()
    private let files: [String]

    init(directory: String, origin: String, logPublicKey: SignerPublicKey, key: SignerKey = SignerKey(), port: Int, statePath: String? = nil) throws {
        let me = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let binary = me.deletingLastPathComponent().appendingPathComponent("csledger").path
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw LedgerError(.invalidArgument, "csledger is not built beside csledger-bench (\(binary)); run swift build -c release")
        }
        let tag = "\(getpid())-\(port)-\(UUID().uuidString.prefix(6))"
        let keyDir = directory + "/Keys"
        let own = try KeyFiles.generate(name: "bench-witness-\(tag)", directory: keyDir, key: key)
        let logPub = keyDir + "/bench-log-\(tag).pub.pem"
        try Data(logPublicKey.pem.utf8).write(to: URL(fileURLWithPath: logPub))
        let state = statePath ?? directory + "/bench-witness-\(tag).sqlite"
        name = "bench.example/witness-\(port)"
        url = "http://127.0.0.1:\(port)"
        publicKeyPath = own.publicPath
        files = [own.privatePath, own.publicPath, logPub] + ["", "-wal", "-shm"].map { state + $0 }
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["witness", "serve", "--key", own.privatePath, "--name", name, "--log", "\(origin)=\(logPub)",
                             "--listen", "127.0.0.1:\(port)", "--state", state, "--init", "--log-level", "error"]
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let watch = Stopwatch()
        while watch.seconds < 30 {
            if let c = try? HTTPClient(port: port), let (status, _) = try? c.request("GET", "/healthz", token: nil), status == 200 { return }
            usleep(50_000)
        }
        stop()
        throw LedgerError(.storage, "csledger witness serve did not answer on port \(port) within 30 s")
    }

    func stop() {
        if process.isRunning { process.terminate(); process.waitUntilExit() }
        for f in files { try? FileManager.default.removeItem(atPath: f) }
    }

    deinit { stop() }
}
