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

    @Test("correcting a dose gives back both the amount given and the amount wasted", arguments: Backend.allCases)
    func correctDose(_ backend: Backend) throws {
        guard let f = try D.make(backend) else { return }
        let seq = try f.record(D.administer(time: "2026-03-04T09:00:00Z"))
        try f.expectLot(D.vialLot, ["received": "100", "administered": "0.8", "wasted": "0.2", "on_hand": "99"])
        try f.record(["correct", "--seq", String(seq), "--reason", "wrong patient chart", "--key", "Keys/clinician.pem",
                      "--time", "2026-03-04T10:00:00Z"])
        try f.expectLot(D.vialLot, ["received": "100", "on_hand": "100"])
        try f.expectVerifies()
    }

    @Test("correcting the first fill after a refill leaves the prescription fillable", arguments: Backend.allCases)
    func correctEarlierFill(_ backend: Backend) throws {
        guard let f = try D.make(backend) else { return }
        let first = try f.record(D.dispense(time: "2026-03-03T10:00:00Z"))
        try f.record(D.dispense(fill: 2, time: "2026-03-24T10:00:00Z"))
        try f.record(["correct", "--seq", String(first), "--reason", "fill 1 was keyed against the wrong prescription",
                      "--time", "2026-03-25T09:00:00Z"] + D.pharmacist)
        try f.expectLot(D.tabletLot, ["received": "90", "dispensed": "6", "on_hand": "84"])
        // RX-1001 allows 3 fills; one stands. Fill 2 stands and cannot be taken again; 1 (entering the corrected
        // fill again) or 3 may follow.
        let reused = try f.csledger(D.dispense(fill: 2, time: "2026-04-14T10:00:00Z"))
        #expect(reused.status != 0)
        #expect(reused.stderr.contains("must be 3, or 1 to enter a corrected fill again"), "\(reused.stderr)")
        let next = try f.csledger(D.dispense(fill: 3, time: "2026-04-14T10:00:00Z"))
        #expect(next.status == 0, "\(next.stderr)")
        try f.expectLot(D.tabletLot, ["received": "90", "dispensed": "12", "on_hand": "78"])
        try f.expectVerifies()
    }

    @Test("correcting (voiding) a fill whose parcel was returned gives the refill back and does not put the tablets back twice", arguments: Backend.allCases)
    func correctReturnedFill(_ backend: Backend) throws {
        guard let f = try D.make(backend) else { return }
        let fill = try f.record(D.dispense(time: "2026-03-03T10:00:00Z"))
        try f.record(D.ship(tracking: "1Z999AA10123456784", time: "2026-03-03T11:00:00Z"))
        try f.record(["return", "--tracking", "1Z999AA10123456784", "--disposition", "restock", "--reason", "no adult available",
                      "--time", "2026-03-05T10:00:00Z"] + D.pharmacist)
        try f.expectLot(D.tabletLot, ["received": "90", "dispensed": "6", "shipped": "6", "returned": "6", "on_hand": "90"])
        try f.record(["correct", "--seq", String(fill), "--reason", "parcel came back; patient did not receive it", "--time", "2026-03-06T10:00:00Z"] + D.pharmacist)
        // The return already restocked the tablets: the void changes no balance; the fill is no longer shipped or counted.
        try f.expectLot(D.tabletLot, ["received": "90", "dispensed": "6", "returned": "6", "on_hand": "90"])
        #expect(try f.sqlite("SELECT fills FROM prescriptions WHERE rx_number = 'RX-1001'") == "0")
        // Fill 1 can be entered again: the refill is not lost.
        try f.record(D.dispense(time: "2026-03-07T10:00:00Z"))
        try f.expectLot(D.tabletLot, ["received": "90", "dispensed": "12", "returned": "6", "on_hand": "84"])
        try f.expectVerifies()
    }
}
