import Foundation
import LedgerCore

/// What the numbers were measured on.
struct Machine: Sendable {
    let cores: Int
    let cpuModel: String
    let memoryGiB: Double
    let kernel: String
    let swiftCompiler: String
    let date: String
    /// The load average when the run started: other work on the machine skews every figure.
    let loadAtStart: String

    static func current() -> Machine {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .flatMap { $0.split(separator: ":", maxSplits: 1).last }
            .map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown"
        let meminfo = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) ?? ""
        let memKiB = meminfo.split(separator: "\n").first { $0.hasPrefix("MemTotal:") }
            .flatMap { $0.split(separator: " ").dropFirst().first }.flatMap { Double($0) } ?? 0
        let kernel = ((try? String(contentsOfFile: "/proc/sys/kernel/osrelease", encoding: .utf8)) ?? "unknown")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return Machine(cores: Parallel.cores, cpuModel: model, memoryGiB: memKiB / 1_048_576, kernel: kernel,
                       swiftCompiler: compilerVersion, date: Timestamp.now().description,
                       loadAtStart: ProcStatus.loadAverage())
    }

    /// The Swift compiler that built this binary (major.minor, known at compile time).
    static var compilerVersion: String {
        #if compiler(>=6.5)
        return "6.5 or later"
        #elseif compiler(>=6.4)
        return "6.4"
        #elseif compiler(>=6.3)
        return "6.3"
        #elseif compiler(>=6.2)
        return "6.2"
        #elseif compiler(>=6.1)
        return "6.1"
        #else
        return "before 6.1"
        #endif
    }

    var lines: [String] {
        ["date          \(date)",
         "cpu           \(cpuModel), \(cores) cores available",
         "memory        \(String(format: "%.1f", memoryGiB)) GiB",
         "kernel        Linux \(kernel)",
         "load average  \(loadAtStart) (1, 5, 15 min) at start",
         "swift         \(swiftCompiler) (compiler of this binary), release build"]
    }

    var json: JSONValue {
        .object(["cores": .number(Double(cores)), "cpu_model": .string(cpuModel), "memory_gib": .number(memoryGiB),
                 "kernel": .string(kernel), "swift": .string(swiftCompiler), "date": .string(date),
                 "load_at_start": .string(loadAtStart)])
    }
}
