import Foundation
import GRDB
import LedgerCore

extension DispensingProjection {
    func ship(_ c: Context, _ b: ShipmentSent) throws {
        let tracking = b.tracking
        if try String.fetchOne(c.db.cachedStatement(sql: "SELECT tracking FROM shipments WHERE tracking = ?"), arguments: [tracking]) != nil {
            throw c.error(ShipmentSent.Member.tracking, "\(tracking) is already recorded for another shipment")
        }
        for (i, f) in b.fills.enumerated() {
            let rx = f.rxNumber, n = f.fillNumber
            guard let row = try Row.fetchOne(c.db.cachedStatement(sql: "SELECT shipment, patient_ref FROM fills WHERE rx_number = ? AND fill_number = ?"), arguments: [rx, n]) else {
                throw c.error("\(ShipmentSent.Member.fills)[\(i + 1)].\(FillReference.Member.fillNumber)", "matches no fill of prescription \(rx)")
            }
            try requireTakeHomeAllowed(c, patientRef: row[1])
            if let already = row[0] as String? {
                // A parcel that came back and was restocked may go out again; its fill's quantities leave the lots once more.
                guard try Self.restockedReturn(c, tracking: already) else { throw c.fail("fill \(n) of \(rx) was already shipped (\(already))") }
                let moves = try Row.fetchAll(c.db.cachedStatement(sql: """
                    SELECT m.lot_id, m.micros FROM movements m JOIN fills f ON f.seq = m.seq
                    WHERE f.rx_number = ? AND f.fill_number = ? AND m.kind = 'dispensed'
                    """), arguments: [rx, n])
                for m in moves { try move(c, m[0] as String, "dispensed", m[1] as Int64) }
            }
            try c.db.cachedStatement(sql: "UPDATE fills SET shipment = ? WHERE rx_number = ? AND fill_number = ?").execute(arguments: [tracking, rx, n])
        }
        try c.db.cachedStatement(sql: """
            INSERT INTO shipments (tracking, carrier, sent_seq, sent_time, adult_signature, status) VALUES (?, ?, ?, ?, ?, 'in_transit')
            """).execute(arguments: [tracking, b.carrier, c.seq, c.time.description, b.adultSignatureRequired])
    }

    /// True when parcel `tracking` came back (`shipment.returned`) with disposition `restock`.
    static func restockedReturn(_ c: Context, tracking: String) throws -> Bool {
        try String.fetchOne(c.db.cachedStatement(sql: """
            SELECT json_extract(CAST(e.bytes AS TEXT), '$.statement.body.disposition') FROM shipments s JOIN entries e ON e.seq = s.closed_seq
            WHERE s.tracking = ? AND s.status = 'returned'
            """), arguments: [tracking]) == "restock"
    }

    /// The shipment `tracking`, which must still be in transit.
    func openShipment(_ c: Context, _ tracking: String) throws -> (tracking: String, sent: Timestamp) {
        guard let row = try Row.fetchOne(c.db.cachedStatement(sql: "SELECT status, sent_time FROM shipments WHERE tracking = ?"), arguments: [tracking]) else {
            throw c.error(ShipmentLost.Member.tracking, "\(tracking) matches no shipment")
        }
        let status: String = row[0]
        guard status == "in_transit" else { throw c.fail("shipment \(tracking) is already \(status.replacingOccurrences(of: "_", with: " "))") }
        return (tracking, Timestamp(row[1] as String) ?? c.time)
    }

    func deliver(_ c: Context, _ b: ShipmentDelivered) throws {
        let (tracking, sent) = try openShipment(c, b.tracking)
        guard let delivered = b.deliveredTime, delivered >= sent else { throw c.error(ShipmentDelivered.Member.delivered, "is before the parcel was shipped") }
        guard delivered <= c.time.adding(milliseconds: 300_000) else { throw c.error(ShipmentDelivered.Member.delivered, "is in the future") }
        _ = try patient(c, b.signer, field: ShipmentDelivered.Member.signer, kind: "delivery_signer")
        try c.db.cachedStatement(sql: "UPDATE shipments SET status = 'delivered', closed_seq = ? WHERE tracking = ?").execute(arguments: [c.seq, tracking])
    }

    func returned(_ c: Context, _ b: ShipmentReturned) throws {
        let (tracking, _) = try openShipment(c, b.tracking)
        // The parcel's contents come back to the lots they were dispensed from.
        let moves = try Row.fetchAll(c.db.cachedStatement(sql: """
            SELECT m.lot_id, m.micros FROM movements m JOIN fills f ON f.seq = m.seq
            WHERE f.shipment = ? AND m.kind = 'dispensed'
            """), arguments: [tracking])
        for m in moves {
            let micros: Int64 = m[1]
            try move(c, m[0], "returned", -micros)
        }
        try c.db.cachedStatement(sql: "UPDATE shipments SET status = 'returned', closed_seq = ? WHERE tracking = ?").execute(arguments: [c.seq, tracking])
    }

    func shipmentLost(_ c: Context, _ b: ShipmentLost) throws {
        let (tracking, _) = try openShipment(c, b.tracking)
        try c.db.cachedStatement(sql: "UPDATE shipments SET status = 'lost', closed_seq = ? WHERE tracking = ?").execute(arguments: [c.seq, tracking])
    }
}
