import Foundation
import Glibc
import Synchronization

/// Runs a program to its end with `posix_spawn`, reading its output on the calling thread: what `CLI.run` uses.
///
/// The suite starts thousands of short processes from many test threads at once. Foundation's `Process` on Linux
/// does that with a shared monitor thread, run loop sources and a dispatch worker per pipe; three of about fifteen
/// loaded runs of the suite aborted in glibc's allocator checks (a freed chunk written to, found when a dispatch
/// worker thread of `CLI.run` exited), and no sanitizer run found a cause in our code. This runner has no shared
/// state: one `posix_spawn`, `poll` on the two pipes until both end, one `waitpid`.
enum Spawn {
    struct Outcome {
        /// The exit status, or the number of the signal that ended it (as `Process.terminationStatus` gives).
        let status: Int32
        let stdout: Data
        let stderr: Data
    }

    enum Failure: Error, CustomStringConvertible {
        case system(String, Int32)
        var description: String {
            switch self {
            case let .system(call, code): return "\(call) failed: \(String(cString: strerror(code)))"
            }
        }
    }

    /// `posix_spawn_file_actions_addchdir_np` (glibc 2.29), which the Glibc module does not declare.
    private typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    private static let addChdir: AddChdir? = dlsym(nil, "posix_spawn_file_actions_addchdir_np").map { unsafeBitCast($0, to: AddChdir.self) }
    /// `pipe2`, also undeclared there: both ends close-on-exec from the start, so a process another thread starts
    /// meanwhile never inherits them (with `pipe` and then `fcntl`, it could, and would hold this pipe open).
    private typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32
    private static let pipe2: Pipe2? = dlsym(nil, "pipe2").map { unsafeBitCast($0, to: Pipe2.self) }

    /// A started child: its pid and this process's ends of its standard output and error (-1 when not piped).
    struct Started {
        let pid: pid_t
        let stdout: Int32
        let stderr: Int32
    }

    /// Starts `path args` in `directory` with exactly `environment`; `stdin` is written to it whole, or it reads
    /// /dev/null. Its standard output goes to a pipe (or to /dev/null when `pipeStdout` is false), its error to a pipe.
    static func start(_ path: String, _ args: [String], in directory: String, environment: [String: String], stdin: Data?,
                      pipeStdout: Bool = true) throws -> Started {
        guard let addChdir, let pipe2 else { throw Failure.system("posix_spawn_file_actions_addchdir_np or pipe2", ENOSYS) }
        var out: [Int32] = [-1, -1], err: [Int32] = [-1, -1], input: [Int32] = [-1, -1]
        var opened: [Int32] = []
        func fail(_ call: String, _ code: Int32) -> Failure {
            for fd in opened { close(fd) }
            return .system(call, code)
        }
        if pipeStdout {
            guard pipe2(&out, O_CLOEXEC) == 0 else { throw fail("pipe2", errno) }
            opened += out
        }
        guard pipe2(&err, O_CLOEXEC) == 0 else { throw fail("pipe2", errno) }
        opened += err
        if stdin != nil {
            guard pipe2(&input, O_CLOEXEC) == 0 else { throw fail("pipe2", errno) }
            opened += input
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if stdin != nil {
            posix_spawn_file_actions_adddup2(&actions, input[0], 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        if pipeStdout {
            posix_spawn_file_actions_adddup2(&actions, out[1], 1)
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        }
        posix_spawn_file_actions_adddup2(&actions, err[1], 2)
        _ = addChdir(&actions, directory)
        // Every signal at its default and none blocked in the child, whatever this process set for its threads.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var all = sigset_t(), none = sigset_t()
        sigfillset(&all)
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = ([path] + args).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        // The child's ends are the child's alone now.
        if pipeStdout { close(out[1]) }
        close(err[1])
        if stdin != nil { close(input[0]) }
        guard rc == 0 else {
            if pipeStdout { close(out[0]) }
            close(err[0])
            if stdin != nil { close(input[1]) }
            throw Failure.system("posix_spawn \(path)", rc)
        }
        if let stdin {
            // Small inputs (a draft, a password): written whole before the output is read, as before.
            stdin.withUnsafeBytes { raw in
                var done = 0
                while done < raw.count {
                    let n = write(input[1], raw.baseAddress! + done, raw.count - done)
                    if n < 0, errno == EINTR { continue }
                    if n <= 0 { break }
                    done += n
                }
            }
            close(input[1])
        }
        return Started(pid: pid, stdout: pipeStdout ? out[0] : -1, stderr: err[0])
    }

    /// The status `waitpid` gave: the exit status, or the number of the signal that ended the child.
    static func decode(_ status: Int32) -> (status: Int32, signaled: Bool) {
        let signal = status & 0x7f
        return signal == 0 ? ((status >> 8) & 0xff, false) : (signal, true)
    }

    static func run(_ path: String, _ args: [String], in directory: String, environment: [String: String], stdin: Data?) throws -> Outcome {
        let started = try start(path, args, in: directory, environment: environment, stdin: stdin)
        let pid = started.pid
        var outData = Data(), errData = Data()
        var fds = [started.stdout, started.stderr].map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while fds.contains(where: { $0.fd >= 0 }) {
            if poll(&fds, nfds_t(fds.count), -1) < 0 {
                if errno == EINTR { continue }
                break
            }
            for k in fds.indices where fds[k].fd >= 0 && fds[k].revents != 0 {
                let n = buffer.withUnsafeMutableBytes { read(fds[k].fd, $0.baseAddress!, $0.count) }
                if n > 0 {
                    buffer.withUnsafeBytes { b in
                        if k == 0 { outData.append(contentsOf: b[0..<n]) } else { errData.append(contentsOf: b[0..<n]) }
                    }
                } else if n < 0, errno == EINTR || errno == EAGAIN {
                    continue
                } else {
                    close(fds[k].fd)
                    fds[k].fd = -1  // poll ignores a negative descriptor
                }
            }
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { throw Failure.system("waitpid", errno) }
        }
        return Outcome(status: decode(status).status, stdout: outData, stderr: errData)
    }
}

/// A long-running child started with `Spawn.start` (a daemon under test): its standard error read by a thread of its
/// own into `stderr`, and its end awaited with `waitpid` (once: the status is kept).
final class SpawnedProcess: Sendable {
    let processIdentifier: pid_t
    private let ended = Mutex<(status: Int32, signaled: Bool)?>(nil)
    private let text = Mutex("")
    private let reader = DispatchSemaphore(value: 0)

    init(_ path: String, _ args: [String], in directory: String, environment: [String: String]) throws {
        let started = try Spawn.start(path, args, in: directory, environment: environment, stdin: nil, pipeStdout: false)
        processIdentifier = started.pid
        let fd = started.stderr
        // The thread holds this object until the child's standard error ends (when it exits).
        let thread = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 16_384)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
                if n < 0, errno == EINTR { continue }
                if n <= 0 { break }
                let chunk = String(decoding: buffer[0..<n], as: UTF8.self)
                text.withLock { $0 += chunk }
            }
            close(fd)
            reader.signal()
        }
        thread.start()
    }

    /// Everything it wrote to standard error so far.
    var stderr: String { text.withLock { $0 } }

    /// Whether it has not ended (reaped here, without waiting, if it has).
    var isRunning: Bool {
        ended.withLock { e in
            if e != nil { return false }
            var status: Int32 = 0
            let r = waitpid(processIdentifier, &status, WNOHANG)
            if r == processIdentifier { e = Spawn.decode(status) }
            return r == 0
        }
    }

    /// Waits for it to end and for its standard error to be read whole; the exit status, or the signal's number.
    @discardableResult
    func waitUntilExit() -> (status: Int32, signaled: Bool) {
        let result = ended.withLock { e -> (status: Int32, signaled: Bool) in
            if let e { return e }
            var status: Int32 = 0
            while waitpid(processIdentifier, &status, 0) < 0, errno == EINTR {}
            let decoded = Spawn.decode(status)
            e = decoded
            return decoded
        }
        reader.wait()
        reader.signal()  // for any later wait
        return result
    }

    func signal(_ number: Int32) {
        if isRunning { kill(processIdentifier, number) }
    }
}
