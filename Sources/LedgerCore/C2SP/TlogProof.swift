/// An offline proof that one entry is in a signed checkpoint, in the C2SP
/// `tlog-proof@v1` format (`.tlog-proof` files):
///
/// ```
/// c2sp.org/tlog-proof@v1
/// extra <base64>            (optional)
/// index <decimal>
/// <base64 hash>             (zero or more, from the leaf's sibling up)
///
/// <the checkpoint, a signed note, verbatim>
/// ```
///
/// What the C2SP spec (c2sp.org/tlog-proof) says beyond SPEC §4's summary,
/// followed here: the second line MAY be `extra ` and base64 of opaque,
/// unauthenticated application data, and is omitted when there is none;
/// the index is ASCII decimal without leading zeros; the hash lines are
/// non-empty base64 of one SHA-256 hash each, RFC 6962/9162 audit path
/// order; an empty line then the checkpoint verbatim. transparency-dev's
/// reader reads the `extra` line the same way, so we keep its bytes and
/// write them back; this ledger itself writes no extra line.
public struct TlogProof: Sendable, Hashable {
    /// The first line of every proof.
    public static let header = "c2sp.org/tlog-proof@v1"

    /// The entry's zero-based index (its `seq`).
    public let index: Int
    /// The RFC 9162 inclusion proof, from the leaf's sibling up.
    public let path: [Hash]
    /// The signed checkpoint, with any cosignatures, verbatim.
    public let checkpoint: SignedNote
    /// Opaque extra data from an `extra` line, nil when the line is absent.
    /// Not authenticated by anything: never trust it.
    public let extra: [UInt8]?
    /// The checkpoint's parsed text.
    public let tree: Checkpoint

    /// A proof; throws if the index is negative, the path longer than any
    /// tree needs, or the note's text not a checkpoint.
    public init(index: Int, path: [Hash], checkpoint: SignedNote, extra: [UInt8]? = nil) throws {
        guard index >= 0 else { throw NoteError(.malformedIndex) }
        guard path.count < Int.bitWidth else { throw NoteError(.proofTooLong) }
        self.tree = try Checkpoint(body: checkpoint.text)
        self.index = index
        self.path = path
        self.checkpoint = checkpoint
        self.extra = extra
    }

    /// The `.tlog-proof` text.
    public var serialized: String {
        var out = TlogProof.header + "\n"
        if let extra { out += "extra " + Base64.encode(extra) + "\n" }
        out += "index " + String(index) + "\n"
        for h in path { out += h.base64 + "\n" }
        out += "\n"
        out += checkpoint.serialized
        return out
    }

    /// Whether `leaf` (the entry's leaf hash) is at `index` in the
    /// checkpoint's tree by `path`. The checkpoint's signatures are not
    /// checked here: use `checkpoint.verify(keyName:publicKey:)`.
    public func verifyInclusion(leaf: Hash) -> Bool {
        MerkleTree.verifyInclusion(leaf: leaf, index: index, size: tree.size, proof: path, root: tree.rootHash)
    }

    /// Parses a `.tlog-proof` text strictly (see the type's description);
    /// the checkpoint must be a valid signed note whose text is a checkpoint.
    public static func parse(_ text: String) throws -> TlogProof {
        let u = Array(text.utf8)
        var pos = 0
        /// The next line without its newline, or nil at the end or on a last line with no newline.
        func nextLine() -> ArraySlice<UInt8>? {
            guard let nl = u[pos...].firstIndex(of: 0x0A) else { return nil }
            defer { pos = nl + 1 }
            return u[pos..<nl]
        }
        guard let first = nextLine(), first.elementsEqual(header.utf8) else { throw NoteError(.missingProofHeader) }
        guard var line = nextLine() else { throw NoteError(.malformedIndex) }
        var extra: [UInt8]? = nil
        let extraPrefix = Array("extra ".utf8)
        if line.starts(with: extraPrefix) {
            guard let data = Base64.decode(String(decoding: line.dropFirst(extraPrefix.count), as: UTF8.self)) else {
                throw NoteError(.malformedExtraData)
            }
            extra = data
            guard let next = nextLine() else { throw NoteError(.malformedIndex) }
            line = next
        }
        let indexPrefix = Array("index ".utf8)
        guard line.starts(with: indexPrefix), let index = Checkpoint.parseDecimal(line.dropFirst(indexPrefix.count)) else {
            throw NoteError(.malformedIndex)
        }
        var path: [Hash] = []
        while true {
            guard let l = nextLine() else { throw NoteError(.missingCheckpoint) }
            if l.isEmpty { break }
            guard path.count < Int.bitWidth - 1 else { throw NoteError(.proofTooLong) }
            guard let h = Hash(base64: String(decoding: l, as: UTF8.self)) else { throw NoteError(.malformedProofHash) }
            path.append(h)
        }
        let note = try SignedNote.parse(utf8: Array(u[pos...]))
        return try TlogProof(index: index, path: path, checkpoint: note, extra: extra)
    }
}
