import Dispatch
import LedgerCore

/// Decodes stored entries on all cores.
enum ParallelDecode {
    /// Each entry decoded from its bytes, in order; nil where the bytes do not decode (those are left
    /// to the integrity rule, 11, which the verification reports).
    static func entries(_ rows: [[UInt8]]) -> [Entry?] {
        let out = Slots(count: rows.count)
        let chunks = min(rows.count, 32)
        guard chunks > 0 else { return [] }
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            for i in (rows.count * c / chunks)..<(rows.count * (c + 1) / chunks) {
                out.set(i, (try? JSONParser.parse(rows[i])).flatMap { try? Entry(json: $0) })
            }
        }
        return out.values
    }

    /// One slot per index; each written by exactly one iteration, read after all have finished.
    private final class Slots: @unchecked Sendable {
        private let buffer: UnsafeMutableBufferPointer<Entry?>
        init(count: Int) {
            buffer = .allocate(capacity: count)
            buffer.initialize(repeating: nil)
        }
        deinit {
            _ = buffer.deinitialize()
            buffer.deallocate()
        }
        func set(_ i: Int, _ e: Entry?) { buffer[i] = e }
        var values: [Entry?] { Array(buffer) }
    }
}
