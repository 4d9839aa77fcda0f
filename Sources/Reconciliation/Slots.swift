/// Results of parallel work: one slot per index, each written by exactly one iteration of a
/// `DispatchQueue.concurrentPerform` and read only after all of them have finished.
final class Slots<T>: @unchecked Sendable {
    private let buffer: UnsafeMutableBufferPointer<T?>

    init(count: Int) {
        buffer = .allocate(capacity: count)
        buffer.initialize(repeating: nil)
    }

    deinit {
        _ = buffer.deinitialize()
        buffer.deallocate()
    }

    subscript(i: Int) -> T? {
        get { buffer[i] }
        set { buffer[i] = newValue }
    }
}
