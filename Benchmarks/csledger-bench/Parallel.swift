import Dispatch
import Foundation

/// Runs work on every core with `DispatchQueue.concurrentPerform`.
enum Parallel {
    /// The cores this process may use.
    static var cores: Int { ProcessInfo.processInfo.activeProcessorCount }

    /// `body(i)` for every i in 0..<count, computed on all cores, in index order.
    static func map<T: Sendable>(_ count: Int, _ body: @Sendable (Int) -> T) -> [T] {
        let slots = Slots<T>(count: count)
        let workers = min(max(count, 1), cores * 4)
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            for i in (count * w / workers)..<(count * (w + 1) / workers) { slots.set(i, body(i)) }
        }
        return slots.values
    }

    /// `body(worker)` once on each of `workers` threads at the same time; the results in worker order.
    static func onEachWorker<T: Sendable>(_ workers: Int, _ body: @Sendable (Int) -> T) -> [T] {
        let slots = Slots<T>(count: workers)
        DispatchQueue.concurrentPerform(iterations: workers) { w in slots.set(w, body(w)) }
        return slots.values
    }
}

/// One output slot per index for `concurrentPerform`.
///
/// `@unchecked Sendable` is safe here: each slot is written by exactly one iteration, the buffer is never
/// resized, and `values` is read only after `concurrentPerform` has returned, so no two threads ever
/// touch the same memory.
private final class Slots<T>: @unchecked Sendable {
    private let buffer: UnsafeMutableBufferPointer<T?>

    init(count: Int) {
        buffer = .allocate(capacity: count)
        buffer.initialize(repeating: nil)
    }

    deinit {
        _ = buffer.deinitialize()
        buffer.deallocate()
    }

    func set(_ i: Int, _ value: T) { buffer[i] = value }

    var values: [T] {
        buffer.map { value in
            guard let value else { preconditionFailure("a parallel iteration finished without writing its result") }
            return value
        }
    }
}
