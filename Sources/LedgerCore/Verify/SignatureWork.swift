import Dispatch

/// The verifier's Ed25519 checks, run in the background on all cores.
///
/// `submit` hands over one batch's signatures in chunks to the global concurrent queue and returns at
/// once, unless `maxChunks` chunks are already queued or running: then it waits for one to finish. So
/// there is always work queued (no core idles between batches) and memory stays flat. `finish` waits
/// for the last and returns the signatures that did not verify.
final class SignatureWork: @unchecked Sendable {
    // `failed` is only touched on `results` (a serial queue); the group and the semaphore order everything else.
    struct Job: Sendable {
        /// The entry signed, or nil for a stored checkpoint (then `treeSize`).
        let seq: Int?
        let treeSize: Int?
        let key: SignerPublicKey
        /// Nil when the signature is not 64 bytes long (it verifies with no key).
        let signature: Signature64?
        /// The signed bytes (usually a slice of the batch's buffer, not a copy).
        let message: ArraySlice<UInt8>
    }

    // 256 signatures (about 17 ms of one core) per task, at most 8 tasks queued or running: the same 2,048 in
    // flight as 32 tasks of 64, with a quarter of the dispatches, semaphore waits and wake-ups.
    private static let chunk = 256
    private static let maxChunks = 8
    private let group = DispatchGroup()
    private let slots = DispatchSemaphore(value: SignatureWork.maxChunks)
    private let results = DispatchQueue(label: "csledger.verify.signatures")
    private var failed: [Job] = []

    func submit(_ jobs: [Job]) {
        for start in stride(from: 0, to: jobs.count, by: Self.chunk) {
            let slice = jobs[start..<min(start + Self.chunk, jobs.count)]
            slots.wait()
            DispatchQueue.global(qos: .userInitiated).async(group: group) { [results, slots] in
                defer { slots.signal() }
                let bad = slice.filter { job in
                    guard let signature = job.signature else { return true }
                    return !job.key.isValidSignature(signature, for: job.message)
                }
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
