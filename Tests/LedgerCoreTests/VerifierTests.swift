import Foundation
import Testing
@testable import LedgerCore

/// The verifier's fast paths (entries read in place, headers, batches) find exactly what the full reading finds.
@Suite("Ledger verifier")
struct VerifierTests {
    /// A small ledger built in memory: genesis, two enrolments, then `notes` notes by the clinician,
    /// every third one witnessed.
    struct Fixture {
        let facility = SignerKey(), clinician = SignerKey(), witness = SignerKey()
        var entries: [Entry] = []
        var rows: [LedgerVerifier.Row] = []

        init(notes: Int) throws {
            let t0 = try #require(Timestamp("2026-11-23T14:05:09.120Z"))
            try add(Statement(type: CoreStatementType.ledgerCreated, time: t0, actor: facility.keyID,
                              body: ["origin": "test.example.org/ledger", "public_key": .string(facility.publicKey.base64)]), by: facility)
            for (key, role) in [(clinician, "clinician"), (witness, "witness")] {
                try add(Statement(type: CoreStatementType.actorEnrolled, time: t0, actor: facility.keyID,
                                  body: ["name": .string(role), "role": .string(role), "public_key": .string(key.publicKey.base64)]), by: facility)
            }
            for n in 0..<notes {
                let witnessed = n % 3 == 0
                try add(Statement(type: "test.note", time: t0.adding(milliseconds: Int64(n)), actor: clinician.keyID,
                                  witnesses: witnessed ? [witness.keyID] : [],
                                  body: ["text": .string("note \(n)"), "n": .number(Double(n)), "nested": ["a": [1, "x\n"]]]),
                        by: clinician, witnesses: witnessed ? [witness] : [])
            }
        }

        mutating func add(_ statement: Statement, by actor: SignerKey, witnesses: [SignerKey] = []) throws {
            let seq = entries.count
            let prev = rows.last.map { MerkleTree.leafHash($0.bytes) } ?? .zero
            let logged = try #require(Timestamp("2026-11-24T00:00:00.000Z")).adding(milliseconds: Int64(seq))
            let entry = Entry(seq: seq, prev: prev, logged: logged,
                              signed: try SignedStatement(statement: statement, actorKey: actor, witnessKeys: witnesses))
            entries.append(entry)
            let bytes = entry.canonicalBytes
            rows.append(LedgerVerifier.Row(seq: seq, bytes: bytes, storedLeafHash: MerkleTree.leafHash(bytes)))
        }

        /// Replaces row `seq`'s bytes (keeping the stored hash of the old ones).
        mutating func replace(_ seq: Int, with text: String) {
            rows[seq] = LedgerVerifier.Row(seq: seq, bytes: Array(text.utf8), storedLeafHash: rows[seq].storedLeafHash)
        }

        func text(_ seq: Int) -> String { String(decoding: rows[seq].bytes, as: UTF8.self) }

        func verify(signatures: Bool = true, batch: Int = 1_000) -> VerificationReport {
            var options = LedgerVerifier.Options()
            options.checkSignatures = signatures
            // These rows come without checkpoints: the chain and signatures are under test here; coverage
            // by signed checkpoints is tested on real ledger files (KeylessAttackerTests, TamperTests).
            options.requireCoverage = false
            var verifier = LedgerVerifier(options: options)
            for start in stride(from: 0, to: rows.count, by: batch) {
                verifier.consume(Array(rows[start..<min(start + batch, rows.count)]))
            }
            return verifier.finish()
        }
    }

    @Test("a clean ledger verifies, whatever the batch size, with and without signatures")
    func clean() throws {
        let f = try Fixture(notes: 200)
        let whole = f.verify()
        #expect(whole.isClean, "\(whole.failures)")
        #expect(whole.entries == 203)
        #expect(whole.signaturesChecked == 3 + 200 + 67)
        #expect(whole.rootHash == MerkleTree.root(leaves: f.rows.map { MerkleTree.leafHash($0.bytes) }))
        for batch in [1, 7, 64] {
            let r = f.verify(batch: batch)
            #expect(r.isClean && r.rootHash == whole.rootHash && r.signaturesChecked == whole.signaturesChecked)
        }
        let chain = f.verify(signatures: false, batch: 50)
        #expect(chain.isClean && chain.rootHash == whole.rootHash && chain.signaturesChecked == 0)
    }

    @Test("the in-place reading of an ordinary entry gives the fields the full reading gives")
    func fieldsAgree() throws {
        let f = try Fixture(notes: 30)
        for (entry, row) in zip(f.entries, f.rows) {
            let fields = row.bytes.withUnsafeBytes { SignedEntryFields(canonical: $0) }
            if entry.seq < 3 {
                // Genesis and enrolments change the signers: always read in full.
                #expect(fields == nil)
                continue
            }
            let fast = try #require(fields)
            #expect(fast.header == EntryHeader(logged: entry.logged, prev: entry.prev, seq: entry.seq))
            #expect(fast.type == entry.statement.type)
            #expect(fast.signers == entry.statement.signers)
            #expect(fast.signatures.map { EntrySignature(key: $0.key, signature: $0.signature.bytes) } == entry.signatures)
            #expect(Array(row.bytes[fast.statement]) == entry.statement.signingInput)
        }
    }

    @Test("the in-place reading declines whatever the full reading must judge", arguments: [
        // Text found in entry 3 (the first note, witnessed) and what it becomes.
        (#""type":"test.note""#, #""type":"Test.note""#),                     // not a valid type
        (#""v":1"#, #""v":2"#),                                                 // wrong version
        (#""text":"note 0""#, #""text":"note é""#),                             // non-ASCII (names compared by Unicode equivalence)
        (#","witnesses":["#, #","witnesses":[],"x":["#),                        // an unknown member, an empty list
        (#""body":{"#, #""body":[],"b":{"#),                                    // body not an object
        (#""sigs":[{"key":""#, #""sigs":[{"key":"A"#),                          // a key id with uppercase hex
    ])
    func fieldsDecline(find: String, replacement: String) throws {
        var f = try Fixture(notes: 3)
        let text = f.text(3)
        #expect(text.contains(find))
        f.replace(3, with: text.replacingOccurrences(of: find, with: replacement))
        #expect(f.rows[3].bytes.withUnsafeBytes { SignedEntryFields(canonical: $0) } == nil)
    }

    @Test("a witness who is also the actor is declined, and reported as the full reading reports it")
    func witnessIsActor() throws {
        var f = try Fixture(notes: 3)
        let text = f.text(3)
        f.replace(3, with: text.replacingOccurrences(of: #""witnesses":["\#(f.witness.keyID.hex)"]"#,
                                                     with: #""witnesses":["\#(f.clinician.keyID.hex)"]"#))
        #expect(f.rows[3].bytes.withUnsafeBytes { SignedEntryFields(canonical: $0) } == nil)
        let r = f.verify()
        #expect(r.failures.contains { $0.seq == 3 && $0.code == .malformedEntry })
        #expect(r.failures.contains { $0.seq == 4 && $0.code == .prevMismatch })
    }

    @Test("a changed body byte: signature at its seq, chain at the next, with or without the fast paths")
    func bodyChanged() throws {
        var f = try Fixture(notes: 10)
        // Entry 7 is note 4, signed by the clinician alone.
        f.replace(7, with: f.text(7).replacingOccurrences(of: "note 4", with: "note 5"))
        func found(_ r: VerificationReport) -> [String] { r.failures.map { "\($0.seq ?? -1) \($0.code.rawValue)" }.sorted() }
        for batch in [1, 4, 100] {
            #expect(found(f.verify(batch: batch)) == ["7 signature-invalid", "7 stored-hash-mismatch", "8 prev-mismatch"])
            #expect(found(f.verify(signatures: false, batch: batch)) == ["7 stored-hash-mismatch", "8 prev-mismatch"])
        }
    }

    @Test("an ordinary entry stored at seq 0 is judged as the genesis entry")
    func ordinaryAtGenesis() throws {
        var f = try Fixture(notes: 2)
        f.rows[0] = LedgerVerifier.Row(seq: 0, bytes: f.rows[3].bytes, storedLeafHash: nil)
        let r = f.verify()
        #expect(r.failures.contains { $0.seq == 0 && $0.code == .notAllowed })
        #expect(r.failures.contains { $0.seq == 0 && $0.code == .seqMismatch })
    }

    @Test("hashes: inline bytes, byte-wise order, equality")
    func hashes() throws {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let a = (0..<32).map { _ in UInt8.random(in: 0...3, using: &rng) }, b = (0..<32).map { _ in UInt8.random(in: 0...3, using: &rng) }
            let ha = try #require(Hash(bytes: a)), hb = try #require(Hash(bytes: b))
            #expect(ha.bytes == a)
            #expect((ha < hb) == a.lexicographicallyPrecedes(b))
            #expect((ha == hb) == (a == b))
            #expect(Hash(hex: ha.hex) == ha)
        }
        #expect(Hash(bytes: [UInt8](repeating: 1, count: 31)) == nil)
        #expect(Hash.zero.bytes == [UInt8](repeating: 0, count: 32))
    }

    @Test("eight hex digits at a time")
    func hexWords() {
        // The first digit in the lowest byte, as the header reads them.
        func word(_ s: String) -> UInt64 { UInt64(littleEndian: Array(s.utf8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }) }
        #expect(EntryHeader.hexWord(word("0123abcd")) == 0xcdab_2301)
        #expect(EntryHeader.hexWord(word("f09a8b7c")) == 0x7c8b_9af0)
        for bad in ["0123abcD", "0123abcg", "/0123abc", ":0123abc", "`0123abc", "0123 abc"] {
            #expect(EntryHeader.hexWord(word(bad)) == nil, "\(bad)")
        }
    }

    /// The readers hand out a key id read before for the same 64 characters: ids that begin alike (the first
    /// 8 characters are compared first) but differ after are each read as written, again and again.
    @Test func keyIDsReadBeforeAreTheSameCharacters() {
        let a = String(repeating: "0123456789abcdef", count: 4)
        let b = String(a.dropLast()) + "0", c = "0123456789abcdef" + String(repeating: "f", count: 48)
        var ids = SignedEntryFields.KeyIDs()
        for _ in 0..<3 {
            for text in [a, b, c] {
                let id = Array(text.utf8).withUnsafeBytes { ids.id($0) }
                #expect(id.hex == text)
            }
        }
    }

    /// Statement types and origins are handed out again like key ids: the same characters give the string read
    /// before, texts that begin and end alike but differ inside are each read as written, and a text accepted as
    /// one kind is judged afresh as the other (an origin is no valid type).
    @Test func typesAndOriginsReadBeforeAreTheSameCharacters() {
        var ids = SignedEntryFields.KeyIDs()
        func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }
        for _ in 0..<3 {
            #expect(bytes("test.example.org/ledger").withUnsafeBytes { ids.origin($0) } == "test.example.org/ledger")
            #expect(bytes("test.example.org/ledger").withUnsafeBytes { ids.type($0) } == nil)
            for type in ["dose.aaaa.administered", "dose.aaab.administered", "a.b", "test.note"] {
                #expect(bytes(type).withUnsafeBytes { ids.type($0) } == type)
            }
            // Not a valid type, or one the enrolment state reads: the full reading judges those entries.
            for refused in ["Test.note", "test..note", CoreStatementType.actorEnrolled, CoreStatementType.ledgerCreated] {
                #expect(bytes(refused).withUnsafeBytes { ids.type($0) } == nil)
            }
            #expect(bytes("not an origin").withUnsafeBytes { ids.origin($0) } == nil)
        }
    }

    /// A signature read in place decodes exactly what strict base64 gives for 64 bytes, and nothing else: every
    /// one-character change of a valid text (padding in the wrong place, bits set after the last byte, a character
    /// outside the alphabet) is judged as Foundation judges it (decodes, and encodes back to the same text: an
    /// oracle written apart from ours, which `Base64.decode` and the in-place reader share), and as `Base64.decode`.
    @Test func signaturesInPlaceDecodeAsBase64() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<20 {
            let raw = (0..<64).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let text = Array(Base64.encode(raw).utf8)
            #expect(text.withUnsafeBytes { Signature64(base64: $0) }?.bytes == raw)
            for position in [0, 1, 40, 84, 85, 86, 87] {
                for c in Array("A=/+-_gQ\"".utf8) {
                    var changed = text
                    changed[position] = c
                    let string = String(decoding: changed, as: UTF8.self)
                    let strict = Data(base64Encoded: string).flatMap { $0.base64EncodedString() == string ? [UInt8]($0) : nil }
                    let expected = strict.flatMap { $0.count == 64 ? $0 : nil }
                    #expect(Base64.decode(string) == strict, "\(position) \(c)")
                    #expect(changed.withUnsafeBytes { Signature64(base64: $0) }?.bytes == expected, "\(position) \(c)")
                }
            }
            for length in [84, 87, 89, 92] {
                let cut = Array((text + Array("AAAA".utf8)).prefix(length))
                #expect(cut.withUnsafeBytes { Signature64(base64: $0) } == nil)
            }
        }
    }

    /// An entry read in place holds at most four signers in place: one with four is read in place, one with five
    /// is read in full, and both verify; a changed signature of either is found at its seq.
    @Test func entriesWithManyWitnesses() throws {
        var f = try Fixture(notes: 1)
        let extra = (0..<3).map { _ in SignerKey() }
        let t = try #require(Timestamp("2026-11-23T15:00:00.000Z"))
        for key in extra {
            try f.add(Statement(type: CoreStatementType.actorEnrolled, time: t, actor: f.facility.keyID,
                                body: ["name": "w", "role": "witness", "public_key": .string(key.publicKey.base64)]), by: f.facility)
        }
        for witnesses in [[f.witness] + extra.prefix(2), [f.witness] + extra] {
            try f.add(Statement(type: "test.note", time: t, actor: f.clinician.keyID, witnesses: witnesses.map(\.keyID),
                                body: ["text": .string("witnessed by \(witnesses.count)")]), by: f.clinician, witnesses: witnesses)
        }
        let four = f.rows.count - 2, five = f.rows.count - 1
        #expect(f.rows[four].bytes.withUnsafeBytes { SignedEntryFields(canonical: $0) }?.signatures.count == 4)
        #expect(f.rows[five].bytes.withUnsafeBytes { SignedEntryFields(canonical: $0) } == nil)
        let clean = f.verify()
        #expect(clean.isClean, "\(clean.failures)")
        #expect(clean.signaturesChecked == 3 + 2 + 3 + 4 + 5)
        // The last witness's signature of each, changed to another valid-looking one (the first signature's).
        for seq in [four, five] {
            var g = f
            let entry = f.entries[seq]
            let last = Base64.encode(entry.signatures.last!.signature), first = Base64.encode(entry.signatures[0].signature)
            g.replace(seq, with: f.text(seq).replacingOccurrences(of: last, with: first))
            let r = g.verify()
            #expect(r.failures.contains { $0.seq == seq && $0.code == .signatureInvalid }, "\(r.failures)")
        }
    }
}
