import Crypto
import Foundation

/// A C2SP signed note (c2sp.org/signed-note): a text ending in a newline, a
/// blank line, then one or more lines `— <key name> <base64(key hash || signature)>`.
///
/// Parsing is strict and keeps every signature line, known or not, so
/// `SignedNote.parse(s).serialized == s` for every note `parse` accepts:
/// witness cosignatures survive storage and re-export byte for byte.
public struct SignedNote: Sendable, Hashable {
    /// The most signature lines a note may carry (the limit Go's sumdb/note uses).
    public static let maxSignatures = 100

    /// The signed text, ending in a newline; what every signature covers.
    public let text: String
    /// The signature lines, in order.
    public let signatures: [NoteSignature]

    /// A note of `text` with these signatures. Throws if the text is empty,
    /// does not end with a newline or holds a control character other than
    /// newline, or if there are no signatures or more than `maxSignatures`.
    public init(text: String, signatures: [NoteSignature]) throws {
        let u = Array(text.utf8)
        guard u.last == 0x0A else { throw NoteError(.invalidText) }
        try SignedNote.checkNoControlCharacters(u[...])
        guard !signatures.isEmpty else { throw NoteError(.noSignatures) }
        guard signatures.count <= SignedNote.maxSignatures else { throw NoteError(.tooManySignatures) }
        self.text = text
        self.signatures = signatures
    }

    init(unchecked text: String, signatures: [NoteSignature]) {
        self.text = text
        self.signatures = signatures
    }

    /// The note as it is stored and exchanged: text, blank line, signature lines.
    public var serialized: String {
        var out = text
        out += "\n"
        for s in signatures { out += s.line }
        return out
    }

    /// This note with one more signature line at the end.
    public func adding(_ signature: NoteSignature) throws -> SignedNote {
        try SignedNote(text: text, signatures: signatures + [signature])
    }

    // MARK: - Parsing

    /// Parses a signed note strictly: no control characters but newline, a
    /// final newline, the text separated from the signatures by the last
    /// blank line, one to `maxSignatures` well-formed signature lines.
    public static func parse(_ note: String) throws -> SignedNote {
        try parse(utf8: Array(note.utf8))
    }

    /// Parses a signed note from its bytes, which must be valid UTF-8.
    public static func parse(bytes: some Collection<UInt8>) throws -> SignedNote {
        let u = Array(bytes)
        guard Array(String(decoding: u, as: UTF8.self).utf8) == u else { throw NoteError(.invalidUTF8) }
        return try parse(utf8: u)
    }

    static func parse(utf8 u: [UInt8]) throws -> SignedNote {
        try checkNoControlCharacters(u[...])
        guard u.last == 0x0A else { throw NoteError(.missingFinalNewline) }
        // The text ends at the last "\n\n": signature lines are never empty,
        // so that blank line is the separator even if the text has empty lines.
        var split = u.count - 2
        while split >= 0 && !(u[split] == 0x0A && u[split + 1] == 0x0A) { split -= 1 }
        guard split >= 0 else { throw NoteError(.missingSignatureSeparator) }
        let text = String(decoding: u[...split], as: UTF8.self)
        var signatures: [NoteSignature] = []
        var start = split + 2
        guard start < u.count else { throw NoteError(.noSignatures) }
        while start < u.count {
            guard signatures.count < maxSignatures else { throw NoteError(.tooManySignatures) }
            var end = start
            while u[end] != 0x0A { end += 1 }  // the note ends with "\n"
            signatures.append(try NoteSignature(line: u[start..<end]))
            start = end + 1
        }
        return SignedNote(unchecked: text, signatures: signatures)
    }

    static func checkNoControlCharacters(_ u: ArraySlice<UInt8>) throws {
        for b in u where b < 0x20 && b != 0x0A {
            throw NoteError(.controlCharacter)
        }
    }

    // MARK: - Ed25519 note keys

    /// The Ed25519 key hash (key ID) of a note key:
    /// the first 4 bytes of `SHA-256(name || 0x0A || 0x01 || 32-byte public key)`.
    public static func keyHash(name: String, publicKey: some Collection<UInt8>) -> [UInt8] {
        var input = Array(name.utf8)
        input.append(0x0A)
        input.append(0x01)
        input.append(contentsOf: publicKey)
        return Array(Hash.sha256(input).bytes.prefix(4))
    }

    /// The verifier key text other note tools (Go's sumdb/note) read:
    /// `<name>+<hex key hash>+<base64(0x01 || public key)>`.
    public static func verifierKey(name: String, publicKey: Curve25519.Signing.PublicKey) throws -> String {
        try NoteSignature.checkKeyName(name)
        let raw = Array(publicKey.rawRepresentation)
        return name + "+" + Hex.encode(keyHash(name: name, publicKey: raw)) + "+" + Base64.encode([0x01] + raw)
    }

    /// Signs `text` (its UTF-8 bytes, no pre-hash) with an Ed25519 note key.
    /// Throws if the text is not a valid note text or the key name is invalid.
    public static func sign(
        text: String,
        keyName: String,
        privateKey: Curve25519.Signing.PrivateKey
    ) throws -> NoteSignature {
        let u = Array(text.utf8)
        guard u.last == 0x0A else { throw NoteError(.invalidText) }
        try checkNoControlCharacters(u[...])
        try NoteSignature.checkKeyName(keyName)
        let signature: [UInt8]
        do {
            signature = Array(try privateKey.signature(for: u))
        } catch {
            throw NoteError(.signingFailed, "the signing key could not sign the note: \(error)")
        }
        let hash = keyHash(name: keyName, publicKey: Array(privateKey.publicKey.rawRepresentation))
        return NoteSignature(unchecked: keyName, keyHash: hash, signature: signature)
    }

    /// Whether this note carries a signature line of `keyName` with the key
    /// hash of `publicKey`, and every such line is a valid Ed25519 signature
    /// of the text (a known key's bad signature spoils the note, as
    /// c2sp.org/signed-note recommends). Lines of other keys are ignored.
    public func verify(keyName: String, publicKey: Curve25519.Signing.PublicKey) -> Bool {
        let hash = SignedNote.keyHash(name: keyName, publicKey: Array(publicKey.rawRepresentation))
        let message = Array(text.utf8)
        var found = false
        for s in signatures where s.keyName == keyName && s.keyHash == hash {
            guard s.signature.count == 64, publicKey.isValidSignature(s.signature, for: message) else { return false }
            found = true
        }
        return found
    }
}

/// One signature line of a signed note: `— <key name> <base64(key hash || signature)>`.
public struct NoteSignature: Sendable, Hashable {
    /// The signer's key name (for a checkpoint's log key, the origin).
    public let keyName: String
    /// The 4-byte key hash (key ID) naming the key and algorithm.
    public let keyHash: [UInt8]
    /// The signature bytes (64 for Ed25519).
    public let signature: [UInt8]

    /// A signature line; throws for an invalid key name, a key hash that is
    /// not 4 bytes or an empty signature.
    public init(keyName: String, keyHash: [UInt8], signature: [UInt8]) throws {
        try NoteSignature.checkKeyName(keyName)
        guard keyHash.count == 4 else { throw NoteError(.invalidKeyHash) }
        guard !signature.isEmpty else { throw NoteError(.malformedSignature) }
        self.init(unchecked: keyName, keyHash: keyHash, signature: signature)
    }

    init(unchecked keyName: String, keyHash: [UInt8], signature: [UInt8]) {
        self.keyName = keyName
        self.keyHash = keyHash
        self.signature = signature
    }

    /// The line as it appears in the note, em dash to newline.
    public var line: String {
        "\u{2014} " + keyName + " " + Base64.encode(keyHash + signature) + "\n"
    }

    /// The UTF-8 of "— " (U+2014 EM DASH, space).
    static let prefix: [UInt8] = [0xE2, 0x80, 0x94, 0x20]

    /// Parses one line, without its newline.
    init(line u: ArraySlice<UInt8>) throws {
        guard u.starts(with: NoteSignature.prefix) else { throw NoteError(.malformedSignatureLine) }
        let rest = u.dropFirst(NoteSignature.prefix.count)
        guard let space = rest.firstIndex(of: 0x20) else { throw NoteError(.malformedSignatureLine) }
        let name = String(decoding: rest[..<space], as: UTF8.self)
        try NoteSignature.checkKeyName(name)
        guard let blob = Base64.decode(String(decoding: rest[(space + 1)...], as: UTF8.self)), blob.count > 4 else {
            throw NoteError(.malformedSignature)
        }
        self.init(unchecked: name, keyHash: Array(blob.prefix(4)), signature: Array(blob.dropFirst(4)))
    }

    /// Key names are non-empty and hold no Unicode space, no control
    /// character (so no newline) and no `+`.
    static func checkKeyName(_ name: String) throws {
        guard !name.isEmpty else { throw NoteError(.invalidKeyName) }
        for s in name.unicodeScalars {
            if s.value < 0x80 {
                // ASCII (every origin in practice) without Unicode's property tables, whose first use
                // costs tens of milliseconds: refused are controls, space, DEL and "+".
                if s.value <= 0x20 || s.value == 0x7F || s == "+" { throw NoteError(.invalidKeyName) }
            } else if s.properties.isWhitespace || (0x80...0x9F).contains(s.value) {
                throw NoteError(.invalidKeyName)
            }
        }
    }
}
