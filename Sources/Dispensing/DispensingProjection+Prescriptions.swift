import Foundation
import GRDB
import LedgerCore
import LedgerStore

extension DispensingProjection {
    /// Schedule III: at most 5 refills, and no fill more than 6 months after the date issued.
    static let maxRefills = PrescriptionAdded.maxRefills

    /// The date six months after `issued` (YYYY-MM-DD), clamped to the month's last day.
    static func sixMonthsAfter(_ issued: String) -> (Int, Int, Int)? {
        guard let t = Timestamp(issued, allowDate: true) else { return nil }
        let (y, m, d) = t.civilDate
        var year = y, month = m + 6
        if month > 12 { month -= 12; year += 1 }
        let last = ExpiryDate.daysIn(year: year, month: month)
        return (year, month, min(d, last))
    }

    /// `patient` (the body's member `field`): a person added with `csledger patient add` (or, for `kind`
    /// `delivery_signer`, a delivery's signer) and not erased.
    func patient(_ c: Context, _ p: PersonalDataReference, field: String = "patient", kind: String = "patient") throws -> String {
        let ref = p.ref
        let lookup = try BoundStatement(c.db, "SELECT kind, commitment, erased FROM personal_data WHERE ref = ?")
        lookup.bind(1, ref)
        guard let row = try lookup.firstRow({ ($0.text(0), $0.text(1), $0.isNull(2) ? nil : $0.text(2)) }) else {
            throw c.error("\(field).\(PersonalDataReference.Member.ref)", "names no \(kind == "patient" ? "patient" : "person") on file; add them first")
        }
        guard row.0 == kind, row.1 == p.commitment else {
            throw c.error("\(field).\(PersonalDataReference.Member.commitment)", "does not match the personal data on file for \(ref)")
        }
        // Erased data was valid for entries written before the erasure (replay), never after.
        if let erased = row.2.flatMap({ Timestamp($0) }), erased <= c.entry.logged {
            throw c.error("\(field).\(PersonalDataReference.Member.ref)", "names a record whose personal data was erased")
        }
        return ref
    }

    func addPrescription(_ c: Context, _ b: PrescriptionAdded) throws {
        let rx = b.rxNumber, issued = b.issued
        let patientRef = try patient(c, b.patient)
        guard let issuedT = Timestamp(issued, allowDate: true), issuedT <= c.time.adding(milliseconds: 86_400_000) else {
            throw c.error(PrescriptionAdded.Member.issued, "is in the future")
        }
        if let (y, m, d) = Self.sixMonthsAfter(issued), c.time.dateString > String(format: "%04d-%02d-%02d", y, m, d) {
            throw c.fail("prescription \(rx) was issued on \(issued), more than 6 months ago; it can no longer be filled")
        }
        if try String.fetchOne(c.db.cachedStatement(sql: "SELECT rx_number FROM prescriptions WHERE rx_number = ?"), arguments: [rx]) != nil {
            throw c.error(PrescriptionAdded.Member.rxNumber, "\(rx) is already recorded")
        }
        try c.db.cachedStatement(sql: """
            INSERT INTO prescriptions (rx_number, seq, issued, patient_ref, quantity_micros, unit, refills_authorized, days_supply)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [rx, c.seq, issued, patientRef, b.quantity.micros, b.unit, b.refillsAuthorized, b.daysSupply])
    }

    /// The highest fill number of prescription `rx` among fills withdrawn by a correction (0 if none).
    ///
    /// CROSS JOIN keeps SQLite on the (small) corrections table first: left to itself it walked every
    /// dispensing entry by the type index and parsed each one's JSON, on every fill.
    static func lastCorrectedFillNumber(_ db: Database, _ rx: String) throws -> Int {
        try Int.fetchOne(db.cachedStatement(sql: """
            SELECT max(json_extract(CAST(e.bytes AS TEXT), '$.statement.body.fill_number')) FROM corrections c
            CROSS JOIN entries e ON e.seq = c.corrected_seq
            WHERE e.type = 'rx.dispensed' AND json_extract(CAST(e.bytes AS TEXT), '$.statement.body.rx_number') = ?
            """), arguments: [rx]) ?? 0
    }

    func dispense(_ c: Context, _ b: PrescriptionDispensed) throws {
        typealias M = PrescriptionDispensed.Member
        let rx = b.rxNumber
        guard let p = try Row.fetchOne(c.db.cachedStatement(sql: """
            SELECT issued, patient_ref, quantity_micros, unit, refills_authorized, fills, dispensed_micros, days_supply FROM prescriptions WHERE rx_number = ?
            """), arguments: [rx]) else {
            throw c.error(M.rxNumber, "\(rx) is not a recorded prescription; record it with `csledger rx add` first")
        }
        let issued: String = p[0], patientOnRx: String = p[1], rxQuantity: Int64 = p[2], unit: String = p[3]
        let refills: Int = p[4], fills: Int = p[5], dispensed: Int64 = p[6], rxDays: Int? = p[7]
        let patientRef = try patient(c, b.patient)
        guard patientRef == patientOnRx else { throw c.error(M.patient, "is not the patient on prescription \(rx)") }
        try requireTakeHomeAllowed(c, patientRef: patientRef)
        let fillNumber = b.fillNumber
        // A fill number names one fill: the next new one, or one whose fill was corrected (entered again, as
        // ASAP's revise record does); never one that stands on file.
        let standing = try Set(Int.fetchAll(c.db.cachedStatement(sql: "SELECT fill_number FROM fills WHERE rx_number = ?"), arguments: [rx]))
        let lastNumber = max(standing.max() ?? 0, try Self.lastCorrectedFillNumber(c.db, rx))
        let vacated = lastNumber == 0 ? [] : (1...lastNumber).filter { !standing.contains($0) }
        guard fillNumber == lastNumber + 1 || vacated.contains(fillNumber) else {
            let reentry = vacated.isEmpty ? "" : ", or \(vacated.map(String.init).joined(separator: " or ")) to enter a corrected fill again"
            throw c.error(M.fillNumber, "must be \(lastNumber + 1)\(reentry): prescription \(rx) has \(fills) fill(s) so far")
        }
        guard fills <= refills else {
            throw c.fail("prescription \(rx) has no refills left (\(refills) authorized, all used)")
        }
        if let (y, m, d) = Self.sixMonthsAfter(issued), c.time.dateString > String(format: "%04d-%02d-%02d", y, m, d) {
            throw c.fail("prescription \(rx) was issued on \(issued); Schedule III fills end 6 months after issue")
        }
        if let issuedDate = Timestamp(issued, allowDate: true), c.time < issuedDate {
            throw c.fail("the fill is dated before prescription \(rx) was issued (\(issued))")
        }
        let quantity = b.quantity
        let daysSupply = b.daysSupply
        if let rxDays, daysSupply > rxDays {
            throw c.fail("\(daysSupply) days supply is more than the \(rxDays) days prescribed per fill on \(rx)")
        }
        if let u = b.unit {
            guard u == unit else { throw c.error(M.unit, "is \(u) but prescription \(rx) is written in \(unit)") }
        }
        guard quantity.micros <= rxQuantity else {
            throw c.fail("\(quantity) \(unit) is more than the \(Quantity(micros: rxQuantity)) \(unit) prescribed per fill")
        }
        var total: Int64 = 0
        var seen = Set<String>()
        var uses: [(LotRow, Int64)] = []
        for (i, item) in b.lots.enumerated() {
            let path = "\(M.lots)[\(i + 1)]."
            let lot = try usableLot(c, item.lotID, unit: item.unit, path: path)
            try requireDispensable(c, lotID: lot.lotID, path: path)
            guard seen.insert(lot.lotID).inserted else { throw c.error(path + LotQuantity.Member.lotID, "lists lot \(lot.lotID) twice") }
            guard lot.unit == unit else {
                throw c.error(path + LotQuantity.Member.lotID, "lot \(lot.lotID) is counted in \(lot.unit), the prescription in \(unit)")
            }
            total += item.quantity.micros
            uses.append((lot, item.quantity.micros))
        }
        guard total == quantity.micros else {
            throw c.error(M.lots, "add up to \(Quantity(micros: total)) \(unit), not the \(quantity) \(unit) dispensed")
        }
        for (lot, micros) in uses { try move(c, lot, "dispensed", -micros) }
        try c.db.cachedStatement(sql: """
            INSERT INTO fills (rx_number, fill_number, seq, time, quantity_micros, days_supply, patient_ref) VALUES (?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [rx, fillNumber, c.seq, c.time.description, quantity.micros, daysSupply, patientRef])
        try c.db.cachedStatement(sql: "UPDATE prescriptions SET fills = fills + 1, dispensed_micros = ? WHERE rx_number = ?")
            .execute(arguments: [dispensed + quantity.micros, rx])
    }

    func administer(_ c: Context, _ b: DoseAdministered) throws {
        let lot = try usableLot(c, b.lotID, unit: b.unit)
        _ = try patient(c, b.patient)
        if b.wastedAmount.isPositive {
            try c.requireWitnesses(1, what: "wasting the rest of a dose")
        }
        var balance = lot
        if b.given.isPositive { balance = try move(c, balance, "administered", -b.given.micros) }
        if b.wastedAmount.isPositive { try move(c, balance, "wasted", -b.wastedAmount.micros) }
        try dischargeInline(c, b)
    }
}
