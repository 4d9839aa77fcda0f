import Foundation

/// Facts the Linux kernel reports about this process (`/proc/self/status`, the process CPU clock).
enum ProcStatus {
    /// A `/proc/self/status` field given in kB, such as `VmHWM` (peak resident memory) or `VmRSS`, in KiB.
    static func kibibytes(_ field: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            return Int(line.dropFirst(field.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "")
        }
        return nil
    }

    /// User plus system CPU seconds this process has used, on all its threads.
    static func cpuSeconds() -> Double { seconds(of: CLOCK_PROCESS_CPUTIME_ID) }

    /// User and system CPU seconds this process has used, apart (`getrusage`): the kernel's share (fsync,
    /// writes, page faults) is CPU too.
    static func userAndSystemSeconds() -> (user: Double, system: Double) {
        var u = rusage()
        guard getrusage(RUSAGE_SELF.rawValue, &u) == 0 else { return (0, 0) }
        func s(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return (s(u.ru_utime), s(u.ru_stime))
    }

    /// User plus system CPU seconds another process has used (`/proc/PID/stat`, in clock ticks), or nil.
    static func cpuSeconds(pid: Int32) -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        // After the command name in parentheses: state is field 3, utime 14, stime 15.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// CPU seconds of a server and its children: `pid` (with the CPU of the children it has already reaped) and every
    /// process whose parent it is (PostgreSQL's postmaster and its backends, WAL writer, checkpointer), or nil.
    static func treeCPUSeconds(root pid: Int32) -> Double? {
        guard let fields = statFields(pid), fields.count > 14, let cu = Double(fields[13]), let cs = Double(fields[14]),
              let own = cpuSeconds(pid: pid) else { return nil }
        var sum = own + (cu + cs) / Double(sysconf(Int32(_SC_CLK_TCK)))
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let child = Int32(name), child != pid, let f = statFields(child), f.count > 1, Int32(f[1]) == pid else { continue }
            sum += cpuSeconds(pid: child) ?? 0
        }
        return sum
    }

    /// The parent of process `pid` (`/proc/PID/stat` field 4), or nil.
    static func parent(of pid: Int32) -> Int32? {
        statFields(pid).flatMap { $0.count > 1 ? Int32($0[1]) : nil }
    }

    /// The fields of `/proc/PID/stat` after the command name (state first).
    private static func statFields(_ pid: Int32) -> [Substring]? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        return text[text.index(after: close)...].split(separator: " ")
    }

    /// CPU seconds the calling thread has used: unlike wall time, not inflated when other work shares the core.
    static func threadCPUSeconds() -> Double { seconds(of: CLOCK_THREAD_CPUTIME_ID) }

    /// The 1, 5 and 15 minute load averages (`/proc/loadavg`), as the kernel prints them.
    static func loadAverage() -> String {
        let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? ""
        return text.split(separator: " ").prefix(3).joined(separator: " ")
    }

    private static func seconds(of clock: clockid_t) -> Double {
        var t = timespec()
        guard clock_gettime(clock, &t) == 0 else { return 0 }
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
}
