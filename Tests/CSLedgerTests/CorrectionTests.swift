import Foundation
import Testing
@testable import CSLedgerKit
@testable import LedgerCore
@testable import LedgerStore

/// Corrections of fills, in the situations a pharmacy meets: an earlier fill keyed wrongly after a refill,
/// a fill whose parcel came back, a dose.
@Suite("Correcting dispensing records")
struct CorrectionTests {
    typealias D = DispensingLedger

    @Test("correcting a dose gives back both the amount given and the amount wasted")
    func correctDose() throws {
        let f = try D.make()
        let seq = try f.record(D.administer(time: "2026-03-04T09:00:00Z"))
        try f.expectLot(D.vialLot, ["received": "100", "administered": "0.8", "wasted": "0.2", "on_hand": "99"])
        try f.record(["correct", "--seq", String(seq), "--reason", "wrong patient chart", "--key", "Keys/clinician.pem",
                      "--time", "2026-03-04T10:00:00Z"])
        try f.expectLot(D.vialLot, ["received": "100", "on_hand": "100"])
        try f.expectVerifies()
    }

    @Test("correcting the first fill after a refill leaves the prescription fillable")
    func correctEarlierFill() throws {
        let f = try D.make()
        let first = try f.record(D.dispense(time: "2026-03-03T10:00:00Z"))
        try f.record(D.dispense(fill: 2, time: "2026-03-24T10:00:00Z"))
        try f.record(["correct", "--seq", String(first), "--reason", "fill 1 was keyed against the wrong prescription",
                      "--time", "2026-03-25T09:00:00Z"] + D.pharmacist)
        try f.expectLot(D.tabletLot, ["received": "90", "dispensed": "6", "on_hand": "84"])
        // RX-1001 allows 3 fills; one stands. The next fill must be accepted under some fill number.
        let attempts = [2, 3].map { n in (n, try? f.csledger(D.dispense(fill: n, time: "2026-04-14T10:00:00Z"))) }
        withKnownIssue("correct() (DispensingProjection+Lots.swift) decrements prescriptions.fills and deletes the fill row, so the next fill number collides with the later fill still on file") {
            #expect(attempts.contains { $0.1?.status == 0 }, "no fill number is accepted: \(attempts.map { "\($0.0): \($0.1?.stderr ?? "")" })")
        }
        try f.expectVerifies()
    }

    @Test("correcting a fill whose parcel was returned does not put the tablets back twice")
    func correctReturnedFill() throws {
        let f = try D.make()
        let fill = try f.record(D.dispense(time: "2026-03-03T10:00:00Z"))
        try f.record(D.ship(tracking: "1Z999AA10123456784", time: "2026-03-03T11:00:00Z"))
        try f.record(["return", "--tracking", "1Z999AA10123456784", "--disposition", "restock", "--reason", "no adult available",
                      "--time", "2026-03-05T10:00:00Z"] + D.pharmacist)
        try f.expectLot(D.tabletLot, ["received": "90", "dispensed": "6", "shipped": "6", "returned": "6", "on_hand": "90"])
        let before = try f.checkpoint()
        let r = try f.csledger(["correct", "--seq", String(fill), "--reason", "fill entered in error", "--time", "2026-03-06T10:00:00Z"] + D.pharmacist)
        withKnownIssue("correct() reverses the fill's 'dispensed' movements although the return already brought them back: on hand becomes 96 of 90 received") {
            // Either the correction is refused, or the shelf still holds exactly what was received.
            let onHand = try f.inventory()[D.tabletLot]?["on_hand"]
            #expect(r.status != 0 ? (try f.checkpoint()) == before : onHand == "90", "on hand \(onHand ?? "?") after the correction")
        }
    }
}
