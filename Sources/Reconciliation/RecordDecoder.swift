import Foundation
import LedgerCore

/// Reads `Record`s from stored entry bytes, in place and on all cores.
///
/// Stored entries are canonical (RFC 8785), so the statement sits at the end in a fixed shape:
/// `,"statement":{"actor":"<id>","body":{...},"time":"<time>","type":"<type>","v":1[,"witnesses":[...]]}}`.
/// The fast path reads that shape directly, checking the body in place and keeping its bytes
/// (`RecordBody`), and sharing one copy of each key id and type name; anything else goes to the full
/// parser, which decides as it always has
/// (an entry that does not decode is left out here and reported by verification, rule 11).
struct RecordDecoder: Sendable {
    /// Key ids by their hex text, for sharing: enrolled signers.
    private let keys: [(prefix: UInt64, bytes: [UInt8], id: KeyID)]
    /// Statement types by their text, for sharing.
    private let types: [(bytes: [UInt8], type: String)]
    /// The ledger's origin, which every v2 statement names: one shared copy instead of one a record.
    private let origin: (bytes: [UInt8], log: String)?

    init(keys: [KeyID], types: [String], origin: String? = nil) {
        self.origin = origin.map { (Array($0.utf8), $0) }
        self.keys = keys.map { k in
            let b = Array(k.hex.utf8)
            return (Self.prefix(b.withUnsafeBufferPointer { $0 }, 0), b, k)
        }
        self.types = types.map { (Array($0.utf8), $0) }
    }

    /// The record of the canonical entry `bytes` at `seq`; nil when it does not decode.
    func decode(seq: Int, bytes: UnsafeBufferPointer<UInt8>) -> Record? {
        if let r = fast(seq: seq, b: bytes) { return r }
        guard let json = try? JSONParser.parse(bytes), let entry = try? Entry(json: json) else { return nil }
        return Record(entry)
    }

    private static let head = Array(#"{"logged":""#.utf8)
    private static let statementKey = Array(#","statement":{"actor":""#.utf8)
    private static let bodyKey = Array(#"","body":"#.utf8)
    private static let timeKey = Array(#","time":""#.utf8)
    private static let logKey = Array(#","log":""#.utf8)
    private static let typeKey = Array(#"","type":""#.utf8)
    private static let versionKey = Array(#","v":1"#.utf8)
    private static let witnessesKey = Array(#","witnesses":["#.utf8)

    /// The fast path alone (nil when the bytes are not in the shape it reads); internal for tests.
    func fast(seq: Int, b: UnsafeBufferPointer<UInt8>) -> Record? {
        let n = b.count
        func matches(_ word: [UInt8], at offset: Int) -> Bool {
            guard offset + word.count <= n else { return false }
            for k in 0..<word.count where b[offset + k] != word[k] { return false }
            return true
        }
        guard matches(Self.head, at: 0), let logged = Timestamp(canonicalUTF8: b, at: Self.head.count) else { return nil }
        // Nothing before the statement but `,"sigs":` (times, hex, a number, key ids, base64) holds `,"s`.
        var i = Self.head.count + 24
        while true {
            while i + 2 < n, !(b[i] == 0x2c && b[i + 1] == 0x22 && b[i + 2] == 0x73) { i += 1 }
            guard i + 2 < n else { return nil }
            if matches(Self.statementKey, at: i) { break }
            i += 3
        }
        i += Self.statementKey.count
        guard let actor = key(b, at: i) else { return nil }
        i += 64
        guard matches(Self.bodyKey, at: i) else { return nil }
        i += Self.bodyKey.count
        let bodyStart = i
        guard let bodyEnd = RecordBody.canonicalEnd(b, object: i) else { return nil }
        i = bodyEnd
        var log: String?
        if matches(Self.logKey, at: i) {
            // The ledger's origin: printable ASCII, no escapes (anything else goes to the full parser).
            let start = i + Self.logKey.count
            var end = start
            while end < n, b[end] != 0x22 {
                guard b[end] > 0x20, b[end] < 0x7f, b[end] != 0x5c else { return nil }
                end += 1
            }
            guard end < n else { return nil }
            let text = UnsafeBufferPointer(rebasing: b[start..<end])
            if let origin, origin.bytes.elementsEqual(text) { log = origin.log } else { log = String(decoding: text, as: UTF8.self) }
            i = end + 1
        }
        guard matches(Self.timeKey, at: i), let time = Timestamp(canonicalUTF8: b, at: i + Self.timeKey.count) else { return nil }
        i += Self.timeKey.count + 24
        guard matches(Self.typeKey, at: i) else { return nil }
        i += Self.typeKey.count
        let typeStart = i
        while i < n, b[i] != 0x22, b[i] != 0x5c { i += 1 }
        guard i < n, b[i] == 0x22, let type = type(b, typeStart, i) else { return nil }
        i += 1
        guard matches(Self.versionKey, at: i) else { return nil }
        i += Self.versionKey.count
        var witnesses: [KeyID] = []
        if matches(Self.witnessesKey, at: i) {
            i += Self.witnessesKey.count
            while true {
                guard i < n, b[i] == 0x22, let w = key(b, at: i + 1), i + 65 < n, b[i + 65] == 0x22 else { return nil }
                witnesses.append(w)
                i += 66
                guard i < n else { return nil }
                if b[i] == 0x2c { i += 1; continue }
                guard b[i] == 0x5d else { return nil }
                i += 1
                break
            }
            guard !witnesses.isEmpty else { return nil }
        }
        guard i + 2 == n, b[i] == 0x7d, b[i + 1] == 0x7d else { return nil }
        // What `Statement` checks of every statement; the type is one of the known names (below).
        guard !witnesses.contains(actor),
              !witnesses.indices.contains(where: { k in witnesses[(k + 1)...].contains(witnesses[k]) }) else { return nil }
        return Record(seq: seq, logged: logged, type: type, time: time, actor: actor, witnesses: witnesses,
                      body: RecordBody(bytes: Array(UnsafeBufferPointer(rebasing: b[bodyStart..<bodyEnd]))), log: log)
    }

    private static func prefix(_ b: UnsafeBufferPointer<UInt8>, _ at: Int) -> UInt64 {
        var v: UInt64 = 0
        for k in 0..<8 { v = v << 8 | UInt64(b[at + k]) }
        return v
    }

    /// The key id whose 64 lowercase hex characters start at `at`.
    private func key(_ b: UnsafeBufferPointer<UInt8>, at: Int) -> KeyID? {
        guard at + 64 <= b.count else { return nil }
        let p = Self.prefix(b, at)
        outer: for k in keys where k.prefix == p {
            for j in 8..<64 where b[at + j] != k.bytes[j] { continue outer }
            return k.id
        }
        return KeyID(String(decoding: UnsafeBufferPointer(rebasing: b[at..<(at + 64)]), as: UTF8.self))
    }

    /// One of the known type names; any other goes to the full parser, which checks the name.
    private func type(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> String? {
        let count = end - start
        outer: for t in types where t.bytes.count == count {
            for j in 0..<count where b[start + j] != t.bytes[j] { continue outer }
            return t.type
        }
        return nil
    }
}
