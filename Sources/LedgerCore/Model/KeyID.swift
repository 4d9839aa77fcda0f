/// A signer's key id: lowercase hex of SHA-256 over the 32 raw Ed25519 public-key bytes (SPEC §1).
public struct KeyID: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    /// The 64 lowercase hex characters.
    public let hex: String

    /// The id of a raw 32-byte Ed25519 public key.
    public init(publicKey raw: some Collection<UInt8>) {
        self.hex = Hash.sha256(raw).hex
    }

    /// Parses a key id as written in statements: exactly 64 lowercase hex characters.
    public init?(_ text: String) {
        guard text.utf8.count == 64, text.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
            return nil
        }
        self.hex = text
    }

    public static func == (a: KeyID, b: KeyID) -> Bool { a.hex == b.hex }

    /// Hashes the first 16 hex characters: a key id is SHA-256 output, so they spread as well as all 64,
    /// and key ids are hashed on every record that reconciliation and the indexes look at.
    public func hash(into hasher: inout Hasher) {
        var text = hex
        text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: $0.prefix(16)))) }
    }

    /// Wraps text the caller has checked is 64 lowercase hex characters.
    init(checkedHex: String) { self.hex = checkedHex }

    /// The first 12 hex characters, enough to tell people apart on a screen.
    public var short: String { String(hex.prefix(12)) }
    public var description: String { hex }
    public static func < (a: KeyID, b: KeyID) -> Bool { a.hex < b.hex }

    public init(from decoder: any Decoder) throws {
        let s = try decoder.singleValueContainer().decode(String.self)
        guard let k = KeyID(s) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a key id"))
        }
        self = k
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(hex)
    }
}
