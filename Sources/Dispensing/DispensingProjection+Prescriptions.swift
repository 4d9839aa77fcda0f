import Foundation
import GRDB
import LedgerCore
import LedgerStore

extension DispensingProjection {
    /// Schedule III: at most 5 refills, and no fill more than 6 months after the date issued.
    static let maxRefills = 5

    /// The date six months after `issued` (YYYY-MM-DD), clamped to the month's last day.
    static func sixMonthsAfter(_ issued: String) -> (Int, Int, Int)? {
        guard let t = Timestamp(issued, allowDate: true) else { return nil }
        let (y, m, d) = t.civilDate
        var year = y, month = m + 6
        if month > 12 { month -= 12; year += 1 }
        let last = ExpiryDate.daysIn(year: year, month: month)
        return (year, month, min(d, last))
    }

    /// `patient`: {ref, commitment} of a patient added with `csledger patient add` and not erased.
    func patient(_ c: Context, _ r: BodyReader, key: String = "patient", kind: String = "patient") throws -> String {
        let p = try r.object(key)
        let ref = try p.string("ref", max: 40)
        let commitment = try p.hex64("commitment")
        let lookup = try BoundStatement(c.db, "SELECT kind, commitment, erased FROM personal_data WHERE ref = ?")
        lookup.bind(1, ref)
        guard let row = try lookup.firstRow({ ($0.text(0), $0.text(1), $0.isNull(2) ? nil : $0.text(2)) }) else {
            throw p.error("ref", "names no \(kind == "patient" ? "patient" : "person") on file; add them first")
        }
        guard row.0 == kind, row.1 == commitment else {
            throw p.error("commitment", "does not match the personal data on file for \(ref)")
        }
        // Erased data was valid for entries written before the erasure (replay), never after.
        if let erased = row.2.flatMap({ Timestamp($0) }), erased <= c.entry.logged {
            throw p.error("ref", "names a record whose personal data was erased")
        }
        return ref
    }

    func addPrescription(_ c: Context, _ r: BodyReader) throws {
        let rx = try r.string("rx_number", max: 40)
        let issued = try r.date("issued")
        let patientRef = try patient(c, r)
        let prescriber = try r.object("prescriber")
        _ = try prescriber.string("name")
        _ = try prescriber.string("address", max: 300)
        _ = try prescriber.dea("dea_number")
        let drug = try r.object("drug")
        _ = try drug.string("name"); _ = try drug.string("strength", max: 60); _ = try drug.string("form", max: 60)
        if r.has("ndc") { _ = try r.ndc("ndc") }
        let quantity = try r.quantity("quantity")
        let unit = try r.string("unit", max: 20)
        _ = try r.string("directions", max: 500)
        guard let refillsValue = r.body["refills_authorized"]?.integerValue else {
            throw r.error("refills_authorized", "must be a whole number")
        }
        guard refillsValue >= 0 else { throw r.error("refills_authorized", "must not be negative") }
        guard refillsValue <= Self.maxRefills else {
            throw c.fail("\(refillsValue) refills authorized; a Schedule III prescription allows at most 5")
        }
        let daysSupply = r.has("days_supply") ? try r.integer("days_supply", 1...365) : nil
        guard let issuedT = Timestamp(issued, allowDate: true), issuedT <= c.time.adding(milliseconds: 86_400_000) else {
            throw r.error("issued", "is in the future")
        }
        if let (y, m, d) = Self.sixMonthsAfter(issued), c.time.dateString > String(format: "%04d-%02d-%02d", y, m, d) {
            throw c.fail("prescription \(rx) was issued on \(issued), more than 6 months ago; it can no longer be filled")
        }
        if try String.fetchOne(c.db.cachedStatement(sql: "SELECT rx_number FROM prescriptions WHERE rx_number = ?"), arguments: [rx]) != nil {
            throw r.error("rx_number", "\(rx) is already recorded")
        }
        try c.db.cachedStatement(sql: """
            INSERT INTO prescriptions (rx_number, seq, issued, patient_ref, quantity_micros, unit, refills_authorized, days_supply)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [rx, c.seq, issued, patientRef, quantity.micros, unit, refillsValue, daysSupply])
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

    func dispense(_ c: Context, _ r: BodyReader) throws {
        let rx = try r.string("rx_number", max: 40)
        guard let p = try Row.fetchOne(c.db.cachedStatement(sql: """
            SELECT issued, patient_ref, quantity_micros, unit, refills_authorized, fills, dispensed_micros, days_supply FROM prescriptions WHERE rx_number = ?
            """), arguments: [rx]) else {
            throw r.error("rx_number", "\(rx) is not a recorded prescription; record it with `csledger rx add` first")
        }
        let issued: String = p[0], patientOnRx: String = p[1], rxQuantity: Int64 = p[2], unit: String = p[3]
        let refills: Int = p[4], fills: Int = p[5], dispensed: Int64 = p[6], rxDays: Int? = p[7]
        let patientRef = try patient(c, r)
        guard patientRef == patientOnRx else { throw r.error("patient", "is not the patient on prescription \(rx)") }
        try requireTakeHomeAllowed(c, patientRef: patientRef)
        let fillNumber = try r.integer("fill_number", 1...99)
        // A fill number names one fill: the next new one, or one whose fill was corrected (entered again, as
        // ASAP's revise record does); never one that stands on file.
        let standing = try Set(Int.fetchAll(c.db.cachedStatement(sql: "SELECT fill_number FROM fills WHERE rx_number = ?"), arguments: [rx]))
        let lastNumber = max(standing.max() ?? 0, try Self.lastCorrectedFillNumber(c.db, rx))
        let vacated = lastNumber == 0 ? [] : (1...lastNumber).filter { !standing.contains($0) }
        guard fillNumber == lastNumber + 1 || vacated.contains(fillNumber) else {
            let reentry = vacated.isEmpty ? "" : ", or \(vacated.map(String.init).joined(separator: " or ")) to enter a corrected fill again"
            throw r.error("fill_number", "must be \(lastNumber + 1)\(reentry): prescription \(rx) has \(fills) fill(s) so far")
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
        let quantity = try r.quantity("quantity")
        let daysSupply = try r.integer("days_supply", 1...365)
        if let rxDays, daysSupply > rxDays {
            throw c.fail("\(daysSupply) days supply is more than the \(rxDays) days prescribed per fill on \(rx)")
        }
        if r.has("unit") {
            let u = try r.string("unit", max: 20)
            guard u == unit else { throw r.error("unit", "is \(u) but prescription \(rx) is written in \(unit)") }
        }
        guard quantity.micros <= rxQuantity else {
            throw c.fail("\(quantity) \(unit) is more than the \(Quantity(micros: rxQuantity)) \(unit) prescribed per fill")
        }
        let lots = try r.objects("lots", max: 20)
        var total: Int64 = 0
        var seen = Set<String>()
        var uses: [(LotRow, Int64)] = []
        for item in lots {
            let lot = try usableLot(c, item)
            try requireDispensable(c, lotID: lot.lotID, item: item)
            guard seen.insert(lot.lotID).inserted else { throw item.error("lot_id", "lists lot \(lot.lotID) twice") }
            guard lot.unit == unit else { throw item.error("lot_id", "lot \(lot.lotID) is counted in \(lot.unit), the prescription in \(unit)") }
            let q = try item.quantity("quantity")
            total += q.micros
            uses.append((lot, q.micros))
        }
        guard total == quantity.micros else {
            throw r.error("lots", "add up to \(Quantity(micros: total)) \(unit), not the \(quantity) \(unit) dispensed")
        }
        for (lot, micros) in uses { try move(c, lot, "dispensed", -micros) }
        try c.db.cachedStatement(sql: """
            INSERT INTO fills (rx_number, fill_number, seq, time, quantity_micros, days_supply, patient_ref) VALUES (?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [rx, fillNumber, c.seq, c.time.description, quantity.micros, daysSupply, patientRef])
        try c.db.cachedStatement(sql: "UPDATE prescriptions SET fills = fills + 1, dispensed_micros = ? WHERE rx_number = ?")
            .execute(arguments: [dispensed + quantity.micros, rx])
    }

    func administer(_ c: Context, _ r: BodyReader) throws {
        let lot = try usableLot(c, r)
        _ = try patient(c, r)
        _ = try r.string("order", max: 60)
        let drawn = try r.quantity("drawn")
        let given = try r.quantity("given", allowZero: true)
        let wasted = try r.optionalQuantity("wasted", allowZero: true) ?? .zero
        guard given.micros + wasted.micros == drawn.micros else {
            throw c.fail("amount drawn (\(drawn)) must equal amount given (\(given)) plus amount wasted (\(wasted))")
        }
        if wasted.isPositive {
            try c.requireWitnesses(1, what: "wasting the rest of a dose")
            _ = try r.string("waste_method", max: 120)
        }
        var balance = lot
        if given.isPositive { balance = try move(c, balance, "administered", -given.micros) }
        if wasted.isPositive { try move(c, balance, "wasted", -wasted.micros) }
        try dischargeInline(c, r)
    }
}
