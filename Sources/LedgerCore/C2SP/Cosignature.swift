import Crypto

/// A witness's Ed25519 cosignature on a checkpoint, `cosignature/v1` of
/// c2sp.org/tlog-cosignature: a signed-note signature line whose key name is
/// the witness's name and whose signature is `timestamp || Ed25519 signature`.
///
/// - Key id: the first 4 bytes of `SHA-256(name || 0x0A || 0x04 || 32-byte public key)`
///   (0x04 is the cosignature/v1 signature type; the log's own note key uses 0x01).
/// - Signature bytes: an 8-byte big-endian POSIX time (at most 2^63 - 1), then the
///   64-byte Ed25519 signature.
/// - Signed message: `cosignature/v1\n`, `time <decimal, no leading zeros>\n`, then the
///   whole checkpoint text with any extension lines (not the signature lines).
///
/// A cosignature says: at that time, the largest consistent tree the witness had
/// seen for the origin had this root. It says nothing about extension lines.
public struct Cosignature: Sendable, Hashable {
    /// The signature type byte in the key id of an Ed25519 cosignature.
    public static let signatureType: UInt8 = 0x04
    /// The message's first line, without its newline.
    public static let header = "cosignature/v1"

    /// The witness's name (the signature line's key name).
    public let witnessName: String
    /// The POSIX time the witness signed at.
    public let timestamp: UInt64
    /// The 64-byte Ed25519 signature over `message(...)`.
    public let signature: [UInt8]

    /// The cosignature carried by a note signature line; nil when the line is not
    /// shaped like one (4-byte key id, 8-byte time, 64-byte signature).
    public init?(_ line: NoteSignature) {
        guard line.signature.count == 72 else { return nil }
        var t: UInt64 = 0
        for b in line.signature.prefix(8) { t = t << 8 | UInt64(b) }
        guard t <= UInt64(Int64.max) else { return nil }
        self.witnessName = line.keyName
        self.timestamp = t
        self.signature = Array(line.signature.dropFirst(8))
    }

    /// The key id of witness `name` with Ed25519 public key `publicKey` (32 raw bytes).
    public static func keyID(name: String, publicKey: some Collection<UInt8>) -> [UInt8] {
        var input = Array(name.utf8)
        input.append(0x0A)
        input.append(signatureType)
        input.append(contentsOf: publicKey)
        return Array(Hash.sha256(input).bytes.prefix(4))
    }

    /// The bytes a witness signs for `checkpointText` (the note's text, ending in a newline) at `timestamp`.
    public static func message(checkpointText: String, timestamp: UInt64) -> [UInt8] {
        Array((header + "\ntime " + String(timestamp) + "\n").utf8) + Array(checkpointText.utf8)
    }

    /// Cosigns the checkpoint `text` as witness `name` at `timestamp` (POSIX seconds).
    /// Throws if the text is not a checkpoint, the name is not a valid key name or the time exceeds 2^63 - 1.
    public static func sign(checkpointText text: String, name: String, key: SignerKey, timestamp: UInt64) throws -> NoteSignature {
        _ = try Checkpoint(body: text)
        try NoteSignature.checkKeyName(name)
        guard timestamp <= UInt64(Int64.max) else { throw NoteError(.malformedSignature, "a cosignature's time must not exceed 2^63 - 1") }
        let sig = key.sign(message(checkpointText: text, timestamp: timestamp))
        var blob = [UInt8](repeating: 0, count: 8)
        for i in 0..<8 { blob[i] = UInt8(truncatingIfNeeded: timestamp >> (56 - 8 * UInt64(i))) }
        return NoteSignature(unchecked: name, keyHash: keyID(name: name, publicKey: key.publicKey.raw), signature: blob + sig)
    }

    /// The time of the valid cosignatures by witness `name` with `publicKey` on `note`, or nil when the
    /// note carries none. Lines of other keys are ignored; a line with this witness's name and key id that
    /// does not verify makes the answer nil (a known key's bad signature spoils the note, as signed-note asks).
    public static func verify(note: SignedNote, name: String, publicKey: SignerPublicKey) -> UInt64? {
        let id = keyID(name: name, publicKey: publicKey.raw)
        var latest: UInt64? = nil
        for line in note.signatures where line.keyName == name && line.keyHash == id {
            guard let c = Cosignature(line),
                  publicKey.isValidSignature(c.signature, for: message(checkpointText: note.text, timestamp: c.timestamp)) else {
                return nil
            }
            latest = max(latest ?? 0, c.timestamp)
        }
        return latest
    }

    /// A trusted witness: its name and public key.
    public struct Witness: Sendable, Hashable {
        public let name: String
        public let publicKey: SignerPublicKey
        public init(name: String, publicKey: SignerPublicKey) throws {
            try NoteSignature.checkKeyName(name)
            self.name = name
            self.publicKey = publicKey
        }
        /// This witness's key id.
        public var keyID: [UInt8] { Cosignature.keyID(name: name, publicKey: publicKey.raw) }
    }

    /// The names of the witnesses among `witnesses` whose cosignature on `note` verifies.
    public static func cosigners(of note: SignedNote, among witnesses: [Witness]) -> [String] {
        witnesses.filter { verify(note: note, name: $0.name, publicKey: $0.publicKey) != nil }.map(\.name)
    }
}
