import Foundation
import CSLedgerKit
import LedgerCore
import Witness

/// A csledger witness (c2sp.org/tlog-witness) cosigning a log that grows by one entry a request: every
/// request parsed, the log's signature verified, the consistency proof checked and the new state committed
/// to its SQLite file (WAL, synchronous = FULL: one fsync a request) before the cosignature is signed.
/// One request at a time (one log pushes its checkpoints in order): in this process without HTTP, or, with
/// `overHTTP`, to the built `csledger witness serve` (`WitnessProcess`) over loopback HTTP/1.1 on one
/// kept-alive connection, as a log's client would.
struct WitnessBench {
    let directory: String
    let seconds: Double
    let requests: Int
    var overHTTP = false

    struct Outcome {
        let requests: Int
        let seconds: Double
        let latencies: Latencies
    }

    func run() throws -> Outcome {
        let origin = "bench.example/log"
        let logKey = SignerKey(), witnessKey = SignerKey()
        let signer = CheckpointSigner(origin: origin, key: logKey)
        // The requests, made before the clock starts: checkpoint k+1 with the proof from k.
        var nodes: [Int: Hash] = [:]   // key: level << 48 | index
        var frontier = MerkleFrontier()
        var bodies: [[UInt8]] = []
        bodies.reserveCapacity(requests)
        for k in 0..<requests {
            let leaf = Hash.sha256(Array("leaf \(k)".utf8))
            for (level, index, hash) in frontier.append(leaf) { nodes[level << 48 | index] = hash }
            let size = k + 1
            let proof = k == 0 ? [] : try MerkleTree.consistencyProof(oldSize: k, newSize: size) { level, index in
                guard let h = nodes[level << 48 | index] else { throw LedgerError(.storage, "bench tree node missing") }
                return h
            }
            let note = try SignedNote.parse(try signer.sign(size: size, root: frontier.root))
            bodies.append(Array(AddCheckpointRequest(oldSize: k, proof: proof, checkpoint: note).serialized.utf8))
        }
        let path = directory + "/witness-bench.sqlite"
        try? FileManager.default.removeItem(atPath: path)
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        if overHTTP { return try runOverHTTP(bodies: bodies, origin: origin, logKey: logKey, witnessKey: witnessKey, statePath: path) }
        let state = try WitnessState.open(path: path, name: "bench.example/witness", publicKey: witnessKey.publicKey, create: true)
        let witness = try Witness(name: "bench.example/witness", key: witnessKey, logs: [origin: [logKey.publicKey]], state: state)
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        let budget = seconds
        Task.detached {
            var latencies = Latencies()
            let watch = Stopwatch()
            var n = 0
            for body in bodies {
                let t = Stopwatch()
                let answer = await witness.addCheckpoint(body)
                latencies.add(t.seconds)
                guard answer.status == 200 else { box.set(.failure(LedgerError(.storage, "the witness answered \(answer.status): \(answer.body)"))); done.signal(); return }
                n += 1
                if watch.seconds >= budget { break }
            }
            box.set(.success(Outcome(requests: n, seconds: watch.seconds, latencies: latencies)))
            done.signal()
        }
        done.wait()
        return try box.get()
    }

    /// The same requests to a `csledger witness serve` process; its state file is `statePath`.
    private func runOverHTTP(bodies: [[UInt8]], origin: String, logKey: SignerKey, witnessKey: SignerKey, statePath: String) throws -> Outcome {
        let port = 40_000 + Int(getpid() % 20_000)
        let server = try WitnessProcess(directory: directory, origin: origin, logPublicKey: logKey.publicKey, key: witnessKey, port: port,
                                        statePath: statePath)
        defer { server.stop() }
        let client = try HTTPClient(port: port)
        var latencies = Latencies()
        let watch = Stopwatch()
        var n = 0
        for body in bodies {
            let t = Stopwatch()
            let (status, _, answer) = try client.exchange("POST", "/add-checkpoint", headers: ["Content-Type": "text/plain; charset=utf-8"], body: body)
            latencies.add(t.seconds)
            guard status == 200 else { throw LedgerError(.storage, "the witness answered \(status): \(String(decoding: answer, as: UTF8.self))") }
            n += 1
            if watch.seconds >= seconds { break }
        }
        return Outcome(requests: n, seconds: watch.seconds, latencies: latencies)
    }

    final class Box: @unchecked Sendable {
        private var value: Result<Outcome, any Error>?
        private let lock = NSLock()
        func set(_ v: Result<Outcome, any Error>) { lock.lock(); value = v; lock.unlock() }
        func get() throws -> Outcome { lock.lock(); defer { lock.unlock() }; return try value!.get() }
    }
}
