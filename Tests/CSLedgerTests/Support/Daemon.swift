import Foundation
import Glibc
import Synchronization
import Testing

/// The built `csledgerd` running as a child process on a loopback port, as an operator runs it.
final class Daemon {
    /// Started with posix_spawn, as `CLI.run` starts programs (see `Spawn`).
    let process: SpawnedProcess
    /// `http://127.0.0.1:PORT` or `https://...`, from the line the daemon prints once it listens.
    let url: String

    static var path: String { CLI.productsDirectory.appendingPathComponent("csledgerd").path }

    /// Starts `csledgerd args` in `directory` and waits (up to 60 s) until it says where it listens.
    /// `program` and `banner` run another server the same way (`csledger witness serve`).
    init(_ args: [String], in directory: URL, program: String = Daemon.path, banner: String = "csledgerd: listening on ") throws {
        process = try SpawnedProcess(program, args, in: directory.path,
                                     environment: ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CSLEDGER_") })
        let deadline = Date().addingTimeInterval(60)
        var found: String?
        while found == nil, Date() < deadline, process.isRunning {
            found = process.stderr.split(separator: "\n").first { $0.hasPrefix(banner) }.map { String($0.dropFirst(banner.count)) }
            if found == nil { Thread.sleep(forTimeInterval: 0.02) }
        }
        // It may have printed the line and ended at once.
        if found == nil {
            found = process.stderr.split(separator: "\n").first { $0.hasPrefix(banner) }.map { String($0.dropFirst(banner.count)) }
        }
        guard let found else {
            process.signal(SIGTERM)
            process.waitUntilExit()
            throw DaemonError.didNotStart(process.stderr)
        }
        url = found
    }

    /// Everything the daemon wrote to stderr so far.
    var stderr: String { process.stderr }

    /// SIGTERM, then waits for the exit; returns the exit status (-1 if killed by a signal).
    @discardableResult
    func stop() -> Int32 {
        process.signal(SIGTERM)
        let (status, signaled) = process.waitUntilExit()
        return signaled ? -1 : status
    }

    /// SIGKILL, as a power cut would; waits for the exit.
    func killHard() {
        process.signal(SIGKILL)
        process.waitUntilExit()
    }

    deinit {
        if process.isRunning {
            process.signal(SIGKILL)
            process.waitUntilExit()
        }
    }

    enum DaemonError: Error { case didNotStart(String) }
}

/// A raw TCP connection to 127.0.0.1, for clients that misbehave on purpose.
final class RawConnection {
    let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard rc == 0 else { throw RawError.connect(errno) }
        var tv = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    func send(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Reads until the server closes the connection, `marker` arrives, or 20 s pass; returns what arrived.
    func readUntilClosed(orContaining marker: String? = nil) -> (text: String, closed: Bool) {
        var out = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { return (String(decoding: out, as: UTF8.self), true) }
            if n < 0 { return (String(decoding: out, as: UTF8.self), false) }
            out += buf[0..<n]
            if let marker, String(decoding: out, as: UTF8.self).contains(marker) { return (String(decoding: out, as: UTF8.self), false) }
        }
    }

    deinit { close(fd) }

    enum RawError: Error { case connect(Int32) }
}

/// A value shared between threads, behind a lock.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        try mutex.withLock { v in
            var copy = v
            defer { v = copy }
            return try body(&copy)
        }
    }
}
