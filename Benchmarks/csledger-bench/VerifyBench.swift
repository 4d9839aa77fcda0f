import CSLedgerKit
import Foundation
import LedgerCore

/// `Ledger.verify()` of a whole ledger file, run in a fresh child process (this binary with
/// `--only verify`) so that its peak resident memory (`VmHWM`) belongs to the verification alone.
struct VerifyBench {
    /// What one verification did and cost.
    struct Outcome {
        let entries: Int
        let signaturesChecked: Int
        let checkpointsChecked: Int
        let clean: Bool
        let seconds: Double
        /// User plus system CPU time of the child, all threads.
        let cpuSeconds: Double
        /// Peak resident memory of the child before opening the ledger, and at the end.
        let baselineKiB: Int
        let peakKiB: Int

        var json: JSONValue {
            .object(["entries": .number(Double(entries)), "signatures_checked": .number(Double(signaturesChecked)),
                     "checkpoints_checked": .number(Double(checkpointsChecked)), "clean": .bool(clean),
                     "seconds": .number(seconds), "cpu_seconds": .number(cpuSeconds),
                     "baseline_kib": .number(Double(baselineKiB)), "peak_kib": .number(Double(peakKiB))])
        }
    }

    /// In this process: opens the ledger read-only, verifies it, and measures. Meant for the child.
    static func verifyHere(path: String, checkSignatures: Bool) throws -> Outcome {
        let baseline = ProcStatus.kibibytes("VmHWM") ?? 0
        let cpuBefore = ProcStatus.cpuSeconds()
        let (report, seconds) = try Stopwatch.time {
            try Ledger.open(path: path, readOnly: true).verify(checkSignatures: checkSignatures)
        }
        for failure in report.failures.prefix(5) {
            FileHandle.standardError.write(Data("verify: \(failure)\n".utf8))
        }
        return Outcome(entries: report.entries, signaturesChecked: report.signaturesChecked,
                       checkpointsChecked: report.checkpointsChecked, clean: report.isClean, seconds: seconds,
                       cpuSeconds: ProcStatus.cpuSeconds() - cpuBefore,
                       baselineKiB: baseline, peakKiB: ProcStatus.kibibytes("VmHWM") ?? 0)
    }

    /// Runs `verifyHere` in a child process of this same binary and reads its one-line JSON report.
    static func verifyInChild(path: String, checkSignatures: Bool) throws -> Outcome {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        child.arguments = ["--only", checkSignatures ? "verify" : "verify-hashes", "--ledger", path]
        let out = Pipe()
        child.standardOutput = out
        child.standardInput = FileHandle.nullDevice
        try child.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        child.waitUntilExit()
        guard child.terminationStatus == 0 else {
            throw LedgerError(.storage, "the verification child process failed (exit status \(child.terminationStatus))")
        }
        return try Outcome(json: String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

extension VerifyBench.Outcome {
    /// Reads the child's one-line report.
    init(json text: String) throws {
        let value = try JSONParser.parse(text)
        func number(_ key: String) throws -> Double {
            guard case .number(let d)? = value.objectValue?[key] else {
                throw LedgerError(.invalidArgument, "the verification child's report lacks \"\(key)\": \(text.prefix(200))")
            }
            return d
        }
        guard case .bool(let clean)? = value.objectValue?["clean"] else {
            throw LedgerError(.invalidArgument, "the verification child's report lacks \"clean\": \(text.prefix(200))")
        }
        self.init(entries: Int(try number("entries")), signaturesChecked: Int(try number("signatures_checked")),
                  checkpointsChecked: Int(try number("checkpoints_checked")), clean: clean,
                  seconds: try number("seconds"), cpuSeconds: try number("cpu_seconds"),
                  baselineKiB: Int(try number("baseline_kib")), peakKiB: Int(try number("peak_kib")))
    }
}
