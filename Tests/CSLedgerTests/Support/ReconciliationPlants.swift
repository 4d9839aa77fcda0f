import Dispensing
import Foundation
@testable import CSLedgerKit
@testable import LedgerCore
@testable import LedgerStore
import Reconciliation
import Simulation

/// What a planted case must produce: a finding of this rule and check about exactly these entries.
struct PlantedExpectation: Sendable, CustomStringConvertible {
    let name: String
    let rule: Int
    let check: String
    let severity: Severity
    let entries: [Int]
    var description: String { "\(name): rule \(rule) \(check) \(entries)" }
}

/// A clinic simulation with one planted case for each rule the data can show (9 and 11 have their own ledgers).
final class PlantedLedger: @unchecked Sendable {
    /// The simulation (kept so its ledger file lives as long as the tests that read it).
    let sim: ClinicSim
    let report: ReconciliationReport
    let expected: [PlantedExpectation]
    let keys: [String: KeyID]
    /// Doses by clinician, and when clin3 started wasting more.
    let doses: [String: Set<Int>]
    /// The first seq of the day clin3 started wasting more.
    let biasSeq: Int
    let seconds: Double

    init(sim: ClinicSim, report: ReconciliationReport, expected: [PlantedExpectation], keys: [String: KeyID], doses: [String: Set<Int>],
         biasSeq: Int, seconds: Double) {
        self.sim = sim
        self.report = report
        self.expected = expected
        self.keys = keys
        self.doses = doses
        self.biasSeq = biasSeq
        self.seconds = seconds
    }

    static let start = Timestamp("2025-01-06T00:00:00Z")!  // a Monday

    static let shared: PlantedLedger = {
        do { return try build() } catch { fatalError("the planted ledger could not be built: \(error)") }
    }()

    static func build() throws -> PlantedLedger {
        let (sim, expectations) = try planted()
        try sim.run()
        let exp = expectations()

        let started = Date()
        let report = try sim.fx.reconcile(asOf: sim.end)
        let seconds = Date().timeIntervalSince(started)
        var doses: [String: Set<Int>] = [:]
        let keyNames = Dictionary(uniqueKeysWithValues: sim.fx.keys.map { ($0.value.keyID, $0.key) })
        try sim.fx.ledger.database.forEachBatch(type: DispensingType.doseAdministered) { rows in
            for r in rows {
                let e = try Entry.decode(canonicalBytes: r.bytes)
                doses[keyNames[e.statement.actor] ?? "?", default: []].insert(e.seq)
            }
            return true
        }
        return PlantedLedger(sim: sim, report: report, expected: exp, keys: sim.fx.keys.mapValues(\.keyID), doses: doses,
                             biasSeq: sim.dayFirstSeq[25]!, seconds: seconds)
    }

    /// The simulation with every plant in place, not yet run (`run()` runs it all; a test may run it day by
    /// day), and the expectations, to read once the plants' days have run.
    static func planted() throws -> (ClinicSim, () -> [PlantedExpectation]) {
        var o = ClinicSim.Options()
        o.clinicians = ["clin1", "clin2", "clin3", "clin4", "clin5"]
        o.extraWaste = ["clin5": (0, 250_000), "clin3": (25, 100_000)]
        let sim = try ClinicSim(start: start, options: o, extraPeople: [("clin1alt", "Sam Okafor", .witness), ("pharm1alt", "Dana Reyes", .witness),
                                                                         ("clin6", "Jo Martin, NP", .clinician)])
        let c = sim.cal
        let u = ClinicSim.unit
        var exp: [PlantedExpectation] = []
        var lot: [String: String] = [:]
        var seq: [String: Int] = [:]
        func plant(_ day: Int, _ body: @escaping (ClinicSim, Int) throws -> Void) { sim.plants[day, default: []].append(body) }
        func expect(_ name: String, _ rule: Int, _ check: String, _ severity: Severity, _ entries: [String]) {
            exp.append(PlantedExpectation(name: name, rule: rule, check: check, severity: severity, entries: entries.map { seq[$0]! }.sorted()))
        }
        func patient(_ s: ClinicSim) -> PersonalData.Reference { s.homePatients[3] }

        plant(0) { s, d in
            for (i, name) in ["PNEG", "PCNT", "PLATE", "PDES", "PLOSS", "PPAT"].enumerated() {
                lot[name] = try s.receive(lot: name, vial: false, containers: 1, at: c.at(d, 7.5 + Double(i) * 0.05)).1
            }
            let (invSeq, invLot) = try s.receive(lot: "PINV", vial: false, containers: 1, at: c.at(d, 7.9), invoiceQuantity: 36 * u)
            seq["inv1"] = invSeq
            lot["PINV"] = invLot
            lot["VREC"] = try s.receive(lot: "VREC", vial: true, containers: 1, at: c.at(d, 7.95)).1
            lot["VOPEN"] = try s.receive(lot: "VOPEN", vial: true, containers: 1, at: c.at(d, 7.97)).1
        }
        // Rule 2: the same lot received again with another strength.
        plant(2) { s, d in seq["inv2"] = try s.receive(lot: "PINV", vial: false, containers: 1, at: c.at(d, 8), strength: "50 mg").0 }
        // Rule 1: a waste that takes a lot below zero (override reason given).
        plant(3) { s, d in
            seq["neg"] = try s.waste(lot: lot["PNEG"]!, micros: 31 * u, by: "pharm1", witness: "witness1", at: c.at(d, 12),
                                     reason: "bottle broken", override: "shelf holds more than the ledger says")
        }
        // Rule 8: a pattern of small losses on one lot, each reported on time (weeks 1-5).
        for (i, d) in [3, 8, 13, 18, 23].enumerated() {
            plant(d) { s, d in
                seq["pat\(i)"] = try s.loss(kind: "loss", items: [(lot["PPAT"]!, 2 * u)], discovered: c.at(d, 9), deaNotified: c.at(d, 15), at: c.at(d, 15.5))
            }
        }
        // Rule 1: a count short by one tablet.
        plant(4) { s, d in seq["cnt"] = try s.count(lot: lot["PCNT"]!, counted: 29 * u, by: "pharm2", witness: "witness2", at: c.at(d, 16)) }
        // Rule 3: a dose, then a recall recorded later but dated before the dose; the rest destroyed next day.
        // Rule 4: a prescription filled, then refilled a week into a 30-day supply.
        plant(5) { s, d in
            seq["recDose"] = try s.dose(lot: lot["VREC"]!, by: "clin1", patient: s.clinicPatients[0], given: u, wasted: 0, at: c.at(d, 10))
            seq["recall"] = try s.fx.stage(DispensingType.lotStatusChanged, ["lot_id": .string(lot["VREC"]!), "status": "recalled",
                                                                             "reason": "manufacturer recall notice R-2025-01"], by: "compliance", at: c.at(d, 9))
            let (_, rx) = try s.addRx(patient: patient(s), refills: 2, daysSupply: 30, at: c.at(d, 11), rx: "RX-EARLY")
            seq["early1"] = try s.fill(rx: rx, number: 1, patient: patient(s), daysSupply: 30, at: c.at(d, 11.5)).0
        }
        plant(6) { s, d in
            try s.destroy([(lot["VREC"]!, 9 * u)], at: c.at(d, 8))
            // Rule 5: a vial opened for one dose and never finished or wasted.
            seq["open"] = try s.dose(lot: lot["VOPEN"]!, by: "clin2", patient: s.clinicPatients[1], given: u, wasted: 0, at: c.at(d, 12))
        }
        // Rule 5: a waste witnessed by the same person under a second key.
        plant(8) { s, d in
            let vial = s.vialQueue.first { s.balance[$0, default: 0] >= 100_000 }!
            seq["selfWitness"] = try s.waste(lot: vial, micros: 100_000, by: "clin1", witness: "clin1alt", at: c.at(d, 16.8), reason: "syringe contaminated")
        }
        // Rule 7: a destruction whose second witness is the pharmacist under a second key.
        plant(9) { s, d in
            seq["destroy"] = try s.destroy([(lot["PDES"]!, 30 * u)], witnesses: ["witness1", "pharm1alt"], at: c.at(d, 16))
        }
        // Rule 4 (refill) and rule 6 (a parcel returned for quarantine, never destroyed).
        var quarantined: (String, [(String, Int64)]) = ("", [])
        plant(10) { s, d in
            seq["early2"] = try s.fill(rx: "RX-EARLY", number: 2, patient: patient(s), daysSupply: 30, at: c.at(d, 11)).0
            let (_, rx) = try s.addRx(patient: patient(s), refills: 0, at: c.at(d, 11.2), rx: "RX-QUAR")
            let (_, lots) = try s.fill(rx: rx, number: 1, patient: patient(s), at: c.at(d, 11.4))
            let (sent, tracking) = try s.ship(rx: rx, number: 1, at: c.at(d, 16.2), tracking: "1ZPLANTQUAR")
            seq["quarSent"] = sent
            quarantined = (tracking, lots)
        }
        plant(11) { s, d in seq["quarBack"] = try s.returned(tracking: quarantined.0, lots: quarantined.1, disposition: "quarantine", at: c.at(d, 9.7)) }
        // Rule 5: a waste written to the ledger three days after it happened.
        plant(12) { s, d in
            seq["late"] = try s.waste(lot: lot["PLATE"]!, micros: u, by: "pharm1", witness: "witness1", at: c.at(9, 10), reason: "tablet dropped on the floor")
        }
        // Rule 6: a parcel lost without a loss report.
        plant(15) { s, d in
            let (_, rx) = try s.addRx(patient: patient(s), refills: 0, at: c.at(d, 11), rx: "RX-LOST")
            try s.fill(rx: rx, number: 1, patient: patient(s), at: c.at(d, 11.2))
            seq["lostSent"] = try s.ship(rx: rx, number: 1, at: c.at(d, 16.2), tracking: "1ZPLANTLOST").0
        }
        // Rule 8: a theft discovered on day 14, recorded on day 17, DEA not notified.
        plant(17) { s, d in
            seq["theftLate"] = try s.loss(kind: "theft", items: [(lot["PLOSS"]!, 3 * u)], discovered: c.at(14, 9), deaNotified: nil, at: c.at(d, 10))
        }
        plant(18) { s, d in
            seq["lost"] = try s.fx.stage(DispensingType.shipmentLost, ["tracking": "1ZPLANTLOST", "reason": "carrier cannot locate the parcel"],
                                         by: "pharm1", at: c.at(d, 10))
        }
        // Rule 6: delivered with the age not verified; shipped without adult signature and delivered.
        plant(20) { s, d in
            let (_, rx) = try s.addRx(patient: patient(s), refills: 0, at: c.at(d, 11), rx: "RX-AGE")
            try s.fill(rx: rx, number: 1, patient: patient(s), at: c.at(d, 11.2))
            seq["ageSent"] = try s.ship(rx: rx, number: 1, at: c.at(d, 16.2), tracking: "1ZPLANTAGE").0
        }
        plant(21) { s, d in seq["ageDelivered"] = try s.deliver(tracking: "1ZPLANTAGE", delivered: c.at(d, 11), at: c.at(d, 17.2), ageVerified: false) }
        plant(22) { s, d in
            let (_, rx) = try s.addRx(patient: patient(s), refills: 0, at: c.at(d, 11), rx: "RX-NOSIG")
            try s.fill(rx: rx, number: 1, patient: patient(s), at: c.at(d, 11.2))
            seq["noSigSent"] = try s.ship(rx: rx, number: 1, at: c.at(d, 16.2), tracking: "1ZPLANTNOSIG", adultSignature: false).0
        }
        plant(23) { s, d in seq["noSigDelivered"] = try s.deliver(tracking: "1ZPLANTNOSIG", delivered: c.at(d, 11), at: c.at(d, 17.2)) }
        // Rule 8: a loss discovered on day 20, DEA notified on day 24.
        plant(24) { s, d in
            seq["deaLate"] = try s.loss(kind: "loss", items: [(lot["PLOSS"]!, 2 * u)], discovered: c.at(20, 9), deaNotified: c.at(d, 9), at: c.at(d, 10))
        }
        // Rule 1: a count whose second counter is the counter under a second key.
        plant(26) { s, d in seq["selfCount"] = try s.count(lot: lot["PLATE"]!, by: "pharm1", witness: "pharm1alt", at: c.at(d, 16)) }
        // Rule 6: a parcel still in transit at the end.
        plant(30) { s, d in
            let (_, rx) = try s.addRx(patient: patient(s), refills: 0, at: c.at(d, 11), rx: "RX-TRANSIT")
            try s.fill(rx: rx, number: 1, patient: patient(s), at: c.at(d, 11.2))
            seq["transit"] = try s.ship(rx: rx, number: 1, at: c.at(d, 16.2), tracking: "1ZPLANTTRANSIT").0
        }
        // No rule: a clinician who writes up each late-afternoon dose, and its waste, the next morning (the staff
        // page's time from draw to waste record stands out from peers; under 24 hours, so no finding). Fewer than
        // 20 doses, so rule 10 leaves them out, and under 30, so rule 8 sets no baseline. Not on Fridays (the
        // count after the plants would be written the next morning too); the day's other records go at 18:00 first.
        for d in [1, 2, 3, 6, 7, 8, 11, 12, 13, 16, 17, 18, 21, 22] {
            plant(d) { s, d in
                let lot = s.vialQueue[0]
                guard s.balance[lot, default: 0] >= 700_000 else { return }
                try s.fx.flush(clock: c.at(d, 18))
                try s.dose(lot: lot, by: "clin6", patient: s.clinicPatients[d % 7], given: 600_000, wasted: 100_000, at: c.at(d, 16.75),
                           witness: d % 2 == 0 ? "witness1" : "witness2")
                try s.fx.flush(clock: c.at(d + 1, 7.5))
            }
        }
        return (sim, {
            expect("negative balance", 1, "negative-balance", .critical, ["neg"])
            expect("count variance", 1, "count-variance", .critical, ["cnt"])
            expect("count with the counter as second counter", 1, "count-without-second-counter", .warning, ["selfCount"])
            expect("receipt differs from invoice", 2, "invoice-quantity", .warning, ["inv1"])
            expect("lot received with different strength", 2, "lot-identity", .warning, ["inv1", "inv2"])
            expect("dose from a lot recalled retroactively", 3, "recalled-lot", .critical, ["recDose", "recall"])
            expect("early refill", 4, "early-refill", .warning, ["early1", "early2"])
            expect("opened vial never finished or wasted", 5, "opened-container-not-wasted", .warning, ["open"])
            expect("waste witnessed by the same person", 5, "waste-without-independent-witness", .critical, ["selfWitness"])
            expect("waste recorded late", 5, "waste-recorded-late", .warning, ["late"])
            expect("parcel in transit too long", 6, "in-transit-too-long", .warning, ["transit"])
            expect("delivered without age check", 6, "delivered-without-adult-check", .critical, ["ageSent", "ageDelivered"])
            expect("delivered without adult signature", 6, "delivered-without-adult-check", .critical, ["noSigSent", "noSigDelivered"])
            expect("quarantined return not destroyed", 6, "quarantined-return-not-destroyed", .warning, ["quarSent", "quarBack"])
            expect("lost parcel without loss report", 6, "lost-without-loss-report", .critical, ["lostSent", "lost"])
            expect("destruction without two witnesses", 7, "destruction-witnesses", .critical, ["destroy"])
            expect("theft reported late", 8, "loss-reported-late", .critical, ["theftLate"])
            expect("DEA notified late", 8, "dea-notified-late", .critical, ["deaLate"])
            expect("pattern of small losses", 8, "lot-loss-pattern", .critical, ["pat0", "pat1", "pat2", "pat3", "pat4"])
            return exp
        })
    }
}
