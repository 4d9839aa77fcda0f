import Foundation
import LedgerCore

/// Reads and writes key files (SPEC §1): private keys as PKCS#8 PEM with mode
/// 0600, public keys as SubjectPublicKeyInfo PEM. Keys made by
/// `openssl genpkey -algorithm ed25519` work as they are.
public enum KeyFiles {
    /// Loads a private key, refusing a file that other users can read.
    public static func loadPrivateKey(path: String) throws -> SignerKey {
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw LedgerError(.keyFileMissing, "no key file at \(path)")
        }
        let text = try readText(path)
        if text.contains("BEGIN PUBLIC KEY") {
            throw LedgerError(.keyFileInvalid, "\(path) is a public key; signing needs the private key file")
        }
        // The type first: a key of another type is refused by name whatever its mode.
        if case .other(let name) = KeyAlgorithm.of(pem: text) {
            throw LedgerError(.keyFileInvalid, "\(path) holds \(article(name)) \(name) key, not an Ed25519 key; csledger signs only with Ed25519 (make one with `csledger keys generate` or `openssl genpkey -algorithm ed25519`)")
        }
        let mode = st.st_mode & 0o777
        if mode & 0o077 != 0 {
            throw LedgerError(.keyFilePermissions,
                              "key file \(path) can be read by other users (mode \(String(mode, radix: 8))); run: chmod 600 \(path)")
        }
        do { return try SignerKey(pem: text) } catch {
            throw LedgerError(.keyFileInvalid, "\(path) is not an Ed25519 private key in PEM form (make one with `csledger keys generate` or `openssl genpkey -algorithm ed25519`)")
        }
    }

    /// Loads a public key file (SPKI PEM). A private key file is accepted too and its public half used.
    public static func loadPublicKey(path: String) throws -> SignerPublicKey {
        guard FileManager.default.fileExists(atPath: path) else {
            throw LedgerError(.keyFileMissing, "no public key file at \(path)")
        }
        let text = try readText(path)
        if text.contains("PRIVATE KEY-----"), !text.contains("PUBLIC KEY-----") { return try loadPrivateKey(path: path).publicKey }
        if case .other(let name) = KeyAlgorithm.of(pem: text) {
            throw LedgerError(.publicKeyInvalid, "\(path) holds \(article(name)) \(name) key, not an Ed25519 key; csledger uses only Ed25519 keys")
        }
        do { return try SignerPublicKey(pem: text) } catch {
            throw LedgerError(.publicKeyInvalid, "\(path) is not an Ed25519 public key in PEM form")
        }
    }

    /// "an" before a name said with a vowel sound (an X25519, an RSA, an EC key), "a" otherwise.
    static func article(_ name: String) -> String {
        guard let first = name.uppercased().first else { return "a" }
        return "AEFHILMNORSUX8".contains(first) ? "an" : "a"
    }

    /// Writes `NAME.pem` (mode 0600) and `NAME.pub.pem` in `directory`; refuses to overwrite.
    /// Returns the two paths.
    @discardableResult
    public static func generate(name: String, directory: String, key: SignerKey = SignerKey()) throws -> (privatePath: String, publicPath: String) {
        guard !name.isEmpty, name.utf8.count <= 64,
              name.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x41...0x5a).contains($0) || (0x61...0x7a).contains($0) || $0 == 0x2d || $0 == 0x5f || $0 == 0x2e }),
              !name.hasPrefix(".") else {
            throw LedgerError(.invalidArgument, "key name \"\(name.prefix(40))\" may use only letters, digits, '.', '-' and '_'")
        }
        let dir = URL(fileURLWithPath: directory)
        do { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) } catch {
            throw LedgerError(.keyFileUnreadable, "cannot create the key folder \(directory)")
        }
        let priv = dir.appendingPathComponent("\(name).pem").path
        let pub = dir.appendingPathComponent("\(name).pub.pem").path
        for p in [priv, pub] where FileManager.default.fileExists(atPath: p) {
            throw LedgerError(.keyFileExists, "\(p) already exists; it was not overwritten")
        }
        try writeExclusive(path: priv, text: key.pem, mode: 0o600)
        try writeExclusive(path: pub, text: key.publicKey.pem, mode: 0o644)
        return (priv, pub)
    }

    static func readText(_ path: String) throws -> String {
        guard let data = try? InputFile.read(path, what: "key", maxBytes: 64 * 1024) else {
            throw LedgerError(.keyFileUnreadable, "cannot read \(path) (no permission?)")
        }
        guard data.count < 64 * 1024, let text = String(data: data, encoding: .utf8) else {
            throw LedgerError(.keyFileInvalid, "\(path) is not a PEM key file")
        }
        return text
    }

    /// Creates the file with O_EXCL and the given mode from the start (never briefly world-readable).
    static func writeExclusive(path: String, text: String, mode: mode_t) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode)
        guard fd >= 0 else { throw LedgerError(.keyFileExists, "cannot create \(path) (it exists or the folder is not writable)") }
        defer { close(fd) }
        _ = fchmod(fd, mode)
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(fd) == 0 else {
            unlink(path)
            throw LedgerError(.storage, "could not write \(path) completely")
        }
    }
}
