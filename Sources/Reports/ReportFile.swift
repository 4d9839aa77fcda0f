import LedgerCore

/// One file of a report bundle: its name inside the bundle folder and its bytes.
///
/// Names are plain file names (letters, digits, `.`, `_`, `-`; not starting with `.`),
/// so a bundle never points outside its folder.
package struct ReportFile: Sendable, Hashable {
    /// The file name inside the bundle.
    package let path: String
    package let bytes: [UInt8]

    package init(path: String, bytes: [UInt8]) {
        self.path = path
        self.bytes = bytes
    }

    package init(path: String, text: String) {
        self.init(path: path, bytes: Array(text.utf8))
    }

    /// The names the bundle itself uses; a report file may not take them.
    static let reserved: Set<String> = ["manifest.json", "manifest.sig", "facility.pub.pem", "entries.jsonl", "proofs.json"]

    /// True for a plain, safe file name: 1 to 100 characters of `A-Z a-z 0-9 . _ -`, not starting with `.`.
    package static func isSafeName(_ name: String) -> Bool {
        let u = Array(name.utf8)
        guard !u.isEmpty, u.count <= 100, u[0] != 0x2e else { return false }
        return u.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5a) || ($0 >= 0x61 && $0 <= 0x7a) || $0 == 0x2e || $0 == 0x5f || $0 == 0x2d }
    }
}
