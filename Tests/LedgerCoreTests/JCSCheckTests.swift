import Testing
@testable import LedgerCore

/// `JCS.isCanonical`, the verifier's one-pass check: it may say "cannot tell" (nil), but when it says
/// `true` the bytes must be exactly what parsing and re-serializing gives, and it must not call the
/// canonical form of a value non-canonical.
@Suite("JCS: one-pass canonical check")
struct JCSCheckTests {
    /// The full check the quick one stands in for.
    static func reference(_ bytes: [UInt8]) -> Bool {
        guard let value = try? JSONParser.parse(bytes) else { return false }
        return JCS.serialize(value) == bytes
    }

    @Test("the canonical form of random values is never called non-canonical, and mostly settled at once")
    func canonicalValues() throws {
        var rng = SplitMix64(seed: 7)
        var settled = 0
        for _ in 0..<3000 {
            let bytes = JCS.serialize(rng.value(depth: 0))
            let quick = JCS.isCanonical(bytes)
            #expect(quick != false, "\(String(decoding: bytes, as: UTF8.self))")
            if quick == true { settled += 1 }
        }
        // Random values are full of fractional numbers, which the quick check leaves to the full one.
        #expect(settled > 300)
    }

    @Test("on mutated bytes, `true` only where the full check agrees")
    func mutations() throws {
        var rng = SplitMix64(seed: 11)
        let edits: [[UInt8]] = [[0x20], [0x0a], [0x2c], [0x22], [0x5c], [0x30], [0x2d], [0x7b], [0x7d], [0x5b], [0x5d], [0x3a],
                                [0x5c, 0x75, 0x30, 0x30, 0x30, 0x61], [0x5c, 0x2f], [0xc3], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0x41]]
        var falsePositives: [String] = []
        var tried = 0
        for _ in 0..<4000 {
            var bytes = JCS.serialize(rng.value(depth: 0))
            guard !bytes.isEmpty else { continue }
            let at = Int(rng.next() % UInt64(bytes.count))
            switch rng.next() % 3 {
            case 0: bytes.insert(contentsOf: edits[Int(rng.next() % UInt64(edits.count))], at: at)
            case 1: bytes.remove(at: at)
            default:
                let other = Int(rng.next() % UInt64(bytes.count))
                bytes.swapAt(at, other)
            }
            tried += 1
            if JCS.isCanonical(bytes) == true, !Self.reference(bytes) { falsePositives.append(String(decoding: bytes, as: UTF8.self)) }
        }
        #expect(tried > 3000)
        #expect(falsePositives.isEmpty, "\(falsePositives.prefix(3))")
    }

    @Test("cases the quick check must settle exactly", arguments: [
        (#"{"a":1,"b":[true,false,null],"c":"x"}"#, true),
        (#"{"b":1,"a":2}"#, false),                 // members out of order
        (#"{"a":1,"a":2}"#, false),                 // duplicate key
        (#"{"a": 1}"#, false),                      // whitespace
        (#"[01]"#, false), (#"[-0]"#, false), (#"[0]"#, true), (#"[-12]"#, true),
        (#"["\u000a"]"#, false),                    // \n has a short form
        (#"["\u001f"]"#, true), (#"["\u001F"]"#, false),
        (#"["\/"]"#, false), (#"["\n\"\\"]"#, true),
        (#"["é"]"#, true),
        (#"{"é":1,"z":2}"#, false),                 // "é" sorts after "z"
        (#"{"z":1,"é":2}"#, true),
        (#"{"a":1}x"#, false), (#"{"a":1"#, false),
    ])
    func exact(_ text: String, _ canonical: Bool) {
        #expect(JCS.isCanonical(Array(text.utf8)) == canonical)
        #expect(Self.reference(Array(text.utf8)) == canonical)
    }

    @Test("numbers it cannot vouch for are left to the full check")
    func undecided() {
        #expect(JCS.isCanonical(Array("[1.5]".utf8)) == nil)
        #expect(JCS.isCanonical(Array("[1e21]".utf8)) == nil)
        #expect(JCS.isCanonical(Array("[1234567890123456]".utf8)) == nil)
    }

    @Test("an entry's statement bytes are sliced out exactly as the statement serializes")
    func statementSlice() throws {
        let key = try SignerKey(seed: [UInt8](repeating: 9, count: 32))
        let witness = try SignerKey(seed: [UInt8](repeating: 10, count: 32))
        let statement = try Statement(type: "waste.recorded", time: Timestamp("2026-11-23T10:00:00.000Z")!, actor: key.keyID,
                                      witnesses: [witness.keyID],
                                      body: ["note": "a \"statement\": inside, and ,\"statement\": too", "statement": ["nested": 1]])
        let signed = try SignedStatement(statement: statement, actorKey: key, witnessKeys: [witness])
        let entry = Entry(seq: 5, prev: Hash.sha256([1]), logged: Timestamp("2026-11-23T10:00:01.000Z")!, signed: signed)
        let bytes = entry.canonicalBytes
        #expect(JCS.isCanonical(bytes) == true)
        #expect(Entry.statementBytes(inCanonical: bytes) == statement.signingInput)
        #expect(Entry.statementBytes(inCanonical: Array(#"{"a":1}"#.utf8)) == nil)
        // The chain-only verification's header: the same seq, prev and logged as the full decode.
        let header = try #require(EntryHeader(canonical: bytes))
        #expect(header == EntryHeader(logged: entry.logged, prev: entry.prev, seq: entry.seq))
    }

    @Test("the fixed-place header refuses what is not exactly the canonical shape", arguments: [
        #"{"logged":"2026-11-23T10:00:01.000Z","prev":"\#(String(repeating: "ab", count: 32))","seq":5,"sigs":[]}"#,
        #"{"logged":"2026-13-23T10:00:01.000Z","prev":"\#(String(repeating: "ab", count: 32))","seq":5,"sigs":[]}"#,
        #"{"logged":"2026-02-30T10:00:01.000Z","prev":"\#(String(repeating: "ab", count: 32))","seq":5,"sigs":[]}"#,
        #"{"logged":"2026-11-23T10:00:01.000Z","prev":"\#(String(repeating: "AB", count: 32))","seq":5,"sigs":[]}"#,
        #"{"logged":"2026-11-23T10:00:01.000Z","prev":"\#(String(repeating: "ab", count: 32))","seq":05,"sigs":[]}"#,
        #"{"logged":"2026-11-23T10:00:01.000Z","prev":"\#(String(repeating: "ab", count: 32))","seq":-5,"sigs":[]}"#,
        #"{"logged":"2026-11-23T10:00:01Z","prev":"\#(String(repeating: "ab", count: 32))","seq":5,"sigs":[]}"#,
    ])
    func headerShape(_ text: String) {
        let valid = text.contains("2026-11-23T10:00:01.000Z") && !text.contains("AB") && text.contains(#""seq":5,"#)
        #expect((EntryHeader(canonical: Array(text.utf8)) != nil) == valid, "\(text.prefix(60))")
    }
}
