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
            let limit = asOf?.description ?? "9999"
            // Two passes over the movements for every lot at once (per-lot queries grow with lots × parcels).
            var totals: [String: [(String, Int64)]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT lot_id, kind, sum(micros) FROM movements WHERE time <= ? GROUP BY lot_id, kind",
                                        arguments: [limit]) {
                totals[row[0] as String, default: []].append((row[1], row[2]))
            }
            var shippedByLot: [String: Int64] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT m.lot_id, -sum(m.micros) FROM shipments s JOIN fills f ON f.shipment = s.tracking
                JOIN movements m ON m.seq = f.seq AND m.kind = 'dispensed'
                WHERE s.sent_time <= ? GROUP BY m.lot_id
                """, arguments: [limit]) {
                shippedByLot[row[0] as String] = row[1]
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
