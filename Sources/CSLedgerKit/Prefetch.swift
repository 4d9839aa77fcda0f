import Foundation

/// Runs a producer on its own thread, a bounded number of items ahead of the consumer: the ledger's
/// rows are read from SQLite while the batch before them is being verified.
final class Prefetch<Item: Sendable>: @unchecked Sendable {
    // `items` and `finished` are guarded by `condition`.
    private let condition = NSCondition()
    private var items: [Item] = []
    private var finished = false
    private var failure: (any Error)?
    private var cancelled = false
    private let capacity: Int

    /// Starts `produce` on a new thread; it calls its argument for each item, which blocks while
    /// `capacity` items wait, and returns false once the consumer has stopped.
    init(capacity: Int = 2, _ produce: @escaping @Sendable (_ yield: (Item) -> Bool) throws -> Void) {
        self.capacity = capacity
        let thread = Thread { [self] in
            do {
                try produce { item in self.put(item) }
            } catch {
                condition.lock()
                failure = error
                condition.unlock()
            }
            condition.lock()
            finished = true
            condition.broadcast()
            condition.unlock()
        }
        thread.stackSize = 1 << 22
        thread.start()
    }

    private func put(_ item: Item) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count >= capacity, !cancelled { condition.wait() }
        if cancelled { return false }
        items.append(item)
        condition.broadcast()
        return true
    }

    /// The next item, or nil when the producer is done; rethrows the producer's error at the end.
    func next() throws -> Item? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty, !finished { condition.wait() }
        if !items.isEmpty {
            condition.broadcast()
            return items.removeFirst()
        }
        if let failure { throw failure }
        return nil
    }

    /// Stops the producer early and waits until it has let go of its resources.
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
    }
}
