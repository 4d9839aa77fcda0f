import CSLedgerKit
import Dispensing
import Foundation
import LedgerCore

/// A clinic and home-delivery pharmacy over some weeks: vial lots received and drawn from for infusion doses
/// (the rest of each draw wasted with a witness, the rest of each lot's last vial wasted), tablet lots
/// dispensed on prescriptions with refills every 27-29 days, parcels shipped Adult Signature Required and
/// delivered the next business day (a few returned to stock; one returned for quarantine and destroyed),
/// weekly blind counts of every lot, a theft reported on time, the odd dropped tablet wasted, and a mistaken
/// record corrected now and then. Everything in it is in order: the reconciliation must find nothing.
///
/// `plants` run at the end of their business day (before the weekly count) to add the cases a test plants.
package final class ClinicSim {
    package struct Options: Sendable {
        package init() {}
        package var businessDays = 40
        package var dosesPerDay = 20
        package var newPrescriptionsPerDay = 2
        package var clinicPatients = 30
        package var homePatients = 40
        package var seed: UInt64 = 42
        package var clinicians = ["clin1", "clin2", "clin3", "clin4"]
        /// Extra micro-units wasted per dose by a clinician from a business day on.
        package var extraWaste: [String: (fromDay: Int, micros: Int64)] = [:]
        /// The business day whose first parcel is returned for quarantine (then destroyed two days later).
        package var quarantineReturnDay: Int? = 2
    }

    package let fx: SimulatedLedger
    package let cal: SimCalendar
    package var o: Options
    package var rng: SeededRandom
    package var balance: [String: Int64] = [:]
    package var baseLots: [String] = []
    package var vialQueue: [String] = []
    package var tabletQueue: [String] = []
    package var clinicPatients: [PersonalData.Reference] = []
    package var homePatients: [PersonalData.Reference] = []
    package var signers: [PersonalData.Reference] = []
    package var plants: [Int: [(ClinicSim, Int) throws -> Void]] = [:]
    private var lotCounter = 0
    private var expiries: [String: String] = [:]
    private var rxCounter = 0
    private var trackingCounter = 0
    private var orderCounter = 0
    package var day = 0
    /// The first seq of each business day.
    package var dayFirstSeq: [Int: Int] = [:]

    package struct RxState { let rx: String; let patient: PersonalData.Reference; let refills: Int; var fills: Int; var nextDue: Timestamp; let quantity: Int64 }
    package var active: [RxState] = []
    /// Parcels to deliver or return on a business day: (tracking, fill lots, disposition or nil for delivery).
    package var toClose: [Int: [(tracking: String, lots: [(String, Int64)], disposition: String?)]] = [:]
    package var toDestroy: [Int: [[(String, Int64)]]] = [:]

    package static let vialNDC = "70000-123-10"
    package static let tabletNDC = "70000-456-30"
    package static let supplier = Party(name: "Demo Distribution Co.", address: "1 Wholesale Way, Columbus, OH 43215", deaNumber: "RD1234563")
    package static let prescriber = Party(name: "Dr. Maya Lin", address: "200 Telehealth Ave, Austin, TX 78701",
                                         deaNumber: try! DEANumber.completing("BL765432").description)

    package static let staff: [(String, String, Role)] = [
        ("pharm1", "Dana Reyes, PharmD", .pharmacist), ("pharm2", "Omar Haddad, PharmD", .pharmacist),
        ("clin1", "Sam Okafor, MD", .clinician), ("clin2", "Rita Gomez, NP", .clinician),
        ("clin3", "Ken Ito, MD", .clinician), ("clin4", "Lena Berg, NP", .clinician), ("clin5", "Tom Reed, NP", .clinician),
        ("witness1", "Lee Park, RN", .witness), ("witness2", "Ava Stone, RN", .witness),
        ("compliance", "Ari Cohen", .compliance),
    ]

    package init(path: String, start: Timestamp, options: Options = Options(), extraPeople: [(String, String, Role)] = []) throws {
        o = options
        cal = SimCalendar(start: start)
        rng = SeededRandom(seed: options.seed)
        fx = try SimulatedLedger(path: path, created: start.adding(milliseconds: -86_400_000), people: Self.staff + extraPeople)
        let pd = fx.ledger.personalData
        for i in 0..<o.clinicPatients {
            clinicPatients.append(try pd.add(kind: .patient, data: ["name": .string("Clinic Patient \(i)"), "date_of_birth": "1980-01-01"]))
        }
        for i in 0..<o.homePatients {
            homePatients.append(try pd.add(kind: .patient, data: ["name": .string("Home Patient \(i)"), "address": .string("\(i) Elm St")]))
        }
        for i in 0..<10 { signers.append(try pd.add(kind: .deliverySigner, data: ["name": .string("Delivery Adult \(i)")])) }
    }

    package func pick<T>(_ a: [T]) -> T { a[Int(rng.next() % UInt64(a.count))] }
    package func chance(_ p: Double) -> Bool { Double(rng.next() % 1_000_000) / 1_000_000 < p }
    package static func q(_ micros: Int64) -> Quantity { Quantity(micros: micros) }
    package static let unit: Int64 = 1_000_000

    // MARK: Building blocks (also used by plants)

    /// Receives a lot; returns (seq, lot id).
    @discardableResult
    package func receive(lot: String, vial: Bool, containers: Int, at t: Timestamp, by: String = "pharm1", invoiceQuantity: Int64? = nil,
                 strength: String? = nil, base: Bool = false) throws -> (Int, String) {
        let per: Int64 = vial ? 10 * Self.unit : 30 * Self.unit
        let body = LotReceived(
            supplier: Self.supplier, invoice: "INV-\(lot)",
            drug: vial ? DrugDescription(name: "Ketamine HCl", strength: strength ?? "50 mg/mL", form: "injection, solution")
                : DrugDescription(name: "Ketamine HCl", strength: strength ?? "100 mg", form: "tablet, sublingual"),
            ndc: vial ? Self.vialNDC : Self.tabletNDC, lot: lot, expiry: expiry(lot: lot, receivedAt: t),
            containers: containers, unitsPerContainer: Self.q(per), unit: vial ? "mL" : "tablet",
            quantity: Self.q(per * Int64(containers)), invoiceQuantity: invoiceQuantity.map(Self.q))
        let seq = try fx.stage(body, by: by, witnesses: [by == "pharm1" ? "witness1" : "witness2"], at: t)
        let id = DispensingProjection.lotID(ndc: try NDC(vial ? Self.vialNDC : Self.tabletNDC), lot: lot)
        balance[id, default: 0] += per * Int64(containers)
        if base {
            baseLots.append(id)
            if vial { vialQueue.append(id) } else { tabletQueue.append(id) }
        }
        return (seq, id)
    }

    @discardableResult
    package func dose(lot: String, by clinician: String, patient: PersonalData.Reference, given: Int64, wasted: Int64, at t: Timestamp,
              witness: String? = nil) throws -> Int {
        orderCounter += 1
        let body = DoseAdministered(lotID: lot, patient: patient, order: "ORD-\(orderCounter)", drawn: Self.q(given + wasted), given: Self.q(given),
                                    wasted: Self.q(wasted), wasteMethod: wasted > 0 ? "drug disposal container" : nil)
        balance[lot, default: 0] -= given + wasted
        return try fx.stage(body, by: clinician,
                            witnesses: wasted > 0 ? [witness ?? (chance(0.5) ? "witness1" : "witness2")] : [], at: t)
    }

    @discardableResult
    package func waste(lot: String, micros: Int64, by: String, witness: String, at t: Timestamp, reason: String = "remainder of opened vial",
               override: String? = nil) throws -> Int {
        let body = WasteRecorded(lotID: lot, quantity: Self.q(micros), reason: reason, method: "drug disposal container", overrideReason: override)
        balance[lot, default: 0] -= micros
        return try fx.stage(body, by: by, witnesses: [witness], at: t)
    }

    @discardableResult
    package func count(lot: String, counted: Int64? = nil, by: String, witness: String, at t: Timestamp) throws -> Int {
        try fx.stage(CountRecorded(lotID: lot, counted: Self.q(counted ?? balance[lot, default: 0])), by: by, witnesses: [witness], at: t)
    }

    @discardableResult
    package func addRx(patient: PersonalData.Reference, refills: Int, quantity: Int64 = 8 * unit, daysSupply: Int = 28, at t: Timestamp,
               rx: String? = nil) throws -> (Int, String) {
        rxCounter += 1
        let number = rx ?? "RX-\(10_000 + rxCounter)"
        let seq = try fx.stage(PrescriptionAdded(
            rxNumber: number, issued: t.dateString, patient: patient, prescriber: Self.prescriber,
            drug: DrugDescription(name: "Ketamine HCl", strength: "100 mg", form: "tablet, sublingual"),
            quantity: Self.q(quantity), unit: "tablet", directions: "Dissolve 1 tablet under the tongue as directed",
            refillsAuthorized: refills, daysSupply: daysSupply
        ), by: "pharm1", at: t)
        return (seq, number)
    }

    /// Dispenses from the tablet lots in turn (splitting across lots when one runs low); returns (seq, lots used).
    @discardableResult
    package func fill(rx: String, number: Int, patient: PersonalData.Reference, quantity: Int64 = 8 * unit, daysSupply: Int = 28,
              at t: Timestamp, by: String = "pharm1") throws -> (Int, [(String, Int64)]) {
        var left = quantity
        var uses: [(String, Int64)] = []
        while left > 0 {
            if balance[tabletQueue[0], default: 0] == 0 { tabletQueue.removeFirst() }
            if tabletQueue.count < 2 { try receiveTablets(at: restockTime(before: t)) }
            let lot = tabletQueue[0]
            let take = min(left, balance[lot, default: 0])
            guard take > 0 else { tabletQueue.removeFirst(); continue }
            uses.append((lot, take))
            balance[lot, default: 0] -= take
            left -= take
        }
        let seq = try fx.stage(PrescriptionDispensed(
            rxNumber: rx, patient: patient, fillNumber: number, quantity: Self.q(quantity), daysSupply: daysSupply,
            lots: uses.map { LotQuantity(lotID: $0.0, quantity: Self.q($0.1)) }
        ), by: by, at: t)
        return (seq, uses)
    }

    /// A lot expires three years after it is first received (the same date on every later receipt of it).
    func expiry(lot: String, receivedAt t: Timestamp) -> String {
        if let e = expiries[lot] { return e }
        let e = t.adding(milliseconds: 3 * 365 * 86_400_000).dateString
        expiries[lot] = e
        return e
    }

    package func nextTracking() -> String {
        trackingCounter += 1
        return "1Z999AA1\(String(format: "%010d", trackingCounter))"
    }

    @discardableResult
    package func ship(rx: String, number: Int, at t: Timestamp, tracking: String? = nil, adultSignature: Bool = true) throws -> (Int, String) {
        let tr = tracking ?? nextTracking()
        let body = ShipmentSent(carrier: "UPS", service: "Next Day Air", tracking: tr, adultSignatureRequired: adultSignature,
                                fills: [FillReference(rxNumber: rx, fillNumber: number)],
                                overrideReason: adultSignature ? nil : "patient asked for the parcel to be left at the door")
        return (try fx.stage(body, by: "pharm1", at: t), tr)
    }

    @discardableResult
    package func deliver(tracking: String, delivered: Timestamp, at t: Timestamp, ageVerified: Bool = true, idType: String = "drivers_license") throws -> Int {
        try fx.stage(ShipmentDelivered(
            tracking: tracking, delivered: delivered.description, signer: pick(signers), ageVerified: ageVerified,
            idType: try ShipmentDelivered.choice(idType, for: ShipmentDelivered.Member.idType),
            signatureImageSHA256: Hash.sha256(Array(tracking.utf8)).hex
        ), by: "pharm1", at: t)
    }

    @discardableResult
    package func returned(tracking: String, lots: [(String, Int64)], disposition: String, at t: Timestamp) throws -> Int {
        for (lot, m) in lots { balance[lot, default: 0] += m }
        return try fx.stage(ShipmentReturned(tracking: tracking, disposition: try ShipmentReturned.choice(disposition, for: ShipmentReturned.Member.disposition),
                                             reason: "no adult available after 3 attempts"), by: "pharm1", at: t)
    }

    @discardableResult
    package func destroy(_ items: [(String, Int64)], by: String = "pharm1", witnesses: [String] = ["witness1", "compliance"], at t: Timestamp) throws -> Int {
        for (lot, m) in items { balance[lot, default: 0] -= m }
        return try fx.stage(DestructionRecorded(
            method: "chemical digestion (drug disposal system)", location: "pharmacy back office", reason: "returned parcel, quarantined",
            items: items.map { LotQuantity(lotID: $0.0, quantity: Self.q($0.1)) }
        ), by: by, witnesses: witnesses, at: t)
    }

    @discardableResult
    package func loss(kind: String, items: [(String, Int64)], discovered: Timestamp, deaNotified: Timestamp?, at t: Timestamp, by: String = "compliance") throws -> Int {
        for (lot, m) in items { balance[lot, default: 0] -= m }
        let body = LossReported(kind: try LossReported.choice(kind, for: LossReported.Member.kind), discovered: discovered.description,
                                description: "found missing at the shelf", deaNotified: deaNotified?.description,
                                items: items.map { LotQuantity(lotID: $0.0, quantity: Self.q($0.1)) })
        return try fx.stage(body, by: by, at: t)
    }

    package func receiveVials(at t: Timestamp) throws {
        lotCounter += 1
        try receive(lot: "KV\(1000 + lotCounter)", vial: true, containers: 25, at: t, base: true)
    }

    /// The first tablet lot holding at least `need`, receiving a new one if none does.
    package func tabletLot(need: Int64, at t: Timestamp) throws -> String {
        if let lot = tabletQueue.first(where: { balance[$0, default: 0] >= need }) { return lot }
        try receiveTablets(at: restockTime(before: t))
        return tabletQueue.last!
    }

    /// When a lot needed at `t` is received: an hour before, and no later than 07:00 that day, so that a
    /// busy day's records, staged out of time order, never use it before it arrived.
    func restockTime(before t: Timestamp) -> Timestamp {
        min(t.adding(milliseconds: -3_600_000), cal.at(day, 7))
    }

    package func receiveTablets(at t: Timestamp) throws {
        lotCounter += 1
        try receive(lot: "KT\(1000 + lotCounter)", vial: false, containers: 20, at: t, base: true)
    }

    // MARK: The simulation

    /// Runs `options.businessDays` business days.
    package func run() throws {
        try openShop()
        for d in 0..<o.businessDays {
            day = d
            try businessDay(d)
        }
        try fx.seal()
    }

    /// Runs business days until the ledger holds at least `entries` entries; `progress` is told the
    /// entries so far after each day. Sets `options.businessDays` to the days run.
    package func run(untilEntries entries: Int, progress: (Int) -> Void = { _ in }) throws {
        try openShop()
        var d = 0
        while fx.nextSeq < entries {
            day = d
            try businessDay(d)
            progress(fx.nextSeq)
            d += 1
        }
        o.businessDays = d
        try fx.seal()
    }

    private func openShop() throws {
        try receiveVials(at: cal.at(0, 7))
        try receiveVials(at: cal.at(0, 7.1))
        try receiveTablets(at: cal.at(0, 7.2))
        try receiveTablets(at: cal.at(0, 7.3))
    }

    package func businessDay(_ d: Int) throws {
        dayFirstSeq[d] = fx.nextSeq
        // Parcels sent the day before: delivered (or returned) today.
        for p in toClose.removeValue(forKey: d) ?? [] {
            if let disposition = p.disposition {
                try returned(tracking: p.tracking, lots: p.lots, disposition: disposition, at: cal.at(d, 9.5))
                if disposition == "quarantine" { toDestroy[d + 2, default: []].append(p.lots) }
            } else {
                try deliver(tracking: p.tracking, delivered: cal.at(d, 11 + Double(rng.next() % 120) / 60), at: cal.at(d, 17))
            }
        }
        for items in toDestroy.removeValue(forKey: d) ?? [] { try destroy(items, at: cal.at(d, 8.5)) }
        // Clinic doses, 09:00-16:30.
        for i in 0..<o.dosesPerDay {
            let t = cal.at(d, 9 + 7.5 * Double(i) / Double(o.dosesPerDay))
            var lot = vialQueue[0]
            let given = Int64(5 + rng.next() % 4) * 100_000              // 0.5-0.8 mL
            let clinician = pick(o.clinicians)
            var wasted = Int64(rng.next() % 4) * 50_000                  // 0-0.15 mL
            if let extra = o.extraWaste[clinician], d >= extra.fromDay { wasted += extra.micros }
            if balance[lot, default: 0] < given + wasted {
                // The last vial of the lot: waste what is left, open the next lot.
                if balance[lot, default: 0] > 0 {
                    try waste(lot: lot, micros: balance[lot, default: 0], by: clinician, witness: "witness1", at: t.adding(milliseconds: -60_000))
                }
                vialQueue.removeFirst()
                if vialQueue.count < 2 { try receiveVials(at: cal.at(d, 7)) }
                lot = vialQueue[0]
            }
            try dose(lot: lot, by: clinician, patient: pick(clinicPatients), given: given, wasted: wasted, at: t)
        }
        // Prescriptions: new ones, and refills that are due.
        var fillsToday: [(String, Int, PersonalData.Reference)] = []
        for i in 0..<o.newPrescriptionsPerDay {
            let p = pick(homePatients)
            let t = cal.at(d, 10 + Double(i) * 0.25)
            let refills = 2 + Int(rng.next() % 4)
            let (_, rx) = try addRx(patient: p, refills: refills, at: t)
            active.append(RxState(rx: rx, patient: p, refills: refills, fills: 0, nextDue: t, quantity: 8 * Self.unit))
        }
        let endOfDay = cal.at(d, 15)
        var k = 0
        for i in active.indices where active[i].nextDue <= endOfDay && active[i].fills <= active[i].refills {
            let t = cal.at(d, 13 + Double(k % 8) * 0.25)
            k += 1
            active[i].fills += 1
            let (_, lots) = try fill(rx: active[i].rx, number: active[i].fills, patient: active[i].patient, at: t)
            active[i].nextDue = t.adding(milliseconds: Int64(27 + rng.next() % 3) * 86_400_000)
            fillsToday.append((active[i].rx, active[i].fills, active[i].patient))
            let (_, tracking) = try ship(rx: active[i].rx, number: active[i].fills, at: cal.at(d, 16))
            var disposition: String?
            if d == o.quarantineReturnDay, fillsToday.count == 1 { disposition = "quarantine" } else if chance(0.03) { disposition = "restock" }
            toClose[d + 1, default: []].append((tracking, lots, disposition))
        }
        active.removeAll { $0.fills > $0.refills }
        // Now and then: a dropped tablet wasted; a duplicate record corrected; a theft reported on time.
        if d % 3 == 1 {
            try waste(lot: try tabletLot(need: Self.unit, at: cal.at(d, 14.5)), micros: Self.unit, by: "pharm2", witness: "witness2", at: cal.at(d, 14.5),
                      reason: "tablet dropped on the floor")
        }
        if d % 10 == 7 {
            let lot = try tabletLot(need: Self.unit, at: cal.at(d, 15.5))
            let seq = try waste(lot: lot, micros: Self.unit, by: "pharm2", witness: "witness2", at: cal.at(d, 15.5), reason: "tablet dropped on the floor")
            balance[lot, default: 0] += Self.unit
            try fx.stage(EntryCorrected(corrects: seq, reason: "the same waste was recorded twice"), by: "pharm2", at: cal.at(d, 15.6))
        }
        if d == 12 {
            try loss(kind: "theft", items: [(try tabletLot(need: 10 * Self.unit, at: cal.at(d, 9)), 10 * Self.unit)], discovered: cal.at(d, 9), deaNotified: cal.at(d, 14), at: cal.at(d, 15))
        }
        for plant in plants[d] ?? [] { try plant(self, d) }
        // Friday: blind count of every lot holding stock.
        if d % 5 == 4 {
            var i = 0
            // Three minutes a lot, or less when the shelf is full, so the count ends the same evening.
            let stocked = baseLots.filter { balance[$0, default: 0] > 0 }.count
            let spacing = min(0.05, 0.4 / Double(max(stocked, 1)))
            for lot in baseLots where balance[lot, default: 0] > 0 {
                let (by, w) = i % 2 == 0 ? ("pharm1", "witness1") : ("pharm2", "witness2")
                try count(lot: lot, by: by, witness: w, at: cal.at(d, 17.5 + Double(i) * spacing))
                i += 1
            }
        }
        try fx.flush(clock: cal.at(d, 18))
    }

    /// The end of the simulated period.
    package var end: Timestamp { cal.at(o.businessDays - 1, 18.5) }
}
