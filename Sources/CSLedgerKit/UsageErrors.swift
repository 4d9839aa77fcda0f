import LedgerCore

/// Usage errors the argument parser finds (an unknown option, a missing value, a value it cannot read),
/// said by `csledger` and `csledgerd` the way every other bad input is: one line, exit 2 (the README's code
/// for bad input), no usage screen. Issue 18: they exited 64 with the usage screen.
package enum UsageErrors {
    /// The parser's exit code for a usage error (EX_USAGE), which the commands turn into 2.
    package static let parserUsageCode: Int32 = 64

    /// The exit status for a parser error with exit code `code`: 2 for a usage error, any other code as it is.
    package static func exitStatus(_ code: Int32) -> Int32 { code == parserUsageCode ? 2 : code }

    /// The first non-empty line of the parser's message, without its `Error: ` prefix, with control
    /// characters from the command line replaced by `?`.
    package static func oneLine(_ message: String) -> String {
        let first = message.split(separator: "\n").first { !$0.trimmingCharacters(in: .whitespaces).isEmpty } ?? "the command line is not valid"
        var line = Substring(first.trimmingCharacters(in: .whitespaces))
        if line.hasPrefix("Error: ") { line = line.dropFirst("Error: ".count) }
        var out = ""
        for u in line.unicodeScalars.prefix(300) { out.unicodeScalars.append(TerminalText.isControl(u) ? "?" : u) }
        return out
    }

    /// `--option -6` as `--option=-6`: a negative number given as its own argument is the option's value (the
    /// parser would take `-6` for a short option and report a missing value), so it gets the same clear
    /// refusal as `--quantity=-6` from the command. A negative number standing alone (`prove inclusion -1`)
    /// is an argument too: it is moved after a `--`, so the command refuses its value rather than the parser
    /// reporting a missing argument. Everything from `--` on stays as it is.
    package static func joiningNegativeValues(_ args: [String]) -> [String] {
        var out: [String] = []
        var positional: [String] = []
        var i = 0
        while i < args.count {
            let a = args[i]
            if a == "--" { positional += args[(i + 1)...]; break }
            if a.hasPrefix("--"), a.count > 2, !a.contains("="), i + 1 < args.count, isNegativeNumber(args[i + 1]) {
                out.append("\(a)=\(args[i + 1])")
                i += 2
                continue
            }
            if isNegativeNumber(a) { positional.append(a) } else { out.append(a) }
            i += 1
        }
        return positional.isEmpty && !args.contains("--") ? out : out + ["--"] + positional
    }

    /// `-6`, `-0.5`, `-.5`: a minus sign, then a digit or a point.
    static func isNegativeNumber(_ s: String) -> Bool {
        let u = Array(s.utf8)
        return u.count >= 2 && u[0] == UInt8(ascii: "-") && ((u[1] >= 0x30 && u[1] <= 0x39) || u[1] == UInt8(ascii: "."))
    }
}
