import Dispensing
import Foundation
import GRDB
import LedgerCore
import LedgerStore

/// The statement type a compliance officer records to resolve a finding.
public enum ReconciliationType {
    /// Body: `finding_id`, `reason`, optional `loss_report_seq` (a `loss.reported` entry) and
    /// `evidence` (the fingerprint the officer saw; `csledger resolve` fills it in).
    public static let findingResolved = "finding.resolved"
}

/// An enrolled signer as the rules need it.
struct SignerInfo: Sendable {
    let keyID: KeyID
    let name: String
    let role: Role?
    let enrolledSeq: Int
    let revokedSeq: Int?

    /// The signature counts on the entry at `seq`: enrolled before it, not revoked before it.
    func authorized(at seq: Int) -> Bool { enrolledSeq < seq && (revokedSeq.map { $0 >= seq } ?? true) }

    /// The name as people are told apart: before any comma (titles), lowercase, letters and digits only.
    var personKey: String {
        let base = name.split(separator: ",", maxSplits: 1).first.map(String.init) ?? name
        return String(base.lowercased().unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) }.map(Character.init))
    }
}

/// A lot as its receipts describe it.
struct LotFacts: Sendable {
    let lotID: String
    let unit: String
    /// Quantity in one container, micro-units (0 when unknown).
    let unitsPerContainer: Int64
    let expiry: ExpiryDate?
    /// The first receipt that was not corrected (nil when every receipt was corrected).
    let firstReceipt: Entry?
    /// Every receipt of the lot, by seq.
    let receipts: [Entry]
}

/// One change to a lot's balance, from the movements table.
struct Movement: Sendable {
    let seq: Int
    let lotID: String
    let kind: String
    let micros: Int64
    let time: Timestamp
}

/// One physical count: what the ledger expected when it was recorded and what was counted.
struct CountRow: Sendable {
    let seq: Int
    let lotID: String
    let time: Timestamp
    let expected: Int64
    let counted: Int64
}

/// What the rules read, from one snapshot: the entries up to the as-of time (event time), decoded,
/// and the tables kept beside them (movements and counts, filtered to the as-of time).
struct Facts: Sendable {
    let asOf: Timestamp
    /// The genesis entry's time.
    let created: Timestamp?
    /// All entries in the ledger file.
    let totalEntries: Int
    /// Dispensing and resolution entries with time ≤ as-of, by seq.
    let entries: [Entry]
    let bySeq: [Int: Entry]
    let byType: [String: [Entry]]
    /// Entries corrected by an `entry.corrected` at or before as-of.
    let corrected: Set<Int>
    /// The seqs of `entry.corrected` entries.
    let corrections: Set<Int>
    let signers: [KeyID: SignerInfo]
    let lots: [String: LotFacts]
    let movements: [Movement]
    let counts: [Int: CountRow]

    static var types: [String] { Array(Set(DispensingType.all + [ReconciliationType.findingResolved])).sorted() }

    static func load(_ database: LedgerDatabase, asOf: Timestamp) throws -> Facts {
        try database.read { db in
            let total = (try Int.fetchOne(db, sql: "SELECT max(seq) FROM entries")).map { $0 + 1 } ?? 0
            var created: Timestamp?
            if let g = try Data.fetchOne(db, sql: "SELECT bytes FROM entries WHERE seq = 0"),
               let json = try? JSONParser.parse(Array(g)), let e = try? Entry(json: json) {
                created = e.statement.time
            }
            let placeholders = types.map { _ in "?" }.joined(separator: ", ")
            let cursor = try Row.fetchCursor(db, sql: "SELECT seq, bytes FROM entries WHERE type IN (\(placeholders)) ORDER BY seq",
                                             arguments: StatementArguments(types))
            // Read in order, decoded on all cores a batch at a time (decoding is most of the load).
            var entries: [Entry] = []
            var batch: [[UInt8]] = []
            func decodeBatch() {
                let decoded = ParallelDecode.entries(batch)
                for e in decoded { if let e, e.statement.time <= asOf { entries.append(e) } }
                batch.removeAll(keepingCapacity: true)
            }
            while let row = try cursor.next() {
                batch.append(try row.withUnsafeData(atIndex: 1) { $0.map { Array($0) } ?? [] })
                if batch.count == 8192 { decodeBatch() }
            }
            decodeBatch()
            var signers: [KeyID: SignerInfo] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT key_id, name, role, enrolled_seq, revoked_seq FROM signers") {
                guard let k = KeyID(row[0] as String) else { continue }
                signers[k] = SignerInfo(keyID: k, name: row[1], role: Role(rawValue: row[2] as String), enrolledSeq: row[3], revokedSeq: row[4])
            }
            let limit = asOf.description
            var movements: [Movement] = []
            for row in try Row.fetchAll(db, sql: "SELECT seq, lot_id, kind, micros, time FROM movements WHERE time <= ? ORDER BY seq, lot_id, kind",
                                        arguments: [limit]) {
                guard let t = Timestamp(row[4] as String) else { continue }
                movements.append(Movement(seq: row[0], lotID: row[1], kind: row[2], micros: row[3], time: t))
            }
            var counts: [Int: CountRow] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT seq, lot_id, time, expected_micros, counted_micros FROM counts WHERE time <= ?",
                                        arguments: [limit]) {
                guard let t = Timestamp(row[2] as String) else { continue }
                counts[row[0]] = CountRow(seq: row[0], lotID: row[1], time: t, expected: row[3], counted: row[4])
            }
            var units: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT lot_id, unit FROM lots") { units[row[0]] = row[1] }
            return Facts(asOf: asOf, created: created, totalEntries: total, entries: entries, signers: signers,
                         movements: movements, counts: counts, units: units)
        }
    }

    init(asOf: Timestamp, created: Timestamp?, totalEntries: Int, entries: [Entry], signers: [KeyID: SignerInfo],
         movements: [Movement], counts: [Int: CountRow], units: [String: String]) {
        self.asOf = asOf
        self.created = created
        self.totalEntries = totalEntries
        self.entries = entries
        self.signers = signers
        self.movements = movements
        self.counts = counts
        var bySeq: [Int: Entry] = [:]
        var byType: [String: [Entry]] = [:]
        var corrected = Set<Int>()
        var corrections = Set<Int>()
        for e in entries {
            bySeq[e.seq] = e
            byType[e.statement.type, default: []].append(e)
            if e.statement.type == DispensingType.entryCorrected {
                corrections.insert(e.seq)
                if let c = e.statement.body["corrects"]?.integerValue { corrected.insert(c) }
            }
        }
        self.bySeq = bySeq
        self.byType = byType
        self.corrected = corrected
        self.corrections = corrections
        var receipts: [String: [Entry]] = [:]
        for e in byType[DispensingType.lotReceived] ?? [] {
            if let id = e.receivedLotID { receipts[id, default: []].append(e) }
        }
        var lots: [String: LotFacts] = [:]
        for (id, rs) in receipts {
            let first = rs.first { !corrected.contains($0.seq) }
            let basis = first ?? rs[0]
            lots[id] = LotFacts(lotID: id, unit: basis.string("unit") ?? units[id] ?? "",
                                unitsPerContainer: basis.micros("units_per_container") ?? 0,
                                expiry: basis.string("expiry").flatMap { try? ExpiryDate(iso: $0) }, firstReceipt: first, receipts: rs)
        }
        self.lots = lots
    }

    /// Entries of `type` that were not corrected.
    func live(_ type: String) -> [Entry] { (byType[type] ?? []).filter { !corrected.contains($0.seq) } }

    func unit(_ lotID: String) -> String { lots[lotID]?.unit ?? "" }

    /// `2.5 mL`.
    func quantity(_ micros: Int64, _ lotID: String) -> String {
        let u = unit(lotID)
        return u.isEmpty ? Quantity(micros: micros).description : "\(Quantity(micros: micros)) \(u)"
    }
}

extension Entry {
    func string(_ key: String) -> String? { statement.body[key]?.stringValue }

    func micros(_ key: String) -> Int64? {
        guard let s = string(key) else { return nil }
        return (try? Quantity(parsing: s))?.micros
    }

    func integer(_ key: String) -> Int? { statement.body[key]?.integerValue }

    func time(_ key: String) -> Timestamp? { string(key).flatMap { Timestamp($0) } }

    /// The `ref` of the `patient` object, if any.
    var patientRef: String? { statement.body["patient"]?["ref"]?.stringValue }

    /// The lot id a `lot.received` entry names (normalised NDC and lot number).
    var receivedLotID: String? {
        guard let ndc = string("ndc").flatMap({ try? NDC($0) }), let lot = string("lot") else { return nil }
        return DispensingProjection.lotID(ndc: ndc, lot: lot)
    }

    /// `[{lot_id, quantity}]` items (dispensings, destructions, losses).
    var lotItems: [(lotID: String, micros: Int64)] {
        (statement.body[statement.type == DispensingType.prescriptionDispensed ? "lots" : "items"]?.arrayValue ?? []).compactMap { item in
            guard let id = item["lot_id"]?.stringValue, let q = item["quantity"]?.stringValue,
                  let m = (try? Quantity(parsing: q))?.micros else { return nil }
            return (id, m)
        }
    }

    /// The actor and the witnesses.
    var people: [KeyID] { [statement.actor] + statement.witnesses }
}

extension Timestamp {
    func adding(hours: Double) -> Timestamp { adding(milliseconds: Int64((hours * 3_600_000).rounded())) }
    func adding(days: Double) -> Timestamp { adding(hours: days * 24) }
    /// Hours from `other` to this.
    func hours(since other: Timestamp) -> Double { Double(millisecondsSinceEpoch - other.millisecondsSinceEpoch) / 3_600_000 }
    /// A short human form: `2025-01-08 14:05 UTC`.
    var short: String {
        let d = description
        return "\(d.prefix(10)) \(d.dropFirst(11).prefix(5)) UTC"
    }
}
