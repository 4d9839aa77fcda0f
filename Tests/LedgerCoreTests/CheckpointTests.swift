import Crypto
import Foundation
import Testing

@testable import LedgerCore

/// Known answers. The checkpoint note below was produced outside this code
/// (Python `cryptography` Ed25519 and `hashlib`) for the RFC 8032 §7.1
/// TEST 1 key, so our key hash, note layout and signature are checked
/// against an independent implementation.
private enum Fixed {
    /// RFC 8032 §7.1 TEST 1 secret key and its public key.
    static let privateKeyHex = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
    static let publicKeyHex = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    static let origin = "clinic.example.org/ledger"
    /// The RFC 6962 eight-leaf test root.
    static let root = Hash(hex: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")!
    static let body = "clinic.example.org/ledger\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n"
    static let note = body + "\n"
        + "\u{2014} clinic.example.org/ledger eZcEgtcSW/5QVwlDRF4yQOhe3/9StUGsCdF3t4Kj8N9SUASTxqHoensrca6pA515vmf7w4IjL6rDYHp1OXSBidhgaQ4=\n"
    /// A cosignature-shaped line of a key we do not know (76 opaque bytes).
    static let cosignature = "\u{2014} witness.example/w1 CzBVep/E6Q4zWH2ix+wRNluApcrvFDleg6jN8hc8YYar0PUaP2SJrtP4HUJnjLHW+yBFao+02f4jSG2St9wBJktwlbrfBClOc5i94g==\n"

    static var privateKey: Curve25519.Signing.PrivateKey {
        try! Curve25519.Signing.PrivateKey(rawRepresentation: Hex.decode(privateKeyHex)!)
    }
}

/// golang.org/x/mod/sumdb/note's documented example (note.go and
/// note_test.go): the PeterNeumann key pair and its signed note.
private enum GoNote {
    static let verifierKey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
    static let signerKey = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
    static let text = "If you think cryptography is the answer to your problem,\n"
        + "then you don't know what your problem is.\n"
    static let note = text + "\n"
        + "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"

    /// The 32 bytes after the 0x01 algorithm byte of the last '+'-field.
    static func keyBytes(_ key: String) -> [UInt8] {
        let field = key.split(separator: "+", maxSplits: key.hasPrefix("PRIVATE") ? 4 : 2).last!
        let b = Base64.decode(field)!
        precondition(b.count == 33 && b[0] == 0x01)
        return Array(b.dropFirst())
    }
}

@Suite("C2SP checkpoints and signed notes")
struct CheckpointTests {
    @Test("the fixed key's checkpoint note, byte for byte")
    func exactBytes() throws {
        let key = Fixed.privateKey
        #expect(Hex.encode(key.publicKey.rawRepresentation) == Fixed.publicKeyHex)
        #expect(Hex.encode(SignedNote.keyHash(name: Fixed.origin, publicKey: Hex.decode(Fixed.publicKeyHex)!)) == "79970482")

        let checkpoint = try Checkpoint(origin: Fixed.origin, size: 8, rootHash: Fixed.root)
        #expect(checkpoint.body == Fixed.body)

        let signature = try SignedNote.sign(text: checkpoint.body, keyName: Fixed.origin, privateKey: key)
        #expect(Hex.encode(signature.keyHash) == "79970482")
        #expect(signature.signature.count == 64)
        let note = try SignedNote(text: checkpoint.body, signatures: [signature])
        #expect(note.verify(keyName: Fixed.origin, publicKey: key.publicKey))
        #if os(Linux)
            // swift-crypto's Ed25519 (BoringSSL) is RFC 8032 deterministic; Apple's
            // CryptoKit randomises signatures, so only the layout is comparable there.
            #expect(note.serialized == Fixed.note)
        #endif
        let bytes = Array(note.serialized.utf8)
        #expect(Array(bytes[Fixed.body.utf8.count...].prefix(5)) == [0x0A, 0xE2, 0x80, 0x94, 0x20])  // blank line, "— "
        #expect(bytes.last == 0x0A)
    }

    @Test("parse and serialize round trip")
    func roundTrip() throws {
        let note = try SignedNote.parse(Fixed.note)
        #expect(note.serialized == Fixed.note)
        #expect(note.text == Fixed.body)
        #expect(note.signatures.count == 1)
        #expect(note.signatures[0].keyName == Fixed.origin)
        #expect(note.signatures[0].line == String(Fixed.note.dropFirst(Fixed.body.count + 1)))
        #expect(note.verify(keyName: Fixed.origin, publicKey: Fixed.privateKey.publicKey))
        #expect(try SignedNote.parse(bytes: Array(Fixed.note.utf8)) == note)

        let checkpoint = try Checkpoint(body: note.text)
        #expect(checkpoint.origin == Fixed.origin)
        #expect(checkpoint.size == 8)
        #expect(checkpoint.rootHash == Fixed.root)
        #expect(checkpoint.extensions.isEmpty)
        #expect(checkpoint.body == note.text)
    }

    @Test("verification refuses other keys, names and texts")
    func verification() throws {
        let note = try SignedNote.parse(Fixed.note)
        let other = try Curve25519.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 7, count: 32))
        #expect(!note.verify(keyName: Fixed.origin, publicKey: other.publicKey))
        #expect(!note.verify(keyName: "clinic.example.org/other", publicKey: Fixed.privateKey.publicKey))

        let tampered = try SignedNote(text: Fixed.body.replacingOccurrences8("\n8\n", "\n9\n"), signatures: note.signatures)
        #expect(!tampered.verify(keyName: Fixed.origin, publicKey: Fixed.privateKey.publicKey))

        // A line with the right name and key hash but a bad signature spoils
        // the note even when a good one is present.
        var bad = note.signatures[0].signature
        bad[10] ^= 0x40
        let forged = try NoteSignature(keyName: Fixed.origin, keyHash: note.signatures[0].keyHash, signature: bad)
        let forgedNote = try note.adding(forged)
        #expect(!forgedNote.verify(keyName: Fixed.origin, publicKey: Fixed.privateKey.publicKey))
        // ... while a right name with another key hash is just an unknown key.
        let unknown = try NoteSignature(keyName: Fixed.origin, keyHash: [1, 2, 3, 4], signature: bad)
        #expect(try note.adding(unknown).verify(keyName: Fixed.origin, publicKey: Fixed.privateKey.publicKey))
    }

    @Test("a cosignature line is kept verbatim")
    func cosignature() throws {
        let text = Fixed.note + Fixed.cosignature
        let note = try SignedNote.parse(text)
        #expect(note.signatures.count == 2)
        #expect(note.signatures[1].keyName == "witness.example/w1")
        #expect(note.signatures[1].keyHash == [0x0B, 0x30, 0x55, 0x7A])
        #expect(note.signatures[1].signature.count == 72)
        #expect(note.serialized == text)
        #expect(note.signatures[1].line == Fixed.cosignature)
        #expect(note.verify(keyName: Fixed.origin, publicKey: Fixed.privateKey.publicKey))
        #expect(!note.verify(keyName: "witness.example/w1", publicKey: Fixed.privateKey.publicKey))

        // Cosignatures before the log's own line are fine too.
        let reordered = Fixed.body + "\n" + Fixed.cosignature + String(Fixed.note.dropFirst(Fixed.body.count + 1))
        let r = try SignedNote.parse(reordered)
        #expect(r.serialized == reordered)
        #expect(r.verify(keyName: Fixed.origin, publicKey: Fixed.privateKey.publicKey))
    }

    @Test("golang.org/x/mod/sumdb/note's PeterNeumann example")
    func goVector() throws {
        let publicKey = try Curve25519.Signing.PublicKey(rawRepresentation: GoNote.keyBytes(GoNote.verifierKey))
        let privateKey = try Curve25519.Signing.PrivateKey(rawRepresentation: GoNote.keyBytes(GoNote.signerKey))
        #expect(privateKey.publicKey.rawRepresentation == publicKey.rawRepresentation)
        #expect(Hex.encode(SignedNote.keyHash(name: "PeterNeumann", publicKey: Array(publicKey.rawRepresentation))) == "c74f20a3")
        #expect(try SignedNote.verifierKey(name: "PeterNeumann", publicKey: publicKey) == GoNote.verifierKey)

        let note = try SignedNote.parse(GoNote.note)
        #expect(note.text == GoNote.text)
        #expect(note.serialized == GoNote.note)
        #expect(note.verify(keyName: "PeterNeumann", publicKey: publicKey))
        #expect(!note.verify(keyName: "EnochRoot", publicKey: publicKey))

        let tampered = try SignedNote.parse(GoNote.note.replacingOccurrences8("cryptography", "cryptographY"))
        #expect(!tampered.verify(keyName: "PeterNeumann", publicKey: publicKey))

        let signature = try SignedNote.sign(text: GoNote.text, keyName: "PeterNeumann", privateKey: privateKey)
        let ours = try SignedNote(text: GoNote.text, signatures: [signature])
        #expect(ours.verify(keyName: "PeterNeumann", publicKey: publicKey))
        #if os(Linux)
            #expect(ours.serialized == GoNote.note)
        #endif
    }

    @Test("malformed notes are refused", arguments: [
        (Fixed.note.dropLastString(), NoteError.Code.missingFinalNewline),
        (Fixed.body + "\u{2014} k AAAAAAA=\n", .missingSignatureSeparator),
        (Fixed.body + "\n", .noSignatures),
        (Fixed.note + "\n", .noSignatures),
        (Fixed.body + "\n-- k AAAAAAA=\n", .malformedSignatureLine),
        (Fixed.body + "\n\u{2014}k AAAAAAA=\n", .malformedSignatureLine),
        (Fixed.body + "\n\u{2014} kAAAAAAA=\n", .malformedSignatureLine),
        (Fixed.body + "\n\u{2014}  AAAAAAA=\n", .invalidKeyName),
        (Fixed.body + "\n\u{2014} a+b AAAAAAA=\n", .invalidKeyName),
        (Fixed.body + "\n\u{2014} a\u{00A0}b AAAAAAA=\n", .invalidKeyName),
        (Fixed.body + "\n\u{2014} k AAAAAAA\n", .malformedSignature),
        (Fixed.body + "\n\u{2014} k AAAAAAB=\n", .malformedSignature),
        (Fixed.body + "\n\u{2014} k AAAAAA==\n", .malformedSignature),
        (Fixed.body + "\n\u{2014} k AAAAAAA= \n", .malformedSignature),
        (Fixed.body + "\n\u{2014} k AAAA AAA=\n", .malformedSignature),
        (Fixed.body + "\n\u{2014} k \n", .malformedSignature),
        (Fixed.note + "\u{2014} k AAAAAAA=\n\n", .noSignatures),
        ("a\tb\n" + "\n\u{2014} k AAAAAAA=\n", .controlCharacter),
        ("a\r\n" + "\n\u{2014} k AAAAAAA=\n", .controlCharacter),
        ("", .missingFinalNewline),
        ("\n", .missingSignatureSeparator),
    ])
    func malformed(note: String, code: NoteError.Code) {
        #expect(throws: NoteError(code)) { try SignedNote.parse(note) }
    }

    @Test("signature line count limit")
    func signatureLimit() throws {
        let line = "\u{2014} k AAAAAAA=\n"
        let hundred = Fixed.body + "\n" + String(repeating: line, count: 100)
        #expect(try SignedNote.parse(hundred).signatures.count == 100)
        #expect(throws: NoteError(.tooManySignatures)) {
            try SignedNote.parse(hundred + line)
        }
        let sig = try NoteSignature(keyName: "k", keyHash: [0, 0, 0, 0], signature: [0])
        #expect(throws: NoteError(.tooManySignatures)) {
            try SignedNote(text: Fixed.body, signatures: Array(repeating: sig, count: 101))
        }
    }

    @Test("invalid UTF-8 is refused")
    func invalidUTF8() {
        var bytes = Array(Fixed.note.utf8)
        bytes[3] = 0xFF
        #expect(throws: NoteError(.invalidUTF8)) { try SignedNote.parse(bytes: bytes) }
    }

    @Test("a note text may hold empty lines; the last blank line separates")
    func emptyLinesInText() throws {
        let text = "first\n\nthird\n"
        let sig = try SignedNote.sign(text: text, keyName: "example.com/k", privateKey: Fixed.privateKey)
        let note = try SignedNote(text: text, signatures: [sig])
        let parsed = try SignedNote.parse(note.serialized)
        #expect(parsed == note)
        #expect(parsed.verify(keyName: "example.com/k", publicKey: Fixed.privateKey.publicKey))
    }

    @Test("key names and texts are validated when signing")
    func signingValidation() {
        let key = Fixed.privateKey
        for name in ["", "a b", "a+b", "a\nb", "a\tb", "a\u{1F}b", "a\u{7F}b", "a\u{2003}b", "a\u{0085}b", "a\u{00A0}b"] {
            #expect(throws: NoteError(.invalidKeyName), "\(name.debugDescription)") {
                try SignedNote.sign(text: Fixed.body, keyName: name, privateKey: key)
            }
        }
        for name in ["pharmacy.example/ledger-1", "a!b~c_d=e", "caf\u{E9}.example/ledger"] {
            #expect(throws: Never.self, "\(name.debugDescription)") { try SignedNote.sign(text: Fixed.body, keyName: name, privateKey: key) }
        }
        #expect(throws: NoteError(.invalidText)) { try SignedNote.sign(text: "no newline", keyName: "k", privateKey: key) }
        #expect(throws: NoteError(.invalidText)) { try SignedNote.sign(text: "", keyName: "k", privateKey: key) }
        #expect(throws: NoteError(.controlCharacter)) { try SignedNote.sign(text: "a\u{1B}b\n", keyName: "k", privateKey: key) }
        #expect(throws: NoteError(.invalidKeyHash)) { try NoteSignature(keyName: "k", keyHash: [1, 2, 3], signature: [1]) }
        #expect(throws: NoteError(.malformedSignature)) { try NoteSignature(keyName: "k", keyHash: [1, 2, 3, 4], signature: []) }
        #expect(throws: NoteError(.noSignatures)) { try SignedNote(text: Fixed.body, signatures: []) }
        #expect(throws: NoteError(.invalidText)) { try SignedNote(text: "x", signatures: []) }
    }

    @Test("checkpoint bodies: strict parse", arguments: [
        ("o\n08\n" + Fixed.root.base64 + "\n", NoteError.Code.malformedTreeSize),
        ("o\n+8\n" + Fixed.root.base64 + "\n", .malformedTreeSize),
        ("o\n-1\n" + Fixed.root.base64 + "\n", .malformedTreeSize),
        ("o\n 8\n" + Fixed.root.base64 + "\n", .malformedTreeSize),
        ("o\n8 \n" + Fixed.root.base64 + "\n", .malformedTreeSize),
        ("o\n\n" + Fixed.root.base64 + "\n", .malformedTreeSize),
        ("o\n0x8\n" + Fixed.root.base64 + "\n", .malformedTreeSize),
        ("o\n١\n" + Fixed.root.base64 + "\n", .malformedTreeSize),
        ("o\n99999999999999999999\n" + Fixed.root.base64 + "\n", .malformedTreeSize),
        ("o\n9223372036854775808\n" + Fixed.root.base64 + "\n", .malformedTreeSize),
        ("o\n8\n" + Base64.encode([UInt8](repeating: 1, count: 31)) + "\n", .malformedRootHash),
        ("o\n8\n" + Base64.encode([UInt8](repeating: 1, count: 33)) + "\n", .malformedRootHash),
        ("o\n8\n" + Fixed.root.hex + "\n", .malformedRootHash),
        ("o\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyh=\n", .malformedRootHash),
        ("o\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg\n", .malformedRootHash),
        ("o\n8\n" + Fixed.root.base64, .missingFinalNewline),
        ("o\n8\n", .checkpointTooShort),
        ("\n8\n" + Fixed.root.base64 + "\n", .emptyOrigin),
        ("o\n8\n" + Fixed.root.base64 + "\n\next\n", .emptyExtensionLine),
        ("o\r\n8\n" + Fixed.root.base64 + "\n", .controlCharacter),
    ])
    func malformedCheckpoint(body: String, code: NoteError.Code) {
        #expect(throws: NoteError(code)) { try Checkpoint(body: body) }
    }

    @Test("checkpoint sizes and extension lines")
    func checkpointFields() throws {
        let zero = try Checkpoint(body: "o\n0\n" + MerkleTree.emptyRoot.base64 + "\n")
        #expect(zero.size == 0)
        let max = try Checkpoint(body: "o\n9223372036854775807\n" + Fixed.root.base64 + "\n")
        #expect(max.size == Int.max)
        let body = "origin with spaces\n12\n" + Fixed.root.base64 + "\nextension one\n— two\n"
        let c = try Checkpoint(body: body)
        #expect(c.origin == "origin with spaces")
        #expect(c.extensions == ["extension one", "— two"])
        #expect(c.body == body)
        #expect(try Checkpoint(origin: c.origin, size: 12, rootHash: Fixed.root, extensions: c.extensions) == c)

        #expect(throws: NoteError(.emptyOrigin)) { try Checkpoint(origin: "", size: 1, rootHash: Fixed.root) }
        #expect(throws: NoteError.self) { try Checkpoint(origin: "a\nb", size: 1, rootHash: Fixed.root) }
        #expect(throws: NoteError(.malformedTreeSize)) { try Checkpoint(origin: "o", size: -1, rootHash: Fixed.root) }
        #expect(throws: NoteError(.emptyExtensionLine)) { try Checkpoint(origin: "o", size: 1, rootHash: Fixed.root, extensions: [""]) }
        #expect(throws: NoteError.self) { try Checkpoint(origin: "o", size: 1, rootHash: Fixed.root, extensions: ["a\nb"]) }
        #expect(NoteError(.malformedTreeSize).description == "the checkpoint's tree size is not a decimal number without leading zeros")
    }
}

@Suite("C2SP tlog-proof@v1")
struct TlogProofTests {
    /// Leaf 5 of the RFC 6962 eight-leaf test tree and its published path.
    static let leaf = MerkleTree.leafHash(Hex.decode("40414243")!)
    static let path = [
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ].map { Hash(hex: $0)! }
    static let text = "c2sp.org/tlog-proof@v1\n"
        + "index 5\n"
        + "vBoGQ7EuTS18d5GPROD095qDi2z57FtcKD4fTYhZnms=\n"
        + "yoVOoSjtBQtBs1/8G4e46yveRh6eO1WW7Oa51ZdaCuA=\n"
        + "037kGJdt2VdTwcc4Yrk5j6Kiz5tP8P3+izDNlSCWFLc=\n"
        + "\n"
        + Fixed.note + Fixed.cosignature

    @Test("serialize, parse, verify")
    func roundTrip() throws {
        let note = try SignedNote.parse(Fixed.note + Fixed.cosignature)
        let proof = try TlogProof(index: 5, path: Self.path, checkpoint: note)
        #expect(proof.serialized == Self.text)
        let parsed = try TlogProof.parse(Self.text)
        #expect(parsed == proof)
        #expect(parsed.extra == nil)
        #expect(parsed.tree.size == 8)
        #expect(parsed.tree.rootHash == Fixed.root)
        #expect(parsed.verifyInclusion(leaf: Self.leaf))
        #expect(!parsed.verifyInclusion(leaf: MerkleTree.leafHash([0x00])))
        #expect(parsed.checkpoint.verify(keyName: Fixed.origin, publicKey: Fixed.privateKey.publicKey))
        #expect(parsed.checkpoint.serialized == Fixed.note + Fixed.cosignature)
    }

    @Test("the optional extra line")
    func extra() throws {
        let withExtra = Self.text.replacingOccurrences8("index 5\n", "extra YXBwbGljYXRpb24gZGF0YQ==\nindex 5\n")
        let parsed = try TlogProof.parse(withExtra)
        #expect(parsed.extra == Array("application data".utf8))
        #expect(parsed.serialized == withExtra)
        #expect(parsed.verifyInclusion(leaf: Self.leaf))
        let empty = try TlogProof.parse(Self.text.replacingOccurrences8("index 5\n", "extra \nindex 5\n"))
        #expect(empty.extra == [])
        #expect(throws: NoteError(.malformedExtraData)) {
            try TlogProof.parse(Self.text.replacingOccurrences8("index 5\n", "extra !!\nindex 5\n"))
        }
    }

    @Test("a one-leaf tree's proof has no hash lines")
    func emptyPath() throws {
        let body = try Checkpoint(origin: Fixed.origin, size: 1, rootHash: Self.leaf).body
        let sig = try SignedNote.sign(text: body, keyName: Fixed.origin, privateKey: Fixed.privateKey)
        let proof = try TlogProof(index: 0, path: [], checkpoint: try SignedNote(text: body, signatures: [sig]))
        #expect(proof.serialized.hasPrefix("c2sp.org/tlog-proof@v1\nindex 0\n\n" + body + "\n\u{2014} "))
        let parsed = try TlogProof.parse(proof.serialized)
        #expect(parsed == proof)
        #expect(parsed.verifyInclusion(leaf: Self.leaf))
    }

    @Test("malformed proofs are refused", arguments: [
        (TlogProofTests.text.replacingOccurrences8("@v1", "@v2"), NoteError.Code.missingProofHeader),
        ("c2sp.org/tlog-proof@v1", .missingProofHeader),
        ("c2sp.org/tlog-proof@v1\n", .malformedIndex),
        (TlogProofTests.text.replacingOccurrences8("index 5", "index 05"), .malformedIndex),
        (TlogProofTests.text.replacingOccurrences8("index 5", "index -5"), .malformedIndex),
        (TlogProofTests.text.replacingOccurrences8("index 5", "index  5"), .malformedIndex),
        (TlogProofTests.text.replacingOccurrences8("index 5", "Index 5"), .malformedIndex),
        (TlogProofTests.text.replacingOccurrences8("index 5\n", ""), .malformedIndex),
        (TlogProofTests.text.replacingOccurrences8("yoVOoSjtBQtBs1/8G4e46yveRh6eO1WW7Oa51ZdaCuA=", "yoVOoSjtBQtBs1/8G4e46yveRh6eO1WW7Oa51Zda"), .malformedProofHash),
        (TlogProofTests.text.replacingOccurrences8("\n\nclinic", "\nclinic"), .malformedProofHash),
        ("c2sp.org/tlog-proof@v1\nindex 5\nvBoGQ7EuTS18d5GPROD095qDi2z57FtcKD4fTYhZnms=\n", .missingCheckpoint),
        (TlogProofTests.text.replacingOccurrences8("\n8\n", "\n08\n"), .malformedTreeSize),
        (TlogProofTests.text + "\n", .noSignatures),
    ])
    func malformed(text: String, code: NoteError.Code) {
        #expect(throws: NoteError(code)) { try TlogProof.parse(text) }
    }

    @Test("too many hash lines")
    func tooLong() {
        let line = Fixed.root.base64 + "\n"
        let text = "c2sp.org/tlog-proof@v1\nindex 5\n" + String(repeating: line, count: 64) + "\n" + Fixed.note
        #expect(throws: NoteError(.proofTooLong)) { try TlogProof.parse(text) }
        #expect(throws: NoteError(.proofTooLong)) {
            try TlogProof(index: 0, path: Array(repeating: Fixed.root, count: 64), checkpoint: try SignedNote.parse(Fixed.note))
        }
    }
}

extension String {
    /// Plain substring replacement without Foundation.
    fileprivate func replacingOccurrences8(_ target: String, _ replacement: String) -> String {
        var out = ""
        var rest = Substring(self)
        while let r = rest.range(of8: target) {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }

    fileprivate func dropLastString() -> String { String(dropLast()) }
}

extension Substring {
    fileprivate func range(of8 target: String) -> Range<Index>? {
        var i = startIndex
        while i < endIndex {
            if self[i...].hasPrefix(target) { return i..<index(i, offsetBy: target.count) }
            i = index(after: i)
        }
        return nil
    }
}
