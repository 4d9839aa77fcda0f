import Foundation
import Glibc

/// The ```sh blocks of a Markdown file, turned into one bash script that keeps the file's line numbers,
/// and run the way a reader runs them: top to bottom, in a fresh folder, against the built binaries.
/// The conventions are described in `ReadmeTests.swift`.
struct MarkdownShell {
    struct Block {
        /// 1-based line numbers of the opening and closing fences.
        let open: Int
        let close: Int
        /// The reason given in `<!-- not run: REASON -->` just before the block, or nil when the block runs.
        let skipReason: String?
    }

    struct ParseError: Error, CustomStringConvertible {
        let description: String
    }

    let name: String
    let lines: [String]
    let blocks: [Block]

    var run: [Block] { blocks.filter { $0.skipReason == nil } }
    var skipped: [Block] { blocks.filter { $0.skipReason != nil } }

    init(name: String, text: String) throws {
        self.name = name
        let lines = text.components(separatedBy: "\n")
        self.lines = lines
        var blocks: [Block] = []
        var i = 0
        while i < lines.count {
            let fence = lines[i].trimmingCharacters(in: .whitespaces)
            guard fence.hasPrefix("```") else { i += 1; continue }
            var end = i + 1
            while end < lines.count, lines[end].trimmingCharacters(in: .whitespaces) != "```" { end += 1 }
            guard end < lines.count else { throw ParseError(description: "\(name):\(i + 1): a code block that is never closed") }
            if fence == "```sh" {
                var before = i - 1
                while before >= 0, lines[before].trimmingCharacters(in: .whitespaces).isEmpty { before -= 1 }
                var reason: String?
                if before >= 0 {
                    let marker = lines[before].trimmingCharacters(in: .whitespaces)
                    if marker.hasPrefix("<!-- not run:"), marker.hasSuffix("-->") {
                        reason = String(marker.dropFirst("<!-- not run:".count).dropLast(3)).trimmingCharacters(in: .whitespaces)
                        guard reason?.isEmpty == false else {
                            throw ParseError(description: "\(name):\(before + 1): a block not run must say why: <!-- not run: needs ... -->")
                        }
                    }
                }
                blocks.append(Block(open: i + 1, close: end + 1, skipReason: reason))
            }
            i = end + 1
        }
        self.blocks = blocks
    }

    /// Expected output written as a comment: a comment on a line of a block that runs, ending "at seq N", is what
    /// the command prints (the start of one of its lines; `…` stands for any text, such as a key id).
    var outputClaims: [(line: Int, text: String)] {
        var claims: [(line: Int, text: String)] = []
        for b in run {
            for n in b.open..<(b.close - 1) {
                guard let hash = lines[n].range(of: "# ") else { continue }
                let text = lines[n][hash.upperBound...].trimmingCharacters(in: .whitespaces)
                if text.range(of: #"at seq [0-9]+$"#, options: .regularExpression) != nil { claims.append((n + 1, text)) }
            }
        }
        return claims
    }

    /// True when a line of `output` starts with `claim` (`…` matching any text).
    static func output(_ output: String, shows claim: String) -> Bool {
        let pattern = "^" + claim.components(separatedBy: "…").map(NSRegularExpression.escapedPattern(for:)).joined(separator: ".*?") + "([^0-9]|$)"
        guard let regex = try? NSRegularExpression(pattern: pattern, options: [.anchorsMatchLines]) else { return false }
        return regex.firstMatch(in: output, range: NSRange(output.startIndex..., in: output)) != nil
    }

    /// The first line of the command that `line` belongs to: bash names the last line of a `$(...)` that spans
    /// several lines joined by backslashes.
    func commandStart(_ line: Int) -> Int {
        var n = line
        while n >= 2, n - 1 <= lines.count, lines[n - 2].hasSuffix("\\") { n -= 1 }
        return n
    }

    /// Printed by the ERR trap: `MARKER LINE STATUS`.
    static let failureMarker = "markdown-shell-failed-at-line"

    /// The script: line N is line N of the Markdown file when it belongs to a block that runs, and empty otherwise,
    /// so bash's `$LINENO` names the Markdown line. Line 1 (a heading, never a command) holds the settings.
    func script() throws -> String {
        if let first = blocks.first, first.open == 1 { throw ParseError(description: "\(name):1: a block may not start the file") }
        var out = Array(repeating: "", count: lines.count)
        // -e stops at the first failing command, -E lets the ERR trap see failures inside $(...), -u catches a
        // variable never set (a placeholder left in), pipefail a failure on the left of a pipe.
        out[0] = "set -eEu -o pipefail; trap 'echo \"\(Self.failureMarker) $LINENO $?\" >&2' ERR; "
            + "trap 'kill $(jobs -p) 2>/dev/null || true' EXIT"
        for b in run {
            for n in b.open..<(b.close - 1) { out[n] = lines[n] }   // lines open+1 ... close-1, 1-based
        }
        return out.joined(separator: "\n") + "\n"
    }

    struct Outcome {
        let status: Int32
        let output: String
        let seconds: Double
        let timedOut: Bool
        /// The Markdown line of the first command that failed, from the ERR trap.
        var failedLine: Int? {
            for line in output.split(separator: "\n") where line.hasPrefix(MarkdownShell.failureMarker + " ") {
                return Int(line.split(separator: " ")[1])
            }
            // Errors of the shell itself (an unset variable) skip the trap; bash names the line: "SCRIPT: line N: ...".
            for line in output.split(separator: "\n") {
                guard let r = line.range(of: ".sh: line ") else { continue }
                if let n = Int(line[r.upperBound...].prefix { $0.isNumber }) { return n }
            }
            return nil
        }
    }

    /// Runs the script with bash in `directory`, `bin` first on PATH and no CSLEDGER_* variable set; stdout and
    /// stderr go to one log. The script's EXIT trap stops what a block left in the background (a daemon); after
    /// `timeout` the shell and everything under it are killed.
    func execute(in directory: URL, bin: String, timeout: Double = 120) throws -> Outcome {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("markdown-\(UUID().uuidString)")
        let scriptURL = scratch.appendingPathExtension("sh"), logURL = scratch.appendingPathExtension("log")
        try Data(try script().utf8).write(to: scriptURL)
        FileManager.default.createFile(atPath: logURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: logURL)
            try? FileManager.default.removeItem(at: scriptURL)
        }
        let log = try FileHandle(forWritingTo: logURL)
        defer { try? log.close() }

        let p = Process()
        p.executableURL = URL(fileURLWithPath: try CLI.which("bash"))
        p.arguments = [scriptURL.path]
        p.currentDirectoryURL = directory
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CSLEDGER_") }
        env["PATH"] = bin + ":" + (env["PATH"] ?? "/usr/bin:/bin")
        p.environment = env
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = log
        p.standardError = log
        let started = Date()
        try p.run()
        var timedOut = false
        while p.isRunning {
            if Date().timeIntervalSince(started) > timeout {
                timedOut = true
                for pid in Self.descendants(of: p.processIdentifier) { kill(pid, SIGKILL) }
                kill(p.processIdentifier, SIGKILL)
                break
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        p.waitUntilExit()
        let output = String(decoding: (try? Data(contentsOf: logURL)) ?? Data(), as: UTF8.self)
        return Outcome(status: p.terminationStatus, output: output, seconds: Date().timeIntervalSince(started), timedOut: timedOut)
    }

    /// Every process under `root`, from /proc (Linux).
    static func descendants(of root: pid_t) -> [pid_t] {
        var parent: [pid_t: pid_t] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = pid_t(name), let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            // "pid (comm) state ppid ...": comm may hold spaces, so read after its closing parenthesis.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, let ppid = pid_t(fields[1]) { parent[pid] = ppid }
        }
        var found: [pid_t] = []
        var frontier: Set<pid_t> = [root]
        while !frontier.isEmpty {
            let next = parent.filter { frontier.contains($0.value) }.map(\.key)
            found += next
            frontier = Set(next)
        }
        return found
    }
}
