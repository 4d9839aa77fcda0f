/// CSV as RFC 4180 writes it: comma-separated, CRLF line ends, fields with a comma, quote or line break quoted
/// (quotes doubled). A field starting with `=`, `+`, `-` or `@` that is not a number gets a leading `'`
/// so a spreadsheet does not run it as a formula.
package enum CSV {
    /// The CSV text of a header row and data rows.
    package static func text(header: [String], rows: [[String]]) -> String {
        ([header] + rows).map { $0.map(field).joined(separator: ",") + "\r\n" }.joined()
    }

    static func field(_ value: String) -> String {
        var v = value
        if let first = v.first, "=+-@".contains(first), Double(v) == nil { v = "'" + v }
        guard v.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" }) else { return v }
        return "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Parses CSV text into rows of fields (the inverse of `text`, accepting LF or CRLF line ends).
    package static func parse(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var i = text.unicodeScalars.startIndex
        let s = text.unicodeScalars
        var fieldStarted = false
        while i < s.endIndex {
            let c = s[i]
            if quoted {
                if c == "\"" {
                    let next = s.index(after: i)
                    if next < s.endIndex, s[next] == "\"" { field.unicodeScalars.append("\""); i = next } else { quoted = false }
                } else {
                    field.unicodeScalars.append(c)
                }
            } else if c == "\"" && !fieldStarted {
                quoted = true
                fieldStarted = true
            } else if c == "," {
                row.append(field); field = ""; fieldStarted = false
            } else if c == "\n" || c == "\r" {
                if c == "\r", s.index(after: i) < s.endIndex, s[s.index(after: i)] == "\n" { i = s.index(after: i) }
                row.append(field); rows.append(row); row = []; field = ""; fieldStarted = false
            } else {
                field.unicodeScalars.append(c)
                fieldStarted = true
            }
            i = s.index(after: i)
        }
        if fieldStarted || !row.isEmpty { row.append(field); rows.append(row) }
        return rows
    }
}
