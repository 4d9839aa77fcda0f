import Dispatch
import Foundation
import LedgerCore

/// Runs work on every core with `DispatchQueue.concurrentPerform`.
enum Parallel {
    /// The cores this process may use.
    static var cores: Int { ProcessInfo.processInfo.activeProcessorCount }

    /// `body(i)` for every i in 0..<count, computed on all cores, in index order.
    static func map<T: Sendable>(_ count: Int, _ body: @Sendable (Int) -> T) -> [T] {
        let slots = ParallelSlots<T>(count: count)
        let workers = min(max(count, 1), cores * 4)
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            for i in (count * w / workers)..<(count * (w + 1) / workers) { slots[i] = body(i) }
        }
        return slots.values
    }

    /// `body(worker)` once on each of `workers` threads at the same time; the results in worker order.
    static func onEachWorker<T: Sendable>(_ workers: Int, _ body: @Sendable (Int) -> T) -> [T] {
        let slots = ParallelSlots<T>(count: workers)
        DispatchQueue.concurrentPerform(iterations: workers) { w in slots[w] = body(w) }
        return slots.values
    }
}
