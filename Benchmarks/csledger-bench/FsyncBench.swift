import Foundation
import LedgerCore

/// How many times a second this disk completes a small write plus `fsync`: the floor of a durable
/// commit's cost (SQLite with `synchronous = FULL` in WAL mode syncs the WAL at every commit).
struct FsyncBench {
    let directory: String
    let seconds: Double

    func run() throws -> Double {
        let path = directory + "/fsync-probe.bin"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw LedgerError(.storage, "cannot create \(path) to measure fsync") }
        defer {
            close(fd)
            unlink(path)
        }
        let page = [UInt8](repeating: 0x5a, count: 4096)
        let watch = Stopwatch()
        var n = 0
        repeat {
            let written = page.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(n % 256 * 4096)) }
            guard written == page.count, fsync(fd) == 0 else { throw LedgerError(.storage, "write or fsync failed on \(path)") }
            n += 1
        } while watch.seconds < seconds
        return Double(n) / watch.seconds
    }
}
