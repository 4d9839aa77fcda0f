import Foundation
import GRDB
import LedgerCore
import LedgerStore

/// A lot as the inventory tables hold it.
struct LotRow {
    let lotID: String
    let unit: String
    let expiry: ExpiryDate
    let status: String
    let onHand: Int64
    let receivedTime: Timestamp
    let receivedSeq: Int

    static func fetch(_ db: Database, _ lotID: String) throws -> LotRow? {
        let lookup = try BoundStatement(db, "SELECT unit, expiry, status, on_hand_micros, received_time, received_seq FROM lots WHERE lot_id = ?")
        lookup.bind(1, lotID)
        return try lookup.firstRow { row in
            guard let expiry = try? ExpiryDate(iso: row.text(1)), let received = Timestamp(row.text(4)) else {
                throw LedgerError(.ledgerCorrupt, "the inventory table for lot \(lotID) is damaged; rebuild it")
            }
            return LotRow(lotID: lotID, unit: row.text(0), expiry: expiry, status: row.text(2), onHand: row.int64(3),
                          receivedTime: received, receivedSeq: row.int(5))
        }
    }

    /// The same lot with another balance (after a movement written in this transaction).
    func with(onHand: Int64) -> LotRow {
        LotRow(lotID: lotID, unit: unit, expiry: expiry, status: status, onHand: onHand, receivedTime: receivedTime, receivedSeq: receivedSeq)
    }
}

extension DispensingProjection {
    func receive(_ c: Context) throws {
        try c.requireWitnesses(1, what: "a receipt (the person who verified it)")
        let b: LotReceived = try c.body()
        // Read and checked by LotReceived: both parse.
        guard let ndc = b.parsedNDC, let expiry = b.expiryDate else { throw c.fail("the NDC or expiry is not valid") }
        let (y, m, d) = c.time.civilDate
        if expiry.isExpired(onYear: y, month: m, day: d) {
            throw c.fail("lot \(b.lot) expired on \(expiry); an expired lot cannot be received into stock")
        }
        try markInClinicOnly(c, ndc: ndc, b)
        let lotID = Self.lotID(ndc: ndc, lot: b.lot)
        if let existing = try LotRow.fetch(c.db, lotID) {
            guard existing.unit == b.unit, existing.expiry == expiry else {
                throw c.fail("lot \(b.lot) was received before with another unit or expiry; check the label")
            }
        } else {
            try c.db.cachedStatement(sql: """
                INSERT INTO lots (lot_id, ndc, ndc11, lot, expiry, drug_name, strength, form, unit, received_seq, received_time)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [lotID, ndc.hyphenated, ndc.normalized, b.lot, expiry.description, b.drug.name,
                                 b.drug.strength, b.drug.form, b.unit, c.seq, c.time.description])
        }
        try move(c, lotID, "received", b.quantity.micros)
    }

    func changeStatus(_ c: Context, _ b: LotStatusChanged) throws {
        guard try LotRow.fetch(c.db, b.lotID) != nil else { throw c.fail("lot \(b.lotID) was never received") }
        try c.db.cachedStatement(sql: "UPDATE lots SET status = ? WHERE lot_id = ?").execute(arguments: [b.status.rawValue, b.lotID])
    }

    /// The lot `lotID` (the body's member `field`), checked usable at the event's time (received before, not
    /// expired, active, same unit if one is given).
    func usableLot(_ c: Context, _ lotID: String, unit: String?, path: String = "") throws -> LotRow {
        guard let lot = try LotRow.fetch(c.db, lotID) else {
            throw c.error(path + LotQuantity.Member.lotID, "names lot \(lotID), which was never received")
        }
        guard lot.receivedTime <= c.time else {
            throw c.fail("lot \(lotID) is used at \(c.time), before it was received (\(lot.receivedTime))")
        }
        let (y, m, d) = c.time.civilDate
        if lot.expiry.isExpired(onYear: y, month: m, day: d), c.type != DispensingType.destructionRecorded,
           c.type != DispensingType.countRecorded, c.type != DispensingType.lossReported {
            throw c.fail("lot \(lotID) expired on \(lot.expiry) and cannot be used")
        }
        if lot.status != "active", ![DispensingType.destructionRecorded, DispensingType.countRecorded, DispensingType.lossReported].contains(c.type) {
            throw c.fail("lot \(lotID) is \(lot.status) and cannot be used")
        }
        if let unit {
            guard unit == lot.unit else { throw c.error(path + LotQuantity.Member.unit, "is \(unit) but lot \(lotID) is counted in \(lot.unit)") }
        }
        return lot
    }

    /// Records a change of a lot's balance; refuses to go below zero unless the statement gives `override_reason`.
    func move(_ c: Context, _ lotID: String, _ kind: String, _ micros: Int64) throws {
        guard let lot = try LotRow.fetch(c.db, lotID) else { throw c.fail("lot \(lotID) was never received") }
        _ = try move(c, lot, kind, micros)
    }

    /// `move` for a lot this statement just read (`usableLot`), so a dose reads its lot row once, not once
    /// per movement; returns the row with its new balance, for a second movement of the same statement.
    @discardableResult
    func move(_ c: Context, _ lot: LotRow, _ kind: String, _ micros: Int64) throws -> LotRow {
        let lotID = lot.lotID
        let (after, overflow) = lot.onHand.addingReportingOverflow(micros)
        guard !overflow else { throw c.fail("the quantity is too large") }
        if after < 0, micros < 0, c.overrideReason == nil {
            throw LedgerError(.invalidBody, "\(c.type): lot \(lotID) holds \(Quantity(micros: lot.onHand)) \(lot.unit), less than the \(Quantity(micros: -micros)) \(lot.unit) taken; if the shelf really differs, record a count, or give --override-reason")
        }
        let update = try BoundStatement(c.db, "UPDATE lots SET on_hand_micros = ? WHERE lot_id = ?")
        update.bind(1, after)
        update.bind(2, lotID)
        try update.run()
        let insert = try BoundStatement(c.db, """
            INSERT INTO movements (seq, lot_id, kind, micros, time) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (seq, lot_id, kind) DO UPDATE SET micros = micros + excluded.micros
            """)
        insert.bind(1, c.seq)
        insert.bind(2, lotID)
        insert.bind(3, kind)
        insert.bind(4, micros)
        insert.bind(5, c.time.description)
        try insert.run()
        return lot.with(onHand: after)
    }

    func waste(_ c: Context) throws {
        try c.requireWitnesses(1, what: "a waste")
        let b: WasteRecorded = try c.body()
        let lot = try usableLot(c, b.lotID, unit: b.unit)
        try move(c, lot, "wasted", -b.quantity.micros)
    }

    /// Lots and quantities listed under `items`, each lot once, checked usable.
    func items(_ c: Context, _ items: [LotQuantity], field: String = "items") throws -> [(LotRow, Quantity)] {
        var seen = Set<String>()
        return try items.enumerated().map { i, item in
            let path = "\(field)[\(i + 1)]."
            let lot = try usableLot(c, item.lotID, unit: item.unit, path: path)
            guard seen.insert(lot.lotID).inserted else { throw c.error(path + LotQuantity.Member.lotID, "lists lot \(lot.lotID) twice") }
            return (lot, item.quantity)
        }
    }

    func destroy(_ c: Context) throws {
        try c.requireWitnesses(2, what: "a destruction (DEA Form 41)")
        let b: DestructionRecorded = try c.body()
        for (lot, q) in try items(c, b.items) { try move(c, lot, "destroyed", -q.micros) }
    }

    func loss(_ c: Context, _ b: LossReported) throws {
        guard let discovered = b.discoveredTime, discovered <= c.time.adding(milliseconds: 300_000) else { throw c.error(LossReported.Member.discovered, "is in the future") }
        if b.kind == .inTransit, let tracking = b.tracking {
            // The parcel's contents left the shelf when dispensed; the loss is the shipment's.
            guard let status = try String.fetchOne(c.db.cachedStatement(sql: "SELECT status FROM shipments WHERE tracking = ?"), arguments: [tracking]) else {
                throw c.error(LossReported.Member.tracking, "matches no shipment")
            }
            guard status == "lost" || status == "in_transit" else { throw c.fail("shipment \(tracking) was \(status), not lost") }
            if status == "in_transit" {
                try c.db.cachedStatement(sql: "UPDATE shipments SET status = 'lost', closed_seq = ? WHERE tracking = ?").execute(arguments: [c.seq, tracking])
            }
            return
        }
        for (lot, q) in try items(c, b.items ?? []) { try move(c, lot, "lost", -q.micros) }
    }

    func count(_ c: Context) throws {
        try c.requireWitnesses(1, what: "a count (the second counter)")
        let b: CountRecorded = try c.body()
        let lot = try usableLot(c, b.lotID, unit: b.unit)
        try c.db.cachedStatement(sql: "INSERT INTO counts (seq, lot_id, time, expected_micros, counted_micros) VALUES (?, ?, ?, ?, ?)")
            .execute(arguments: [c.seq, lot.lotID, c.time.description, lot.onHand, b.counted.micros])
    }

    func correct(_ c: Context, _ b: EntryCorrected) throws {
        let target = b.corrects
        guard target < c.seq else { throw c.error(EntryCorrected.Member.corrects, "must name an earlier entry") }
        guard let type = try String.fetchOne(c.db.cachedStatement(sql: "SELECT type FROM entries WHERE seq = ?"), arguments: [target]) else {
            throw c.error(EntryCorrected.Member.corrects, "names entry \(target), which does not exist")
        }
        guard DispensingType.all.contains(type), type != DispensingType.entryCorrected else {
            throw c.error(EntryCorrected.Member.corrects, "names entry \(target) (\(type)), which is not a dispensing record that can be corrected")
        }
        if type == DispensingType.patientPolicySet {
            throw c.error(EntryCorrected.Member.corrects, "names entry \(target), a patient's dispensing policy: record the right policy with `csledger patient policy` instead")
        }
        if type == DispensingType.facilityUpdated {
            throw c.error(EntryCorrected.Member.corrects, "names entry \(target), an update of the registrant: record the right details with `csledger facility update` instead")
        }
        if try Int.fetchOne(c.db.cachedStatement(sql: "SELECT seq FROM corrections WHERE corrected_seq = ?"), arguments: [target]) != nil {
            throw c.fail("entry \(target) was already corrected; correct the correction's replacement instead")
        }
        // A fill whose parcel came back is voided: its count against the prescription is withdrawn, and its stock
        // stays where the return put it (reversing the fill too would count it twice).
        let voidingReturned = try type == DispensingType.prescriptionDispensed && Row.fetchOne(c.db.cachedStatement(sql: """
            SELECT s.tracking FROM fills f JOIN shipments s ON s.tracking = f.shipment WHERE f.seq = ? AND s.status = 'returned'
            """), arguments: [target]) != nil
        try c.db.cachedStatement(sql: "INSERT INTO corrections (corrected_seq, seq) VALUES (?, ?)").execute(arguments: [target, c.seq])
        // Reverse the balance changes of the corrected entry; the original stays in the chain.
        let moves = try voidingReturned ? [] : Row.fetchAll(c.db.cachedStatement(sql: "SELECT lot_id, kind, micros FROM movements WHERE seq = ?"), arguments: [target])
        for m in moves {
            let micros: Int64 = m[2]
            try move(c, m[0], m[1], -micros)
        }
        if type == DispensingType.prescriptionDispensed {
            try c.db.cachedStatement(sql: """
                UPDATE prescriptions SET fills = fills - 1, dispensed_micros = dispensed_micros - (SELECT quantity_micros FROM fills WHERE seq = ?)
                WHERE rx_number = (SELECT rx_number FROM fills WHERE seq = ?)
                """).execute(arguments: [target, target])
            try c.db.cachedStatement(sql: "DELETE FROM fills WHERE seq = ?").execute(arguments: [target])
        }
        if type == DispensingType.doseDischarged {
            // The dose has no discharge again; the right one may be recorded.
            try c.db.cachedStatement(sql: "DELETE FROM discharges WHERE seq = ?").execute(arguments: [target])
        }
    }

    /// `finding.resolved`: the finding's id, why, and optionally the loss report it led to.
    func resolveFinding(_ c: Context, _ b: FindingResolved) throws {
        if let seq = b.lossReportSeq {
            guard seq < c.seq,
                  try String.fetchOne(c.db.cachedStatement(sql: "SELECT type FROM entries WHERE seq = ?"), arguments: [seq]) == DispensingType.lossReported else {
                throw c.error(FindingResolved.Member.lossReportSeq, "must name an earlier loss.reported entry")
            }
        }
    }
}
