import LedgerCore

/// Ed25519 verification capacity (swift-crypto, `SignerPublicKey.isValidSignature`) on the ledger's
/// real signing inputs: the ceiling for every figure that checks signatures.
struct Ed25519Bench {
    struct Capacity {
        let oneCore: Double
        let allCores: Double
        /// CPU time of one verification (thread CPU clock of the one-core run), in seconds.
        let cpuSecondsPerVerify: Double
        let messageBytes: Int
    }

    let workload: Workload
    /// How long each of the two measurements runs.
    let seconds: Double

    func run() throws -> Capacity {
        let time = Timestamp.now()
        let signed = try (0..<256).map { try workload.signed($0, time: time) }
        let key = workload.clinicians[0].publicKey
        let jobs = signed.map { (message: $0.statement.signingInput, signature: $0.signatures[0].signature) }
        guard jobs.allSatisfy({ key.isValidSignature($0.signature, for: $0.message) }) else {
            throw LedgerError(.signatureInvalid, "the benchmark's own signatures do not verify")
        }
        let messageBytes = jobs.map(\.message.count).reduce(0, +) / jobs.count
        let seconds = self.seconds
        /// Verifies round-robin until `seconds` have passed; returns how many were checked.
        @Sendable func verifyLoop(offset: Int) -> Int {
            let watch = Stopwatch()
            var n = 0, valid = 0
            repeat {
                for _ in 0..<64 {
                    let job = jobs[(offset + n) % jobs.count]
                    if key.isValidSignature(job.signature, for: job.message) { valid += 1 }
                    n += 1
                }
            } while watch.seconds < seconds
            precondition(valid == n, "a valid signature failed to verify")
            return n
        }
        let cpuBefore = ProcStatus.threadCPUSeconds()
        let (single, singleSeconds) = Stopwatch.time { verifyLoop(offset: 0) }
        let singleCPU = ProcStatus.threadCPUSeconds() - cpuBefore
        let cores = Parallel.cores
        let (counts, allSeconds) = Stopwatch.time { Parallel.onEachWorker(cores) { verifyLoop(offset: $0 * 97) } }
        return Capacity(oneCore: Double(single) / singleSeconds,
                        allCores: Double(counts.reduce(0, +)) / allSeconds,
                        cpuSecondsPerVerify: singleCPU / Double(single),
                        messageBytes: messageBytes)
    }
}
