import GRDB
import LedgerCore
import LedgerStore

/// Typed reads of the tables the dispensing projection keeps, for pages and reports above this module (the
/// SQL stays here, beside the projection that writes them). Callers check the ledger's integrity first.
package enum DispensingRecords {
    /// One stock movement of a lot (`movements`): signed micro-units, at its event time.
    package struct Movement: Sendable {
        package let seq: Int
        package let kind: String
        package let micros: Int64
        package let time: Timestamp
    }

    /// One physical count of a lot (`counts`).
    package struct Count: Sendable {
        package let seq: Int
        package let time: Timestamp
        package let expectedMicros: Int64
        package let countedMicros: Int64
        /// Counted minus expected.
        package var varianceMicros: Int64 { countedMicros - expectedMicros }
    }

    /// One parcel (`shipments`).
    package struct Shipment: Sendable {
        package let tracking: String
        package let carrier: String
        package let sentSeq: Int
        package let sent: Timestamp
        package let adultSignature: Bool
        package let status: String
        package let closedSeq: Int?
    }

    /// A lot's movements and counts with event time up to `asOf` (all when nil), in event-time then seq order,
    /// read in one transaction so the two agree: every row, each time (the lot page keeps a `LotSeries` instead;
    /// its tests compare that with this).
    package static func lotHistory(_ database: LedgerDatabase, lotID: String, asOf: Timestamp?) throws -> (movements: [Movement], counts: [Count]) {
        let limit = asOf?.description ?? "9999"
        return try database.read { db in
            // A busy lot has hundreds of thousands of movements: read by column position, each time in place.
            var moves: [Movement] = []
            let cursor = try Row.fetchCursor(db, sql: "SELECT seq, kind, micros, time FROM movements WHERE lot_id = ? AND time <= ? ORDER BY time, seq",
                                             arguments: [lotID, limit])
            while let row = try cursor.next() {
                guard let time = try time(row, 3) else { continue }
                moves.append(Movement(seq: row[0], kind: row[1], micros: row[2], time: time))
            }
            let counts = try Row.fetchAll(db, sql: "SELECT seq, time, expected_micros, counted_micros FROM counts WHERE lot_id = ? AND time <= ? ORDER BY time, seq",
                                          arguments: [lotID, limit]).compactMap { row -> Count? in
                guard let t = Timestamp(row["time"] as String) else { return nil }
                return Count(seq: row["seq"], time: t, expectedMicros: row["expected_micros"], countedMicros: row["counted_micros"])
            }
            return (moves, counts)
        }
    }

    /// A lot's counts with event time up to `asOf` (all when nil), in event-time then seq order.
    package static func lotCounts(_ database: LedgerDatabase, lotID: String, asOf: Timestamp?) throws -> [Count] {
        try database.read { db in
            try Row.fetchAll(db, sql: "SELECT seq, time, expected_micros, counted_micros FROM counts WHERE lot_id = ? AND time <= ? ORDER BY time, seq",
                             arguments: [lotID, asOf?.description ?? "9999"]).compactMap { row -> Count? in
                guard let t = Timestamp(row["time"] as String) else { return nil }
                return Count(seq: row["seq"], time: t, expectedMicros: row["expected_micros"], countedMicros: row["counted_micros"])
            }
        }
    }

    /// Every parcel in transit, and the latest `latestClosed` delivered, returned and lost ones each, latest sent
    /// first, with how many parcels have each status (a pharmacy that ships every day has delivered hundreds of
    /// thousands and had thousands returned, which no page lists).
    package static func shipments(_ database: LedgerDatabase, latestClosed: Int) throws -> (list: [Shipment], counts: [String: Int]) {
        try database.read { db in
            var list: [Shipment] = []
            let columns = "SELECT tracking, carrier, sent_seq, sent_time, adult_signature, status, closed_seq FROM shipments"
            var queries: [(String, StatementArguments)] = [(columns + " WHERE status = 'in_transit'", [])]
            for status in ["delivered", "returned", "lost"] {
                queries.append((columns + " WHERE status = ? ORDER BY sent_time DESC, tracking DESC LIMIT ?", [status, latestClosed]))
            }
            for (sql, arguments) in queries {
                let cursor = try Row.fetchCursor(db, sql: sql, arguments: arguments)
                while let row = try cursor.next() {
                    list.append(Shipment(tracking: row[0], carrier: row[1], sentSeq: row[2], sent: try time(row, 3) ?? Timestamp(millisecondsSinceEpoch: 0),
                                         adultSignature: (row[4] as Int) != 0, status: row[5], closedSeq: row[6]))
                }
            }
            list.sort { ($0.sent, $0.tracking) > ($1.sent, $1.tracking) }
            var counts: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT status, count(*) FROM shipments GROUP BY status") { counts[row[0]] = row[1] }
            return (list, counts)
        }
    }

    /// Column `index` of `row` as a time: read in place when in the form the ledger writes (a dashboard page reads
    /// hundreds of thousands of rows), parsed from the text otherwise.
    static func time(_ row: Row, _ index: Int) throws -> Timestamp? {
        try row.withUnsafeData(atIndex: index) { data in
            data.flatMap { d in d.count == 24 ? d.withUnsafeBytes { Timestamp(canonicalUTF8: $0.bindMemory(to: UInt8.self), at: 0) } : nil }
        } ?? (row[index] as String?).flatMap { Timestamp($0) }
    }

    // MARK: For the exports (each bounded by the bundle's checkpoint: seq below `limit`)

    /// A received lot as the exports print it (`lots`).
    package struct Lot: Sendable {
        package let lotID: String
        package let ndc: String
        package let ndc11: String
        package let lot: String
        package let expiry: String
        package let drug: String
        package let strength: String
        package let form: String
        package let unit: String
        package let receivedSeq: Int
    }

    /// The lots received by an entry below `limit`.
    package static func lots(_ database: LedgerDatabase, receivedBelow limit: Int) throws -> [Lot] {
        try database.read { db in
            try Row.fetchAll(db, sql: "SELECT lot_id, ndc, ndc11, lot, expiry, drug_name, strength, form, unit, received_seq FROM lots WHERE received_seq < ?",
                             arguments: [limit]).map {
                Lot(lotID: $0["lot_id"], ndc: $0["ndc"], ndc11: $0["ndc11"], lot: $0["lot"], expiry: $0["expiry"], drug: $0["drug_name"],
                    strength: $0["strength"], form: $0["form"], unit: $0["unit"], receivedSeq: $0["received_seq"])
            }
        }
    }

    /// Each lot's last count with event time at or before `asOf` and seq below `limit`: its seq and counted micro-units.
    package static func lastCounts(_ database: LedgerDatabase, asOf: Timestamp, below limit: Int) throws -> [String: (seq: Int, countedMicros: Int64)] {
        try database.read { db in
            try Row.fetchAll(db, sql: "SELECT lot_id, seq, counted_micros FROM counts WHERE time <= ? AND seq < ? ORDER BY seq",
                             arguments: [asOf.description, limit])
                .reduce(into: [String: (seq: Int, countedMicros: Int64)]()) { $0[$1["lot_id"]] = ($1["seq"], $1["counted_micros"]) }
        }
    }

    /// The expected micro-units of every count, by its seq.
    package static func expectedCounts(_ database: LedgerDatabase) throws -> [Int: Int64] {
        try database.read { db in
            var out: [Int: Int64] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT seq, expected_micros FROM counts") { out[row["seq"]] = row["expected_micros"] }
            return out
        }
    }

    /// The entries that moved stock with event time at or before `asOf` and seq below `limit`.
    package static func movementSeqs(_ database: LedgerDatabase, asOf: Timestamp, below limit: Int) throws -> Set<Int> {
        try database.read { db in
            Set(try Int.fetchAll(db, sql: "SELECT DISTINCT seq FROM movements WHERE time <= ? AND seq < ?", arguments: [asOf.description, limit]))
        }
    }

    /// What the parcel `tracking` held (micro-units per lot, from the fills shipped in it, below `limit`), and the
    /// entries that say so (the fills and the shipment).
    package static func parcelContents(_ database: LedgerDatabase, tracking: String, below limit: Int) throws -> (items: [(lotID: String, micros: Int64)], seqs: Set<Int>) {
        try database.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT m.lot_id AS lot_id, -sum(m.micros) AS micros, group_concat(DISTINCT f.seq) AS fills FROM movements m JOIN fills f ON f.seq = m.seq
                WHERE f.shipment = ? AND m.kind = 'dispensed' AND f.seq < ? GROUP BY m.lot_id ORDER BY m.lot_id
                """, arguments: [tracking, limit])
            var seqs = Set<Int>()
            if let sent = try Int.fetchOne(db, sql: "SELECT sent_seq FROM shipments WHERE tracking = ?", arguments: [tracking]) { seqs.insert(sent) }
            let items = rows.map { r -> (lotID: String, micros: Int64) in
                for s in ((r["fills"] as String?) ?? "").split(separator: ",") { if let n = Int(s) { seqs.insert(n) } }
                return (r["lot_id"], r["micros"])
            }
            return (items, seqs)
        }
    }
}
