import Foundation
import GRDB
import Testing
@testable import CSLedgerKit
@testable import Dispensing
@testable import LedgerCore
@testable import LedgerStore

/// The inventory kept while appending equals a recomputation from the entries alone, now and at earlier times.
@Suite("Inventory equals a recomputation from the entries")
struct InventoryRecomputeTests {
    typealias D = DispensingLedger

    /// A varied week: fills, a shipment and its return, a dose with waste, a waste and its correction,
    /// a theft, a destruction, a count, a quarantine, another fill. Hand-computed balances after each day.
    /// In `backend`'s store; nil when that is PostgreSQL and no server is there (after a SKIPPED line).
    static func week(_ backend: Backend) throws -> DispensingLedger? {
        guard let f = try D.make(backend) else { return nil }
        try f.record(D.dispense(time: "2026-03-03T10:00:00Z"))                                        // KT 90 − 6 = 84
        try f.record(D.ship(tracking: "1Z999AA10123456784", time: "2026-03-03T11:00:00Z"))
        try f.record(D.administer(time: "2026-03-04T09:00:00Z"))                                     // KV 100 − 0.8 − 0.2 = 99
        try f.record(["return", "--tracking", "1Z999AA10123456784", "--disposition", "restock", "--reason", "refused at the door",
                      "--time", "2026-03-05T10:00:00Z"] + D.pharmacist)                              // KT 84 + 6 = 90
        let waste = try f.record(D.waste(quantity: "4", time: "2026-03-05T12:00:00Z"))              // KV 95
        try f.record(["correct", "--seq", String(waste), "--reason", "entered twice", "--time", "2026-03-05T13:00:00Z"] + D.pharmacist) // KV 99
        try f.record(["loss", "--kind", "theft", "--discovered", "2026-03-06T08:00:00Z", "--lot", "\(D.tabletLot)=3",
                      "--time", "2026-03-06T09:00:00Z"] + D.compliance)                              // KT 87
        try f.record(D.destroy(["\(D.vialLot)=10"], time: "2026-03-06T10:00:00Z"))                   // KV 89
        try f.record(["count", "--lot", D.vialLot, "--counted", "89", "--time", "2026-03-06T11:00:00Z"] + D.pharmacist + D.witnessed)
        try f.record(D.dispense(fill: 2, quantity: "5", time: "2026-03-07T10:00:00Z"))               // KT 82
        try f.record(["lot-status", "--lot", D.vialLot, "--status", "quarantined", "--reason", "particles seen in a vial",
                      "--time", "2026-03-07T12:00:00Z"] + D.compliance)
        return f
    }

    @Test("inventory now, and --as-of earlier times (a time and a whole date), show the balances of those moments", arguments: Backend.allCases)
    func asOf(_ backend: Backend) throws {
        guard let f = try Self.week(backend) else { return }
        try f.expectLot(D.tabletLot, ["received": "90", "dispensed": "11", "shipped": "6", "returned": "6", "lost": "3", "on_hand": "82"])
        try f.expectLot(D.vialLot, ["received": "100", "administered": "0.8", "wasted": "0.2", "destroyed": "10", "on_hand": "89"],
                        status: "quarantined")
        // After the first fill and dose, before the return.
        try f.expectLot(D.tabletLot, ["received": "90", "dispensed": "6", "shipped": "6", "on_hand": "84"], asOf: "2026-03-04T12:00:00Z")
        try f.expectLot(D.vialLot, ["received": "100", "administered": "0.8", "wasted": "0.2", "on_hand": "99"], status: nil,
                        asOf: "2026-03-04T12:00:00Z")
        // Between the waste and its correction.
        try f.expectLot(D.vialLot, ["received": "100", "administered": "0.8", "wasted": "4.2", "on_hand": "95"], status: nil,
                        asOf: "2026-03-05T12:30:00Z")
        try f.expectLot(D.tabletLot, ["received": "90", "dispensed": "6", "shipped": "6", "returned": "6", "on_hand": "90"],
                        asOf: "2026-03-05T12:30:00Z")
        // A date means the end of that day.
        try f.expectLot(D.tabletLot, ["received": "90", "dispensed": "6", "shipped": "6", "returned": "6", "lost": "3", "on_hand": "87"],
                        asOf: "2026-03-06")
        // Before anything was received there is nothing.
        #expect(try f.inventory(["--as-of", "2026-03-01"]).isEmpty)
        #expect(try f.ok(["inventory", "--as-of", "2026-03-01"]).stdout.hasSuffix("\n(no lots received by 2026-03-01)\n"))
        // The library's report agrees with the CLI's at the same moment.
        let db = try f.place.open(readOnly: true).database  // on PostgreSQL, the test's mirror, brought up to date
        let at = try #require(Timestamp("2026-03-05T12:30:00Z"))
        let report = try InventoryReport.compute(db, asOf: at)
        #expect(report.lines.first { $0.lot == D.vialLot }?.onHand.description == "95")
        #expect(report.lines.first { $0.lot == D.tabletLot }?.onHand.description == "90")
        try f.expectVerifies()
    }

    @Test("the inventory kept while appending equals the inventory of a replay of the entries", arguments: Backend.allCases)
    func replay(_ backend: Backend) throws {
        guard let f = try Self.week(backend) else { return }
        let db = try f.place.open(readOnly: true).database  // on PostgreSQL, the test's mirror, brought up to date
        let kept = try InventoryReport.compute(db)
        #expect(kept.lines.count == 2)
        let replayed = try db.replay(into: f.dir.path("replay.sqlite"), projections: [DispensingProjection()])
        #expect(try InventoryReport.compute(replayed) == kept)
    }

    @Test("after a patient is erased, a replay still gives the same inventory and tables, now and at every event time", arguments: Backend.allCases)
    func replaySeeded(_ backend: Backend) throws {
        guard let f = try Self.week(backend) else { return }
        try f.record(D.rxAdd("RX-1002", patient: "$PB", time: "2026-03-08T09:00:00Z"))
        try f.ok(["patient", "erase", f.patientB.ref])
        let db = try f.place.open(readOnly: true).database  // on PostgreSQL, the test's mirror, brought up to date
        let replayed = try db.replay(into: f.dir.path("replay.sqlite"), projections: [DispensingProjection()])
        let kept = try InventoryReport.compute(db)
        let rebuilt = try InventoryReport.compute(replayed)
        #expect(rebuilt == kept)
        #expect(rebuilt.lines.map(\.onHand.description) == kept.lines.map(\.onHand.description))
        #expect(kept.lines.first { $0.lot == D.tabletLot }?.onHand.description == "82")
        let times = try db.read { try String.fetchAll($0, sql: "SELECT DISTINCT time FROM movements ORDER BY time") }
        #expect(times.count >= 9)
        for t in times.compactMap({ Timestamp($0) }) {
            #expect(try InventoryReport.compute(replayed, asOf: t) == InventoryReport.compute(db, asOf: t), "as of \(t)")
        }
        // The other tables kept beside the entries match too.
        for sql in ["SELECT rx_number, fills, dispensed_micros FROM prescriptions ORDER BY rx_number",
                    "SELECT rx_number, fill_number, seq, shipment FROM fills ORDER BY seq",
                    "SELECT tracking, status, closed_seq FROM shipments", "SELECT * FROM counts", "SELECT * FROM corrections",
                    "SELECT lot_id, status, on_hand_micros FROM lots ORDER BY lot_id"] {
            let a = try db.read { try Row.fetchAll($0, sql: sql) }, b = try replayed.read { try Row.fetchAll($0, sql: sql) }
            #expect(a == b, "\(sql)")
        }
    }
}
