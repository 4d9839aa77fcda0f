/// Text that reaches a terminal or a log: control characters are refused when a statement or a record is
/// written, and shown escaped when text is printed (a name holding ESC sequences could rewrite the
/// officer's screen; issue 18).
package enum TerminalText {
    /// C0 (with ESC, tab and newline), DEL and C1.
    package static func isControl(_ u: Unicode.Scalar) -> Bool {
        u.value < 0x20 || (0x7f...0x9f).contains(u.value)
    }

    /// True when `s` holds a control character.
    package static func hasControl(_ s: some StringProtocol) -> Bool {
        s.unicodeScalars.contains(where: isControl)
    }

    /// `s` with every control character shown as `\u{1b}`, and a backslash as `\\`, so it prints on one line
    /// and cannot drive the terminal; text without either comes back unchanged.
    package static func escaped(_ s: some StringProtocol) -> String {
        guard s.unicodeScalars.contains(where: { isControl($0) || $0 == "\\" }) else { return String(s) }
        var out = ""
        for u in s.unicodeScalars {
            if isControl(u) {
                out += "\\u{\(String(u.value, radix: 16))}"
            } else if u == "\\" {
                out += "\\\\"
            } else {
                out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// The first member of `value` (a path such as `drug.name` or `lots[1].lot`) whose text or name holds a
    /// control character, or nil.
    package static func fieldWithControl(in value: JSONValue, path: String = "") -> String? {
        switch value {
        case .string(let s): return hasControl(s) ? (path.isEmpty ? "a value" : path) : nil
        case .array(let items):
            for (i, item) in items.enumerated() {
                if let p = fieldWithControl(in: item, path: "\(path)[\(i)]") { return p }
            }
            return nil
        case .object(let members):
            for (k, v) in members.sorted(by: { $0.key < $1.key }) {
                let p = path.isEmpty ? k : "\(path).\(k)"
                if hasControl(k) { return "a member name in \(path.isEmpty ? "the body" : path)" }
                if let found = fieldWithControl(in: v, path: p) { return found }
            }
            return nil
        default: return nil
        }
    }
}
