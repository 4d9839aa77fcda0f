/// Results of work spread over cores with `DispatchQueue.concurrentPerform`: one slot per index.
///
/// `@unchecked Sendable` holds because each slot is written by exactly one iteration, the buffer is never
/// resized, and the slots are read only after `concurrentPerform` has returned, so no two threads ever
/// touch the same memory at once.
package final class ParallelSlots<T>: @unchecked Sendable {
    private let buffer: UnsafeMutableBufferPointer<T?>

    package init(count: Int) {
        buffer = .allocate(capacity: count)
        buffer.initialize(repeating: nil)
    }

    deinit {
        _ = buffer.deinitialize()
        buffer.deallocate()
    }

    /// Slot `i`: nil until its iteration has written it.
    package subscript(i: Int) -> T? {
        get { buffer[i] }
        set { buffer[i] = newValue }
    }

    /// Every slot's value, in index order; every slot must have been written.
    package var values: [T] {
        buffer.map { value in
            guard let value else { preconditionFailure("a parallel iteration finished without writing its result") }
            return value
        }
    }
}
