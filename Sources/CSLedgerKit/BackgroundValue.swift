import Foundation

/// A value computed on a thread of its own while the caller goes on with other work; `value()` waits for it.
///
/// Verification reads the tables kept beside the entries (their digest, a second or two at a million
/// entries, one SQLite connection) while the entries are checked on every core: read afterwards, they left
/// one core idle for that long. The dashboard runs the reconciliation this way, off the server's few
/// cooperative threads, and shows the kept findings if a run takes longer than a page may.
package final class BackgroundValue<T: Sendable>: @unchecked Sendable {
    // `result` is guarded by `condition`.
    private let condition = NSCondition()
    private var result: Result<T, any Error>?

    /// Starts `work` at once on a new thread.
    package init(_ work: @escaping @Sendable () throws -> T) {
        let thread = Thread { [self] in
            let outcome = Result { try work() }
            condition.lock()
            result = outcome
            condition.broadcast()
            condition.unlock()
        }
        thread.stackSize = 1 << 22
        thread.start()
    }

    /// True once the work has returned or thrown.
    package var isDone: Bool {
        condition.lock()
        defer { condition.unlock() }
        return result != nil
    }

    /// The value, once computed (or the error the work threw).
    package func value() throws -> T {
        condition.lock()
        defer { condition.unlock() }
        while result == nil { condition.wait() }
        return try result!.get()
    }

    /// The outcome if the work ends within `limit`, nil if it is still going then.
    package func value(waitingAtMost limit: Duration) -> Result<T, any Error>? {
        let (seconds, attoseconds) = limit.components
        let deadline = Date(timeIntervalSinceNow: Double(seconds) + Double(attoseconds) / 1e18)
        condition.lock()
        defer { condition.unlock() }
        while result == nil, condition.wait(until: deadline) {}
        return result
    }
}
