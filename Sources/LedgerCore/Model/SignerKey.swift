import Crypto
import Foundation
import CryptoExtras

/// An Ed25519 private key of a signer (facility, pharmacist, witness ...).
///
/// Reads PKCS#8 PEM as `openssl genpkey -algorithm ed25519` writes it and
/// writes the same form. Its description names the key id only, never the
/// key bytes.
public struct SignerKey: Sendable, CustomStringConvertible {
    let privateKey: Curve25519.Signing.PrivateKey

    /// The matching public key (and with it the key id), worked out once: an append asks for the actor's,
    /// witnesses' and facility's key ids several times, and each was a SHA-256 and a hex string.
    public let publicKey: SignerPublicKey

    private init(_ privateKey: Curve25519.Signing.PrivateKey) {
        self.privateKey = privateKey
        self.publicKey = SignerPublicKey(publicKey: privateKey.publicKey)
    }

    /// A new random key.
    public init() { self.init(Curve25519.Signing.PrivateKey()) }

    /// A key from its 32-byte seed (tests and fixtures).
    public init(seed: some Collection<UInt8>) throws {
        let key: Curve25519.Signing.PrivateKey
        do { key = try Curve25519.Signing.PrivateKey(rawRepresentation: Array(seed)) } catch {
            throw LedgerError(.keyFileInvalid, "an Ed25519 private key seed must be 32 bytes")
        }
        self.init(key)
    }

    /// Parses a PKCS#8 PEM (the "PRIVATE KEY" block openssl writes) holding an Ed25519 key.
    public init(pem: String) throws {
        // swift-crypto reads any 32-byte PKCS#8 key without looking at its algorithm: an X25519 key would pass.
        if case .other(let name) = KeyAlgorithm.of(pem: pem) {
            throw LedgerError(.keyFileInvalid, "the file holds a key of type \(name), not an Ed25519 key; csledger signs only with Ed25519")
        }
        let key: Curve25519.Signing.PrivateKey
        do { key = try Curve25519.Signing.PrivateKey(pemRepresentation: pem) } catch {
            throw LedgerError(.keyFileInvalid, "the file is not an Ed25519 private key in PEM (PKCS#8) form")
        }
        self.init(key)
    }

    /// The PKCS#8 PEM text.
    public var pem: String { privateKey.pemRepresentation + "\n" }
    /// SHA-256 of the raw public key, hex.
    public var keyID: KeyID { publicKey.keyID }

    /// Ed25519 signature (64 bytes) over `message`, no pre-hash.
    public func sign(_ message: some DataProtocol) -> [UInt8] {
        // Signing with a valid key over in-memory bytes cannot fail in swift-crypto's BoringSSL backend.
        Array(try! privateKey.signature(for: message))
    }

    /// The swift-crypto key, for the signed-note helpers.
    public var curve25519: Curve25519.Signing.PrivateKey { privateKey }

    public var description: String { "SignerKey(\(keyID.short))" }
}

/// An Ed25519 public key as enrolled in the ledger.
public struct SignerPublicKey: Sendable, Hashable, CustomStringConvertible {
    let publicKey: Curve25519.Signing.PublicKey
    /// The 32 raw bytes.
    public let raw: [UInt8]
    /// SHA-256 of `raw`, hex.
    public let keyID: KeyID

    init(publicKey: Curve25519.Signing.PublicKey) {
        self.publicKey = publicKey
        self.raw = Array(publicKey.rawRepresentation)
        self.keyID = KeyID(publicKey: raw)
    }

    /// A key from its 32 raw bytes.
    public init(raw: some Collection<UInt8>) throws {
        do { self.init(publicKey: try Curve25519.Signing.PublicKey(rawRepresentation: Array(raw))) } catch {
            throw LedgerError(.publicKeyInvalid, "an Ed25519 public key must be 32 bytes")
        }
    }

    /// A key from base64 of its 32 raw bytes, as statements carry it.
    public init(base64: String) throws {
        guard let b = Base64.decode(base64), b.count == 32 else {
            throw LedgerError(.publicKeyInvalid, "public_key must be base64 of 32 bytes")
        }
        try self.init(raw: b)
    }

    /// Parses a SubjectPublicKeyInfo `-----BEGIN PUBLIC KEY-----` PEM.
    public init(pem: String) throws {
        if case .other(let name) = KeyAlgorithm.of(pem: pem) {
            throw LedgerError(.publicKeyInvalid, "the file holds a public key of type \(name), not an Ed25519 key; csledger enrols only Ed25519 keys")
        }
        do { self.init(publicKey: try Curve25519.Signing.PublicKey(pemRepresentation: pem)) } catch {
            throw LedgerError(.publicKeyInvalid, "the file is not an Ed25519 public key in PEM (SubjectPublicKeyInfo) form")
        }
    }

    /// The SubjectPublicKeyInfo PEM text.
    public var pem: String { publicKey.pemRepresentation + "\n" }
    /// Base64 of the 32 raw bytes.
    public var base64: String { Base64.encode(raw) }
    /// The swift-crypto key, for the signed-note helpers.
    public var curve25519: Curve25519.Signing.PublicKey { publicKey }

    /// True when `signature` is a valid Ed25519 signature of `message` by this key.
    public func isValidSignature(_ signature: some DataProtocol, for message: some DataProtocol) -> Bool {
        publicKey.isValidSignature(signature, for: message)
    }

    /// True when `signature` is a valid Ed25519 signature of `message` by this key (the verifier's signatures,
    /// held in place).
    func isValidSignature(_ signature: Signature64, for message: ArraySlice<UInt8>) -> Bool {
        signature.withUnsafeBytes { publicKey.isValidSignature($0, for: message) }
    }

    public var description: String { "SignerPublicKey(\(keyID.short))" }

    public static func == (a: SignerPublicKey, b: SignerPublicKey) -> Bool { a.raw == b.raw }
    public func hash(into h: inout Hasher) { h.combine(raw) }
}
