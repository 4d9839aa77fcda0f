import Foundation
import GRDB
import LedgerCore

extension DispensingProjection {
    func ship(_ c: Context, _ r: BodyReader) throws {
        let carrier = try r.string("carrier", max: 60)
        _ = try r.string("service", max: 60)
        let tracking = try r.string("tracking", max: 60)
        let adult = try r.bool("adult_signature_required")
        if !adult, r.body["override_reason"]?.stringValue?.isEmpty ?? true {
            throw r.error("adult_signature_required", "must be true: a controlled substance goes to the patient's home only with Adult Signature Required")
        }
        if try String.fetchOne(c.db.cachedStatement(sql: "SELECT tracking FROM shipments WHERE tracking = ?"), arguments: [tracking]) != nil {
            throw r.error("tracking", "\(tracking) is already recorded for another shipment")
        }
        for f in try r.objects("fills", max: 20) {
            let rx = try f.string("rx_number", max: 40)
            let n = try f.integer("fill_number", 1...6)
            guard let row = try Row.fetchOne(c.db.cachedStatement(sql: "SELECT shipment, patient_ref FROM fills WHERE rx_number = ? AND fill_number = ?"), arguments: [rx, n]) else {
                throw f.error("fill_number", "matches no fill of prescription \(rx)")
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
            """).execute(arguments: [tracking, carrier, c.seq, c.time.description, adult])
    }

    /// True when parcel `tracking` came back (`shipment.returned`) with disposition `restock`.
    static func restockedReturn(_ c: Context, tracking: String) throws -> Bool {
        try String.fetchOne(c.db.cachedStatement(sql: """
            SELECT json_extract(CAST(e.bytes AS TEXT), '$.statement.body.disposition') FROM shipments s JOIN entries e ON e.seq = s.closed_seq
            WHERE s.tracking = ? AND s.status = 'returned'
            """), arguments: [tracking]) == "restock"
    }

    /// The shipment named by `tracking`, which must still be in transit.
    func openShipment(_ c: Context, _ r: BodyReader) throws -> (tracking: String, sent: Timestamp) {
        let tracking = try r.string("tracking", max: 60)
        guard let row = try Row.fetchOne(c.db.cachedStatement(sql: "SELECT status, sent_time FROM shipments WHERE tracking = ?"), arguments: [tracking]) else {
            throw r.error("tracking", "\(tracking) matches no shipment")
        }
        let status: String = row[0]
        guard status == "in_transit" else { throw c.fail("shipment \(tracking) is already \(status.replacingOccurrences(of: "_", with: " "))") }
        return (tracking, Timestamp(row[1] as String) ?? c.time)
    }

    func deliver(_ c: Context, _ r: BodyReader) throws {
        let (tracking, sent) = try openShipment(c, r)
        let delivered = try r.time("delivered")
        guard delivered >= sent else { throw r.error("delivered", "is before the parcel was shipped") }
        guard delivered <= c.time.adding(milliseconds: 300_000) else { throw r.error("delivered", "is in the future") }
        _ = try patient(c, r, key: "signer", kind: "delivery_signer")
        _ = try r.bool("age_verified")
        _ = try r.oneOf("id_type", ["drivers_license", "state_id", "passport", "military_id", "other", "none"])
        _ = try r.hex64("signature_image_sha256")
        try c.db.cachedStatement(sql: "UPDATE shipments SET status = 'delivered', closed_seq = ? WHERE tracking = ?").execute(arguments: [c.seq, tracking])
    }

    func returned(_ c: Context, _ r: BodyReader) throws {
        let (tracking, _) = try openShipment(c, r)
        _ = try r.oneOf("disposition", ["restock", "quarantine"])
        _ = try r.string("reason", max: 300)
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

    func shipmentLost(_ c: Context, _ r: BodyReader) throws {
        let (tracking, _) = try openShipment(c, r)
        _ = try r.string("reason", max: 300)
        try c.db.cachedStatement(sql: "UPDATE shipments SET status = 'lost', closed_seq = ? WHERE tracking = ?").execute(arguments: [c.seq, tracking])
    }
}
