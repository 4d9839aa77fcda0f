import Dispatch

/// Monotonic wall-clock time since it was started.
struct Stopwatch {
    private let startNanoseconds = DispatchTime.now().uptimeNanoseconds

    /// Seconds since the stopwatch was made.
    var seconds: Double { Double(DispatchTime.now().uptimeNanoseconds - startNanoseconds) / 1e9 }

    /// Runs `body` and returns its result with the seconds it took.
    static func time<T>(_ body: () throws -> T) rethrows -> (T, seconds: Double) {
        let watch = Stopwatch()
        let value = try body()
        return (value, watch.seconds)
    }
}
