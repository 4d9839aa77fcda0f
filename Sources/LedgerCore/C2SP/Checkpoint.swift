/// The note text of a C2SP checkpoint (c2sp.org/tlog-checkpoint): origin,
/// tree size and root hash, one a line, then any extension lines.
///
/// ```
/// clinic.example.org/ledger
/// 42
/// <base64 of the 32-byte root hash>
/// ```
///
/// Signing and cosigning happen on the `SignedNote` whose text is `body`.
public struct Checkpoint: Sendable, Hashable {
    /// The log's unique name; for this ledger also the log key's name.
    public let origin: String
    /// The number of leaves (entries) in the tree.
    public let size: Int
    /// The RFC 9162 Merkle tree hash of those leaves.
    public let rootHash: Hash
    /// Extension lines after the root hash, without their newlines; usually none.
    public let extensions: [String]

    /// A checkpoint; throws if the origin is empty or an extension line is
    /// empty, if either holds a newline or other control character, or if
    /// the size is negative.
    public init(origin: String, size: Int, rootHash: Hash, extensions: [String] = []) throws {
        guard !origin.isEmpty else { throw NoteError(.emptyOrigin) }
        try Checkpoint.checkLine(origin)
        guard size >= 0 else { throw NoteError(.malformedTreeSize) }
        for e in extensions {
            guard !e.isEmpty else { throw NoteError(.emptyExtensionLine) }
            try Checkpoint.checkLine(e)
        }
        self.origin = origin
        self.size = size
        self.rootHash = rootHash
        self.extensions = extensions
    }

    /// Parses a note text strictly: at least three lines each ending in a
    /// newline; a non-empty origin; the size in decimal without leading
    /// zeros; the root hash as canonical base64 of exactly 32 bytes;
    /// non-empty extension lines; no control characters but newline.
    public init(body: String) throws {
        let u = Array(body.utf8)
        try SignedNote.checkNoControlCharacters(u[...])
        guard u.last == 0x0A else { throw NoteError(.missingFinalNewline) }
        let lines = u.dropLast().split(separator: 0x0A, omittingEmptySubsequences: false)
        guard lines.count >= 3 else { throw NoteError(.checkpointTooShort) }
        guard !lines[0].isEmpty else { throw NoteError(.emptyOrigin) }
        guard let size = Checkpoint.parseDecimal(lines[1]) else { throw NoteError(.malformedTreeSize) }
        guard let root = Hash(base64: String(decoding: lines[2], as: UTF8.self)) else {
            throw NoteError(.malformedRootHash)
        }
        var extensions: [String] = []
        for line in lines.dropFirst(3) {
            guard !line.isEmpty else { throw NoteError(.emptyExtensionLine) }
            extensions.append(String(decoding: line, as: UTF8.self))
        }
        self.origin = String(decoding: lines[0], as: UTF8.self)
        self.size = size
        self.rootHash = root
        self.extensions = extensions
    }

    /// The note text: `origin\nsize\nbase64(root)\n` and each extension line with its newline.
    public var body: String {
        var out = origin + "\n" + String(size) + "\n" + rootHash.base64 + "\n"
        for e in extensions { out += e + "\n" }
        return out
    }

    static func checkLine(_ s: String) throws {
        for b in s.utf8 where b < 0x20 {
            throw NoteError(.controlCharacter, "a checkpoint line holds a newline or other control character")
        }
    }

    /// A non-negative decimal without sign or leading zeros (except "0") that fits in an `Int`.
    static func parseDecimal(_ digits: some Collection<UInt8>) -> Int? {
        guard let first = digits.first, digits.count <= 19 else { return nil }
        guard first != 0x30 || digits.count == 1 else { return nil }
        var value = 0
        for d in digits {
            guard d >= 0x30 && d <= 0x39 else { return nil }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(Int(d - 0x30))
            if o1 || o2 { return nil }
            value = sum
        }
        return value
    }
}
