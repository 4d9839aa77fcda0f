import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A scratch SQLite file in the temporary directory for one rebuild of the derived tables (`verify`, the
/// integrity gate, `repair`), removed with its `-wal` and `-shm` when the work ends.
///
/// A process killed mid-check (SIGKILL, a power cut, a daemon stopped during a dashboard request) cannot
/// remove its file, so the name carries the process ID, `csledger-<purpose>-<pid>-<uuid>.sqlite`, and every new
/// scratch file first removes those whose process no longer exists. A rebuild at a million entries is hundreds
/// of MiB; without the sweep a busy daemon's restarts would fill the disk.
enum ScratchFile {
    /// A new scratch file's path (the file does not exist yet), after sweeping those of ended processes.
    static func path(purpose: String) -> String {
        let directory = FileManager.default.temporaryDirectory
        sweep(directory)
        return directory.appendingPathComponent("csledger-\(purpose)-\(getpid())-\(UUID().uuidString).sqlite").path
    }

    /// Removes the file and SQLite's companions of it.
    static func remove(_ path: String) {
        for suffix in ["", "-wal", "-shm", "-journal"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    /// Removes the scratch files of processes that have ended (the PID in the name answers ESRCH).
    private static func sweep(_ directory: URL) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return }
        for name in names where name.hasPrefix("csledger-") && name.hasSuffix(".sqlite") {
            let parts = name.dropLast(".sqlite".count).split(separator: "-")
            // csledger, purpose, pid, then the five groups of the UUID.
            guard parts.count == 8, let pid = pid_t(parts[2]), pid > 0, pid != getpid(),
                  kill(pid, 0) == -1, errno == ESRCH else { continue }
            remove(directory.appendingPathComponent(name).path)
        }
    }
}
