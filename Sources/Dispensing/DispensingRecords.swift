import GRDB
import LedgerCore
import LedgerStore

/// Typed reads of the tables the dispensing projection keeps, for pages and reports above this module (the
/// SQL stays here, beside the projection that writes them). Callers check the ledger's integrity first.
public enum DispensingRecords {
    /// One stock movement of a lot (`movements`): signed micro-units, at its event time.
    public struct Movement: Sendable {
        public let seq: Int
        public let kind: String
        public let micros: Int64
        public let time: Timestamp
    }

    /// One physical count of a lot (`counts`).
    public struct Count: Sendable {
        public let seq: Int
        public let time: Timestamp
        public let expectedMicros: Int64
        public let countedMicros: Int64
    }

    /// One parcel (`shipments`).
    public struct Shipment: Sendable {
        public let tracking: String
        public let carrier: String
        public let sentSeq: Int
        public let sent: Timestamp
        public let adultSignature: Bool
        public let status: String
        public let closedSeq: Int?
    }

    /// A lot's movements and counts with event time up to `asOf` (all when nil), in event-time then seq order,
    /// read in one transaction so the two agree.
    public static func lotHistory(_ database: LedgerDatabase, lotID: String, asOf: Timestamp?) throws -> (movements: [Movement], counts: [Count]) {
        let limit = asOf?.description ?? "9999"
        return try database.read { db in
            let moves = try Row.fetchAll(db, sql: "SELECT seq, kind, micros, time FROM movements WHERE lot_id = ? AND time <= ? ORDER BY time, seq",
                                         arguments: [lotID, limit]).compactMap { row -> Movement? in
                guard let t = Timestamp(row["time"] as String) else { return nil }
                return Movement(seq: row["seq"], kind: row["kind"], micros: row["micros"], time: t)
            }
            let counts = try Row.fetchAll(db, sql: "SELECT seq, time, expected_micros, counted_micros FROM counts WHERE lot_id = ? AND time <= ? ORDER BY time, seq",
                                          arguments: [lotID, limit]).compactMap { row -> Count? in
                guard let t = Timestamp(row["time"] as String) else { return nil }
                return Count(seq: row["seq"], time: t, expectedMicros: row["expected_micros"], countedMicros: row["counted_micros"])
            }
            return (moves, counts)
        }
    }

    /// Every parcel, latest sent first.
    public static func shipments(_ database: LedgerDatabase) throws -> [Shipment] {
        try database.read { db in
            try Row.fetchAll(db, sql: "SELECT tracking, carrier, sent_seq, sent_time, adult_signature, status, closed_seq FROM shipments ORDER BY sent_time DESC")
                .map { row in
                    Shipment(tracking: row["tracking"], carrier: row["carrier"], sentSeq: row["sent_seq"],
                             sent: Timestamp(row["sent_time"] as String) ?? Timestamp(millisecondsSinceEpoch: 0),
                             adultSignature: (row["adult_signature"] as Int) != 0, status: row["status"], closedSeq: row["closed_seq"])
                }
        }
    }
}
