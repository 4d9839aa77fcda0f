import Dispatch
import Foundation

/// A three-stage pipeline: a producer on its own thread, a transform run on the global concurrent queue
/// (several items at once), and the consumer, which gets the transformed items in the order produced.
/// At most `capacity` items are between the producer and the consumer, so memory stays bounded.
///
/// Verification uses it as reader -> hashing and parsing workers -> the ordered chain and Merkle checks:
/// SQLite is read on one thread while the batches before it are hashed on every core.
final class Prefetch<Item: Sendable, Output: Sendable>: @unchecked Sendable {
    // Everything below is guarded by `condition`.
    private let condition = NSCondition()
    /// Outputs by production number; nil while the transform runs.
    private var slots: [Int: Output] = [:]
    private var produced = 0
    private var delivered = 0
    private var running = 0
    private var finished = false
    private var failure: (any Error)?
    private var cancelled = false
    private let capacity: Int

    /// Starts `produce` on a new thread; it calls its argument for each item, which blocks while
    /// `capacity` items are waiting or being transformed, and returns false once the consumer has stopped.
    init(capacity: Int, transform: @escaping @Sendable (Item) -> Output,
         _ produce: @escaping @Sendable (_ yield: (Item) -> Bool) throws -> Void) {
        self.capacity = capacity
        let thread = Thread { [self] in
            do {
                try produce { item in self.put(item, transform) }
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

    private func put(_ item: Item, _ transform: @escaping @Sendable (Item) -> Output) -> Bool {
        condition.lock()
        while produced - delivered >= capacity, !cancelled { condition.wait() }
        if cancelled {
            condition.unlock()
            return false
        }
        let number = produced
        produced += 1
        running += 1
        condition.unlock()
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            let output = transform(item)
            condition.lock()
            slots[number] = output
            running -= 1
            condition.broadcast()
            condition.unlock()
        }
        return true
    }

    /// The next output in production order, or nil when the producer is done; rethrows the producer's
    /// error after the last output.
    func next() throws -> Output? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let output = slots.removeValue(forKey: delivered) {
                delivered += 1
                condition.broadcast()
                return output
            }
            if finished, delivered == produced { break }
            condition.wait()
        }
        if let failure { throw failure }
        return nil
    }

    /// Stops the producer early and waits until it and every transform have let go of their resources.
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        while !finished || running > 0 { condition.wait() }
        slots = [:]
        condition.unlock()
    }
}
