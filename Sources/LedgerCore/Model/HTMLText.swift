/// Text from a ledger or a user, made safe to stand in an HTML page: the one escaping function for every page
/// csledger writes (the dashboard, the inspection package's `index.html`).
package enum HTMLText {
    /// `text` for an element's content or a quoted attribute value: `& < > " '` escaped; control characters
    /// other than tab and newline replaced by U+FFFD (they never reach a page).
    package static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for ch in text.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default:
                if ch.value < 0x20, ch != "\n", ch != "\t" { out += "\u{FFFD}" } else { out.unicodeScalars.append(ch) }
            }
        }
        return out
    }
}
