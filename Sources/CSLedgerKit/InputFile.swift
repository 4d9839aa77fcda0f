import Foundation
import LedgerCore

/// Reads a file named on the command line, bounded: only a regular file (not a folder, a device such as
/// /dev/zero or a pipe that never ends) and at most `maxBytes`. Found by the hostile-input tests: an unbounded
/// read of `--body @/dev/zero` or `--signature-image /dev/zero` ran until memory ran out.
package enum InputFile {
    package static let defaultMaxBytes = 16 << 20

    package static func read(_ path: String, what: String, maxBytes: Int = defaultMaxBytes) throws -> Data {
        var info = stat()
        guard stat(path, &info) == 0 else { throw LedgerError(.invalidArgument, "cannot read the \(what) file \(path): it does not exist") }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw LedgerError(.invalidArgument, "the \(what) \(path) is not a regular file")
        }
        guard Int(info.st_size) <= maxBytes else {
            throw LedgerError(.invalidArgument, "the \(what) file \(path) is larger than \(maxBytes / (1 << 20)) MB")
        }
        guard let handle = FileHandle(forReadingAtPath: path),
              let data = try? handle.read(upToCount: maxBytes + 1) ?? Data() else {
            throw LedgerError(.invalidArgument, "cannot read the \(what) file \(path)")
        }
        try? handle.close()
        guard data.count <= maxBytes else { throw LedgerError(.invalidArgument, "the \(what) file \(path) is larger than \(maxBytes / (1 << 20)) MB") }
        return data
    }
}
