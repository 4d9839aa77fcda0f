import Foundation
import Testing

/// Runs the built `csledger` binary (and other programs) as a user would.
enum CLI {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
        var stdoutBytes: Data
    }

    /// The folder holding the built products (the test bundle sits beside `csledger`).
    static let productsDirectory: URL = {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var dir = exe.deletingLastPathComponent()
        // Linux: .build/<triple>/debug/csledgerPackageTests.xctest ; the binary is beside it.
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("csledger").path), dir.path != "/" {
            dir = dir.deletingLastPathComponent()
        }
        return dir
    }()

    static var csledgerPath: String {
        ProcessInfo.processInfo.environment["CSLEDGER_BIN"] ?? productsDirectory.appendingPathComponent("csledger").path
    }

    /// Runs `csledger args...` in `directory` with a clean CSLEDGER_* environment plus `env`.
    @discardableResult
    static func csledger(_ args: [String], in directory: URL, env: [String: String] = [:]) throws -> Result {
        try run(csledgerPath, args, in: directory, env: env)
    }

    /// Runs any program.
    @discardableResult
    static func run(_ program: String, _ args: [String], in directory: URL, env: [String: String] = [:], stdin: Data? = nil) throws -> Result {
        let path = program.hasPrefix("/") ? program : try which(program)
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CSLEDGER_") || $0.key == "CSLEDGER_BIN" }
        for (k, v) in env { environment[k] = v }
        // posix_spawn, not Foundation's Process (see `Spawn`).
        let o = try Spawn.run(path, args, in: directory.path, environment: environment, stdin: stdin)
        return Result(status: o.status, stdout: String(decoding: o.stdout, as: UTF8.self), stderr: String(decoding: o.stderr, as: UTF8.self),
                      stdoutBytes: o.stdout)
    }

    static func which(_ name: String) throws -> String {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw CLIError.notFound(name)
    }

    enum CLIError: Error { case notFound(String) }
}

/// A fresh temporary folder, removed when the test ends.
final class TempDir {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("csledger-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}
