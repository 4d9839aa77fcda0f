import Dispatch

/// The verifier's Ed25519 checks, run in the background on all cores.
///
/// `submit` hands over one batch's signatures in chunks to the global concurrent queue and returns at
/// once, after waiting for the batch before it (so at most one batch is in flight and memory stays
/// flat); `finish` waits for the last and returns the signatures that did not verify.
final class SignatureWork: @unchecked Sendable {
    // `failed` is only touched on `results` (a serial queue); the group orders everything else.
    struct Job: Sendable {
        /// The entry signed, or nil for a stored checkpoint (then `treeSize`).
        let seq: Int?
        let treeSize: Int?
        let key: SignerPublicKey
        let signature: [UInt8]
        let message: [UInt8]
    }

    private let group = DispatchGroup()
    private let results = DispatchQueue(label: "csledger.verify.signatures")
    private var failed: [Job] = []

    func submit(_ jobs: [Job]) {
        group.wait()
        let chunk = 128
        for start in stride(from: 0, to: jobs.count, by: chunk) {
            let slice = jobs[start..<min(start + chunk, jobs.count)]
            DispatchQueue.global(qos: .userInitiated).async(group: group) { [results] in
                let bad = slice.filter { $0.signature.count != 64 || !$0.key.isValidSignature($0.signature, for: $0.message) }
                guard !bad.isEmpty else { return }
                results.sync { self.failed += bad }
            }
        }
    }

    /// Waits for every submitted check; the jobs that failed, in no particular order.
    func finish() -> [Job] {
        group.wait()
        return results.sync {
            defer { failed = [] }
            return failed
        }
    }
}
