import Crypto
import Foundation
import Testing

@testable import LedgerCore

/// cosignature/v1 (c2sp.org/tlog-cosignature) against the spec's own description. The expected line was
/// made outside this code with openssl and coreutils (RFC 8032 §7.1 TEST 1 key, witness
/// "witness.example/w1", time 1679315147 — the time of the spec's own example line, whose base64 starts
/// with the same 8 bytes `AAAAAGQYUMs`):
///
///     key id = sha256("witness.example/w1" || 0x0A || 0x04 || public key)[:4]
///     sig    = openssl pkeyutl -sign -rawin over "cosignature/v1\ntime 1679315147\n" || checkpoint text
///     line   = "— witness.example/w1 " base64(key id || big-endian u64 time || sig)
@Suite struct CosignatureTests {
    static let seedHex = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
    static let publicHex = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    static let name = "witness.example/w1"
    static let time: UInt64 = 1_679_315_147
    static let text = "clinic.example.org/ledger\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n"
    static let expectedKeyIDHex = "eb762cc2"
    static let expectedLine = "\u{2014} witness.example/w1 63YswgAAAABkGFDLRZE+GYO/HQO1cdyvpwQ0KB9FqKE5f+TgDRsVRL22wlUfgNNIluaUhtlJhdVwtKxJ+qZRkF8PBIyvG8bOxWusDQ==\n"

    static var key: SignerKey { try! SignerKey(seed: Hex.decode(seedHex)!) }

    @Test func keyIDAndBytesByHandFromTheSpecText() throws {
        // Key id, by hand: SHA-256 over name, newline, the type byte 0x04, the 32 raw public key bytes.
        var idInput = Array(Self.name.utf8)
        idInput += [0x0A, 0x04]
        idInput += Hex.decode(Self.publicHex)!
        let id = Array(SHA256.hash(data: idInput)).prefix(4)
        #expect(Hex.encode(id) == Self.expectedKeyIDHex)
        // The signed message, by hand: two header lines, then the checkpoint text.
        let message = Array("cosignature/v1\ntime 1679315147\n".utf8) + Array(Self.text.utf8)
        let priv = try Curve25519.Signing.PrivateKey(rawRepresentation: Hex.decode(Self.seedHex)!)
        let sig = Array(try priv.signature(for: message))
        // The timestamp, big-endian, by hand.
        let timeBytes: [UInt8] = [0, 0, 0, 0, 0x64, 0x18, 0x50, 0xCB]
        let line = "\u{2014} " + Self.name + " " + Data(id + timeBytes + sig).base64EncodedString() + "\n"
        #expect(line == Self.expectedLine)

        // The implementation makes exactly those bytes.
        let made = try Cosignature.sign(checkpointText: Self.text, name: Self.name, key: Self.key, timestamp: Self.time)
        #expect(made.line == Self.expectedLine)
        #expect(Cosignature.keyID(name: Self.name, publicKey: Self.key.publicKey.raw) == Array(id))
    }

    @Test func verifiesAndRefuses() throws {
        let note = try SignedNote.parse(Self.text + "\n" + "\u{2014} clinic.example.org/ledger eZcEgtcSW/5QVwlDRF4yQOhe3/9StUGsCdF3t4Kj8N9SUASTxqHoensrca6pA515vmf7w4IjL6rDYHp1OXSBidhgaQ4=\n" + Self.expectedLine)
        let pub = Self.key.publicKey
        #expect(Cosignature.verify(note: note, name: Self.name, publicKey: pub) == Self.time)
        // Another name, another key: no cosignature of theirs.
        #expect(Cosignature.verify(note: note, name: "witness.example/w2", publicKey: pub) == nil)
        #expect(Cosignature.verify(note: note, name: Self.name, publicKey: SignerKey().publicKey) == nil)
        // The same line over another checkpoint text does not verify.
        let other = try SignedNote.parse("clinic.example.org/ledger\n9\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n\n" + Self.expectedLine)
        #expect(Cosignature.verify(note: other, name: Self.name, publicKey: pub) == nil)
        // A changed timestamp byte breaks it: the time is signed.
        var blob = Data(base64Encoded: String(Self.expectedLine.dropFirst(2 + Self.name.count + 1).dropLast()))!
        blob[11] ^= 1
        let forged = try SignedNote.parse(Self.text + "\n\u{2014} \(Self.name) \(blob.base64EncodedString())\n")
        #expect(Cosignature.verify(note: forged, name: Self.name, publicKey: pub) == nil)
        // The facility's 0x01 note key hash is not a cosignature key id.
        #expect(SignedNote.keyHash(name: Self.name, publicKey: pub.raw) != Cosignature.keyID(name: Self.name, publicKey: pub.raw))
        // Witness list: only those who cosigned.
        let w1 = try Cosignature.Witness(name: Self.name, publicKey: pub)
        let w2 = try Cosignature.Witness(name: "witness.example/w2", publicKey: SignerKey().publicKey)
        #expect(Cosignature.cosigners(of: note, among: [w1, w2]) == [Self.name])
    }
}
