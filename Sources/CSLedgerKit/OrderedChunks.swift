import Foundation

/// Chunks made by several reader threads, handed to one consumer in chunk order.
///
/// Reader `r` of `readers` makes chunks `r`, `r + readers`, `r + 2 * readers`, ... (verification: each
/// reads its chunks of the ledger on its own SQLite connection, hashing and parsing each row where it
/// lies), so that reading, the most expensive step after SHA-256, runs on every core instead of one.
/// A reader that gets `capacity` chunks ahead of the consumer waits, so memory stays bounded.
final class OrderedChunks<Chunk: Sendable>: @unchecked Sendable {
    // Everything below is guarded by `condition`.
    private let condition = NSCondition()
    private var ready: [Int: Chunk] = [:]
    private var delivered = 0
    private var readersDone = 0
    private var failure: (any Error)?
    private var cancelled = false
    private let count: Int
    private let readers: Int
    private let capacity: Int

    /// Starts `readers` threads; reader `r` runs `read(r, deliver)`, calling `deliver(k, chunk)` for each of
    /// its chunks in increasing order; `deliver` blocks while the reader is `capacity` chunks ahead, and
    /// returns false once the consumer has stopped.
    init(count: Int, readers: Int, capacity: Int,
         read: @escaping @Sendable (_ reader: Int, _ deliver: (Int, Chunk) -> Bool) throws -> Void) {
        precondition(readers > 0 && capacity > 0)
        self.count = count
        self.readers = readers
        self.capacity = capacity
        for r in 0..<readers {
            let thread = Thread { [self] in
                do {
                    try read(r) { k, chunk in self.deliver(k, chunk) }
                } catch {
                    condition.lock()
                    if failure == nil { failure = error }
                    cancelled = true
                    condition.unlock()
                }
                condition.lock()
                readersDone += 1
                condition.broadcast()
                condition.unlock()
            }
            thread.stackSize = 1 << 22
            thread.start()
        }
    }

    private func deliver(_ k: Int, _ chunk: Chunk) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while k - delivered >= capacity, !cancelled { condition.wait() }
        guard !cancelled else { return false }
        ready[k] = chunk
        condition.broadcast()
        return true
    }

    /// The next chunk in order, or nil after the last; rethrows a reader's error.
    func next() throws -> Chunk? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let failure { throw failure }
            if let chunk = ready.removeValue(forKey: delivered) {
                delivered += 1
                condition.broadcast()
                return chunk
            }
            if delivered == count { return nil }
            if readersDone == readers {
                // Every reader stopped, yet a chunk is missing: not a state a reader leaves without an error.
                throw CocoaError(.fileReadUnknown)
            }
            condition.wait()
        }
    }

    /// Stops the readers early and waits until every one has let go of its connection.
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        while readersDone < readers { condition.wait() }
        ready = [:]
        condition.unlock()
    }
}
