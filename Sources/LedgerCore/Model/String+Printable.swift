extension StringProtocol {
    /// At most `n` characters of outside text for an error message, with control characters shown as `\u{..}`,
    /// so the message stays one line (found by fuzz-http-statement: a member name holding "\n" split the error).
    func printablePrefix(_ n: Int) -> String {
        var out = ""
        for scalar in prefix(n).unicodeScalars {
            if scalar.properties.generalCategory == .control || scalar == "\u{2028}" || scalar == "\u{2029}" {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
