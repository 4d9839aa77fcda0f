import Foundation
import GRDB
import LedgerCore
import LedgerStore

/// What each lot received and lost, and what must be on the shelf, at a moment.
public struct InventoryReport: Sendable, Equatable {
    /// One lot's accountability: on hand = received + returned + adjusted − dispensed − administered − wasted − destroyed − lost
    /// − transferred.
    public struct Line: Sendable, Equatable {
        public let lotID: String
        public let drug: String
        public let ndc: String
        public let lot: String
        public let expiry: String
        public let unit: String
        public let status: String
        public var received = Quantity.zero
        public var dispensed = Quantity.zero
        public var administered = Quantity.zero
        public var shipped = Quantity.zero
        public var wasted = Quantity.zero
        public var destroyed = Quantity.zero
        public var lost = Quantity.zero
        public var returned = Quantity.zero
        public var adjusted = Quantity.zero
        /// Handed to other registrants (`transfer.out`).
        public var transferred = Quantity.zero
        public var onHand = Quantity.zero

        /// The figures by name, in the order reports print them.
        public var figures: [(String, Quantity)] {
            [("received", received), ("dispensed", dispensed), ("administered", administered), ("shipped", shipped),
             ("wasted", wasted), ("destroyed", destroyed), ("lost", lost), ("returned", returned), ("adjusted", adjusted),
             ("transferred", transferred), ("on_hand", onHand)]
        }

        public static func == (a: Line, b: Line) -> Bool {
            a.lotID == b.lotID && a.figures.map(\.1) == b.figures.map(\.1) && a.status == b.status
        }
    }

    public let asOf: Timestamp?
    public let lines: [Line]

    /// Computes the report from the movements kept beside the entries, up to `asOf` (event time), for one lot or all.
    package static func compute(_ database: LedgerDatabase, asOf: Timestamp? = nil, lot: String? = nil) throws -> InventoryReport {
        try database.read { db in
            let limit = asOf?.description ?? "9999"
            // Two passes over the movements for every lot at once (per-lot queries grow with lots × parcels).
            var totals: [String: [(String, Int64)]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT lot_id, kind, sum(micros) FROM movements WHERE time <= ? GROUP BY lot_id, kind",
                                        arguments: [limit]) {
                totals[row[0] as String, default: []].append((row[1], row[2]))
            }
            return try compute(db, asOf: asOf, lot: lot, totals: totals, shipped: shipped(db, sentAfter: nil, limit: limit))
        }
    }

    /// The movements' sums by lot and kind, kept between calls to `compute(_:kept:)`: the sum over every
    /// movement is read once, then only the movements of entries appended since (the projection never
    /// changes or removes a movement once written, a correction adds one).
    package struct KeptTotals: Sendable {
        /// The last entry whose movements are summed, and its leaf hash: a file that no longer holds that
        /// very entry (a backup restored under the daemon) is summed again from the start.
        fileprivate var through: (seq: Int, leaf: Data)?
        fileprivate var sums: [String: [String: Int64]] = [:]
        /// What was dispensed in parcels, by lot. A parcel's fills are tied to it when it is sent, so new parcels
        /// add to it; a correction can remove a fill, so an entry correcting anything sums it again.
        fileprivate var shipped: [String: Int64] = [:]
        package init() {}
    }

    /// The inventory now, for one lot or all, as `compute(_:)` gives it, summing only the movements appended since
    /// `kept` was last brought up to date (milliseconds, where summing every movement takes a second at a million entries).
    package static func compute(_ database: LedgerDatabase, lot: String? = nil, kept: inout KeptTotals) throws -> InventoryReport {
        try database.read { db in
            guard let last = try Int.fetchOne(db, sql: "SELECT max(seq) FROM entries") else {
                kept = KeptTotals()
                return try compute(db, asOf: nil, lot: lot, totals: [:], shipped: [:])
            }
            let leaf = { (seq: Int) in try Data.fetchOne(db, sql: "SELECT leaf_hash FROM entries WHERE seq = ?", arguments: [seq]) }
            if let t = kept.through, try t.seq > last || leaf(t.seq) != t.leaf { kept = KeptTotals() }
            let from = (kept.through?.seq ?? -1) + 1
            if from <= last {
                for row in try Row.fetchAll(db, sql: "SELECT lot_id, kind, sum(micros) FROM movements WHERE seq >= ? AND seq <= ? GROUP BY lot_id, kind",
                                            arguments: [from, last]) {
                    kept.sums[row[0] as String, default: [:]][row[1] as String, default: 0] += row[2] as Int64
                }
                let corrected = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM entries WHERE type = ? AND seq >= ? AND seq <= ?)",
                                                  arguments: [DispensingType.entryCorrected, from, last]) ?? true
                if from == 0 || corrected {
                    kept.shipped = try shipped(db, sentAfter: nil, limit: "9999")
                } else {
                    kept.shipped.merge(try shipped(db, sentAfter: from - 1, limit: "9999"), uniquingKeysWith: +)
                }
                guard let lastLeaf = try leaf(last) else { throw LedgerError(.ledgerCorrupt, "the ledger file is damaged: entry \(last) has no stored hash; run `csledger verify` to see every problem, then restore the file from a backup") }
                kept.through = (last, lastLeaf)
            }
            return try compute(db, asOf: nil, lot: lot, totals: kept.sums.mapValues { $0.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } },
                               shipped: kept.shipped)
        }
    }

    /// What was dispensed in parcels sent up to `limit` (event time), by lot; only parcels whose sending entry
    /// comes after seq `sentAfter`, if given.
    private static func shipped(_ db: Database, sentAfter: Int?, limit: String) throws -> [String: Int64] {
        var shippedByLot: [String: Int64] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT m.lot_id, -sum(m.micros) FROM shipments s JOIN fills f ON f.shipment = s.tracking
            JOIN movements m ON m.seq = f.seq AND m.kind = 'dispensed'
            WHERE s.sent_time <= ? AND s.sent_seq > ? GROUP BY m.lot_id
            """, arguments: [limit, sentAfter ?? -1]) {
            shippedByLot[row[0] as String] = row[1]
        }
        return shippedByLot
    }

    /// The report from the lots, the movements' sums by lot and kind (`totals`), and what parcels took by lot (`shipped`).
    private static func compute(_ db: Database, asOf: Timestamp?, lot: String?,
                                totals: [String: [(String, Int64)]], shipped shippedByLot: [String: Int64]) throws -> InventoryReport {
        var sql = "SELECT lot_id, drug_name || ' ' || strength || ' ' || form, ndc, lot, expiry, unit, status FROM lots"
        var args: [any DatabaseValueConvertible] = []
        if let lot {
            sql += " WHERE lot = ? OR lot_id = ?"
            args += [lot, lot]
        }
        sql += " ORDER BY drug_name, expiry, lot"
        var lines: [Line] = try Row.fetchAll(db, sql: sql, arguments: StatementArguments(args)).map {
            Line(lotID: $0[0], drug: $0[1], ndc: $0[2], lot: $0[3], expiry: $0[4], unit: $0[5], status: $0[6])
        }
        for i in lines.indices {
            var total: Int64 = 0
            for (kind, micros) in totals[lines[i].lotID] ?? [] {
                total += micros
                let q = Quantity(micros: abs(micros))
                switch kind {
                case "received": lines[i].received = q
                case "dispensed": lines[i].dispensed = q
                case "administered": lines[i].administered = q
                case "wasted": lines[i].wasted = q
                case "destroyed": lines[i].destroyed = q
                case "lost": lines[i].lost = q
                case "returned": lines[i].returned = q
                case "transferred": lines[i].transferred = q
                default: lines[i].adjusted = Quantity(micros: micros)
                }
            }
            lines[i].onHand = Quantity(micros: total)
            lines[i].shipped = Quantity(micros: shippedByLot[lines[i].lotID] ?? 0)
        }
        return InventoryReport(asOf: asOf, lines: lines.filter { asOf == nil || $0.received.isPositive || $0.onHand.micros != 0 })
    }

    /// The lot id for a lot number (and NDC when the number is not unique).
    package static func lotID(_ database: LedgerDatabase, lot: String, ndc: String?) throws -> String {
        let ids = try database.read { db in
            try String.fetchAll(db, sql: "SELECT lot_id FROM lots WHERE lot = ? OR lot_id = ?", arguments: [lot, lot])
        }
        if let ndc {
            let n: NDC
            do { n = try NDC(ndc) } catch { throw LedgerError(.invalidArgument, "NDC: \(error.message)") }
            let id = DispensingProjection.lotID(ndc: n, lot: lot)
            guard ids.contains(id) else { throw LedgerError(.notFound, "lot \(lot.prefix(20)) of NDC \(ndc.prefix(20)) was never received") }
            return id
        }
        guard let first = ids.first else { throw LedgerError(.notFound, "lot \(lot.prefix(20)) was never received; check the lot number on the label") }
        guard ids.count == 1 else { throw LedgerError(.invalidArgument, "lot \(lot.prefix(20)) exists for several products; add --ndc") }
        return first
    }
}
