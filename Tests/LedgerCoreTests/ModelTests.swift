import Testing
@testable import LedgerCore

@Suite("Timestamps, statements and entries")
struct ModelTests {
    @Test("timestamps: RFC 3339 UTC, milliseconds, round trip", arguments: [
        ("2026-11-23T14:05:09.120Z", "2026-11-23T14:05:09.120Z"),
        ("2026-11-23T14:05:09Z", "2026-11-23T14:05:09.000Z"),
        ("2024-02-29T23:59:59.999999Z", "2024-02-29T23:59:59.999Z"),
        ("1970-01-01T00:00:00.000Z", "1970-01-01T00:00:00.000Z"),
        ("1969-12-31T23:59:59.500Z", "1969-12-31T23:59:59.500Z"),
    ])
    func timestamps(input: String, canonical: String) throws {
        let t = try #require(Timestamp(input))
        #expect(t.description == canonical)
        #expect(Timestamp(canonical) == t)
    }

    @Test("timestamps: every millisecond pattern formats as 24 characters and reads back the same, years 0000 to 9999")
    func timestampRoundTrip() throws {
        var g = SystemRandomNumberGenerator()
        let lowest: Int64 = -62_167_219_200_000       // 0000-01-01T00:00:00.000Z
        let highest: Int64 = 253_402_300_799_999      // 9999-12-31T23:59:59.999Z
        for ms in [lowest, highest, 0, -1, 86_399_999, 951_782_400_000] + (0..<2_000).map({ _ in Int64.random(in: lowest...highest, using: &g) }) {
            let text = Timestamp(millisecondsSinceEpoch: ms).description
            #expect(text.utf8.count == 24, "\(ms): \(text)")
            #expect(Timestamp(text)?.millisecondsSinceEpoch == ms, "\(ms): \(text)")
        }
        #expect(Timestamp(millisecondsSinceEpoch: lowest).description == "0000-01-01T00:00:00.000Z")
        #expect(Timestamp(millisecondsSinceEpoch: highest).description == "9999-12-31T23:59:59.999Z")
    }

    @Test("timestamps that are not RFC 3339 UTC are refused", arguments: [
        "2026-11-23 14:05:09Z", "2026-11-23T14:05:09+01:00", "2026-02-30T00:00:00Z", "2026-11-23T24:00:00Z",
        "2026-11-23T14:05:09.Z", "2026-11-23", "", "2025-02-29T00:00:00Z",
    ])
    func badTimestamps(input: String) {
        #expect(Timestamp(input) == nil)
    }

    @Test("a plain date is accepted only where dates are asked for")
    func dates() throws {
        let t = try #require(Timestamp("2026-11-23", allowDate: true))
        #expect(t.description == "2026-11-23T00:00:00.000Z")
        #expect(t.dateString == "2026-11-23")
    }

    @Test("a statement's signing input is its canonical JSON; witnesses are left out when empty")
    func statementJSON() throws {
        let actor = SignerKey(), witness = SignerKey()
        let t = try #require(Timestamp("2026-11-23T14:05:09.120Z"))
        let s = try Statement(type: "waste.recorded", time: t, actor: actor.keyID, body: ["quantity": "2.5"])
        let text = String(decoding: s.signingInput, as: UTF8.self)
        #expect(text == #"{"actor":"\#(actor.keyID.hex)","body":{"quantity":"2.5"},"time":"2026-11-23T14:05:09.120Z","type":"waste.recorded","v":1}"#)
        let w = try Statement(type: "waste.recorded", time: t, actor: actor.keyID, witnesses: [witness.keyID], body: [:])
        #expect(String(decoding: w.signingInput, as: UTF8.self).contains(#""witnesses":["\#(witness.keyID.hex)"]"#))
        #expect(try Statement(json: w.json) == w)
        #expect(throws: LedgerError(.witnessIsActor, "")) {
            try Statement(type: "waste.recorded", time: t, actor: actor.keyID, witnesses: [actor.keyID], body: [:])
        }
    }

    @Test("an entry decodes only from its exact canonical bytes")
    func entryCanonical() throws {
        let key = SignerKey()
        let t = try #require(Timestamp("2026-11-23T14:05:09.120Z"))
        let s = try Statement(type: "test.note", time: t, actor: key.keyID, body: ["text": "hello"])
        let e = Entry(seq: 3, prev: Hash.sha256([1, 2, 3]), logged: t, signed: try SignedStatement(statement: s, actorKey: key))
        let bytes = e.canonicalBytes
        #expect(try Entry.decode(canonicalBytes: bytes) == e)
        var spaced = Array(String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: ",", with: ", ").utf8)
        #expect(throws: LedgerError.self) { try Entry.decode(canonicalBytes: spaced) }
        spaced = bytes
        spaced.insert(0x20, at: 1)
        #expect(throws: LedgerError.self) { try Entry.decode(canonicalBytes: spaced) }
        // The signature covers the statement: it verifies, and fails on any other statement.
        let pk = key.publicKey
        #expect(e.signed.signatureProblems(publicKey: { $0 == pk.keyID ? pk : nil }).isEmpty)
        let other = try Statement(type: "test.note", time: t, actor: key.keyID, body: ["text": "hellp"])
        let forged = SignedStatement(statement: other, signatures: e.signatures)
        #expect(forged.signatureProblems(publicKey: { $0 == pk.keyID ? pk : nil }).count == 1)
    }

    @Test("an entry's bytes built around its statement's signing input are its canonical bytes")
    func entrySplicedBytes() throws {
        let actor = SignerKey(), witness = SignerKey()
        let t = try #require(Timestamp("2026-11-23T14:05:09.120Z"))
        for (seq, witnesses) in [(0, [KeyID]()), (41, [witness.keyID]), (1_000_000, [])] {
            let s = try Statement(type: "dose.administered", time: t, actor: actor.keyID, witnesses: witnesses,
                                  body: ["given": "0.5", "note": "é \u{1F600} \"quoted\"", "n": 12, "nested": ["b": [1, "x"], "a": .null]])
            let signed = try SignedStatement(statement: s, actorKey: actor, witnessKeys: witnesses.isEmpty ? [] : [witness])
            let e = Entry(seq: seq, prev: Hash.sha256([UInt8(seq & 0xff)]), logged: t, signed: signed)
            #expect(e.canonicalBytes(statementBytes: s.signingInput) == e.canonicalBytes)
        }
    }

    @Test("key ids are SHA-256 of the raw public key")
    func keyIDs() throws {
        let key = try SignerKey(seed: [UInt8](repeating: 7, count: 32))
        #expect(key.keyID.hex == Hash.sha256(key.publicKey.raw).hex)
        #expect(!key.description.contains(Hex.encode(key.curve25519.rawRepresentation)))
        #expect(KeyID("ABC") == nil)
        #expect(KeyID(String(repeating: "A", count: 64)) == nil)
    }
}
