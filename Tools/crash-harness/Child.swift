import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A program the harness runs and may kill: stdout is captured (small), stderr goes to `stderrPath` or is captured.
final class Child {
    enum Outcome {
        case exited(status: Int32, stdout: String, stderr: String)
        case killed
    }

    let process = Process()
    private let out = Pipe()
    private let err = Pipe()
    private let logHandle: FileHandle?

    /// Starts `program args` in `directory`. With `logPath`, stdout and stderr go to that file (long-running daemons).
    init(_ program: String, _ args: [String], in directory: URL, logPath: String? = nil) throws {
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = args
        process.currentDirectoryURL = directory
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CSLEDGER_") }
        process.standardInput = FileHandle.nullDevice
        if let logPath {
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
            let h = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
            logHandle = h
            process.standardOutput = h
            process.standardError = h
        } else {
            logHandle = nil
            process.standardOutput = out
            process.standardError = err
        }
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }

    /// Sends SIGKILL now (no chance to clean up) and reaps the process.
    func kill() {
        _ = Glibc.kill(pid, SIGKILL)
        process.waitUntilExit()
        try? logHandle?.close()
    }

    /// Waits until the program exits or `deadline` passes, then SIGKILLs it. A program that finished before the
    /// signal landed counts as exited (its answer was given), whatever the race.
    func waitOrKill(deadline: Date) -> Outcome {
        while process.isRunning, Date() < deadline { usleep(500) }
        if process.isRunning { _ = Glibc.kill(pid, SIGKILL) }
        process.waitUntilExit()
        try? logHandle?.close()
        if process.terminationReason == .uncaughtSignal { return .killed }
        guard logHandle == nil else { return .exited(status: process.terminationStatus, stdout: "", stderr: "") }
        let o = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let e = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return .exited(status: process.terminationStatus, stdout: o, stderr: e)
    }

    /// Runs a program to completion (setup and checks).
    static func run(_ program: String, _ args: [String], in directory: URL) throws -> (status: Int32, stdout: String, stderr: String) {
        let c = try Child(program, args, in: directory)
        guard case let .exited(status, stdout, stderr) = c.waitOrKill(deadline: .distantFuture) else { return (-1, "", "killed") }
        return (status, stdout, stderr)
    }
}
