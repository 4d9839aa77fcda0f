import Foundation
import Testing
@testable import CSLedgerKit
@testable import LedgerCore

/// Issue 20, point 4, through the built `csledger`: a parcel that came back and was restocked is either voided
/// (its refill given back, the state PMP sent a void) or shipped again; the early-refill rule and the refill
/// count follow what the patient actually received.
@Suite("Returned parcels: void or ship again")
struct ReturnedParcelTests {
    typealias D = DispensingLedger
    static let t1 = "1Z999AA10123456784", t2 = "1Z999AA10123456795"

    static func returned(_ f: D, _ tracking: String, disposition: String = "restock", time: String) throws {
        try f.record(["return", "--tracking", tracking, "--disposition", disposition, "--reason", "no adult available after 3 attempts",
                      "--time", time] + D.pharmacist)
    }

    /// The ASAP file for `date` (patient A lives in Arizona), checked against the segment rules.
    static func asap(_ f: D, date: String) throws -> ASAPChecker {
        let out = f.dir.path("AZ-\(date)-\(UUID().uuidString.prefix(6)).txt")
        try f.ok(["export", "asap", "--state", "AZ", "--date", date, "--out", out])
        let checker = ASAPChecker(try String(contentsOfFile: out, encoding: .utf8), state: "AZ", date: date.replacingOccurrences(of: "-", with: ""))
        #expect(checker.problems.isEmpty, "\(checker.problems)")
        return checker
    }

    @Test("a returned fill shipped again: its stock leaves the lot once more; delivered, ASAP's AIR names who signed for the second parcel", arguments: Backend.allCases)
    func shipAgain(_ backend: Backend) throws {
        guard let f = try D.make(backend) else { return }
        _ = try f.writeImage()
        try f.record(D.dispense(time: "2026-03-03T10:00:00Z"))
        try f.record(D.ship(tracking: Self.t1, time: "2026-03-03T11:00:00Z"))
        try Self.returned(f, Self.t1, time: "2026-03-05T10:00:00Z")
        try f.expectLot(D.tabletLot, ["received": "90", "dispensed": "6", "shipped": "6", "returned": "6", "on_hand": "90"])
        let again = try f.record(D.ship(tracking: Self.t2, time: "2026-03-05T11:00:00Z"))
        try f.expectLot(D.tabletLot, ["received": "90", "dispensed": "12", "shipped": "6", "returned": "6", "on_hand": "84"])
        // Shipped again and in transit: not a third time.
        let before = try f.checkpoint()
        try f.expectRefusal(try f.csledger(D.ship(tracking: "1Z999AA10123456806", time: "2026-03-05T12:00:00Z")), "invalid-body",
                            ["shipment.sent: fill 1 of \(D.rx) was already shipped (\(Self.t2))"])
        #expect(try f.checkpoint() == before)
        try f.record(D.deliver(tracking: Self.t2, delivered: "2026-03-06T15:00:00Z", time: "2026-03-06T16:00:00Z"))
        let asap = try Self.asap(f, date: "2026-03-03")
        #expect(asap.records.map { $0[1] } == ["00"])
        let air = try #require(asap.segments.first { $0[0] == "AIR" }, "the second parcel was delivered: AIR")
        #expect(air[4] == "06" && air[7] == "Quixote-Marchetti", "\(air)")
        #expect(again > 0)
        try f.expectVerifies()
    }

    @Test("a parcel returned to quarantine cannot be shipped again", arguments: Backend.allCases)
    func quarantinedNotShippedAgain(_ backend: Backend) throws {
        guard let f = try D.make(backend) else { return }
        try f.record(D.dispense(time: "2026-03-03T10:00:00Z"))
        try f.record(D.ship(tracking: Self.t1, time: "2026-03-03T11:00:00Z"))
        try Self.returned(f, Self.t1, disposition: "quarantine", time: "2026-03-05T10:00:00Z")
        let before = try f.checkpoint()
        try f.expectRefusal(try f.csledger(D.ship(tracking: Self.t2, time: "2026-03-05T11:00:00Z")), "invalid-body",
                            ["fill 1 of \(D.rx) was already shipped (\(Self.t1))"])
        #expect(try f.checkpoint() == before)
    }

    @Test("a voided returned fill: ASAP sends a void on the day of the correction, and fill 1 is entered again", arguments: Backend.allCases)
    func voidReturned(_ backend: Backend) throws {
        guard let f = try D.make(backend) else { return }
        let fill = try f.record(D.dispense(time: "2026-03-03T10:00:00Z"))
        try f.record(D.ship(tracking: Self.t1, time: "2026-03-03T11:00:00Z"))
        try Self.returned(f, Self.t1, time: "2026-03-05T10:00:00Z")
        let void = try f.record(["correct", "--seq", String(fill), "--reason", "parcel came back; the patient did not receive it",
                                 "--time", "2026-03-06T09:00:00Z"] + D.pharmacist)
        let asap = try Self.asap(f, date: "2026-03-06")
        #expect(asap.records.map { [$0[1], $0[2], $0[5]] } == [["02", D.rx, "20260303"]], "a void of the record of 03-03")
        #expect(void > fill)
        try f.record(D.dispense(time: "2026-03-09T10:00:00Z"))
        #expect(try f.sqlite("SELECT fills FROM prescriptions WHERE rx_number = '\(D.rx)'") == "1")
        try f.expectVerifies()
    }

    @Test("the early-refill rule counts what the patient received: a refill after a returned parcel is not early", arguments: Backend.allCases)
    func earlyRefillAfterReturn(_ backend: Backend) throws {
        // Fill 1 delivered on 03-04; fill 2 (03-24) comes back; fill 3 on 03-28 is 24 days after the supply the patient has.
        func scenario(returnFill2: Bool) throws -> [JSONValue]? {
            guard let f = try D.make(backend) else { return nil }
            _ = try f.writeImage()
            try f.record(D.dispense(time: "2026-03-03T10:00:00Z"))
            try f.record(D.ship(tracking: Self.t1, time: "2026-03-03T11:00:00Z"))
            try f.record(D.deliver(tracking: Self.t1, delivered: "2026-03-04T15:00:00Z", time: "2026-03-04T16:00:00Z"))
            try f.record(D.dispense(fill: 2, time: "2026-03-24T10:00:00Z"))
            try f.record(D.ship(["\(D.rx)/2"], tracking: Self.t2, time: "2026-03-24T11:00:00Z"))
            if returnFill2 {
                try Self.returned(f, Self.t2, time: "2026-03-26T10:00:00Z")
            } else {
                try f.record(D.deliver(tracking: Self.t2, delivered: "2026-03-25T15:00:00Z", time: "2026-03-25T16:00:00Z"))
            }
            try f.record(D.dispense(fill: 3, time: "2026-03-28T10:00:00Z"))
            let r = try f.ok(["reconcile", "--as-of", "2026-03-28T12:00:00Z", "--json", "--no-verify", "--fail-on", "never"])
            return (try JSONParser.parse(r.stdout)["findings"]?.arrayValue ?? []).filter { $0["check"]?.stringValue == "early-refill" }
        }
        guard let delivered = try scenario(returnFill2: false) else { return }
        #expect(delivered.count == 1, "fill 3 four days after a delivered 21-day supply is early")
        #expect(try scenario(returnFill2: true)?.isEmpty == true, "fill 2 never reached the patient")
    }
}
