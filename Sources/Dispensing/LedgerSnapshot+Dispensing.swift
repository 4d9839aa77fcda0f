import GRDB
import LedgerCore
import LedgerStore

/// Scans of the dispensing tables inside one read transaction, row by row in place (for the reconciliation,
/// which reads every movement and count of a long ledger).
extension LedgerSnapshot {
    /// Each lot's unit (`lots`), read in place (the kept reconciliation reads them whenever a lot is received).
    package func lotUnits() throws -> [String: String] {
        var units: [String: String] = [:]
        try RawRows.each(db, "SELECT lot_id, unit FROM lots", []) { row in
            units[String(decoding: row.bytes(0), as: UTF8.self)] = String(decoding: row.bytes(1), as: UTF8.self)
        }
        return units
    }

    /// How many lots the `lots` table holds.
    package func lotCount() throws -> Int {
        var n = 0
        try RawRows.each(db, "SELECT count(*) FROM lots", []) { row in n = row.int(0) }
        return n
    }

    /// The movements of entries with seq in `seqs` and event time up to `asOf` (its canonical text), in seq, lot, kind
    /// order: `body(seq, lotID, kind, micros, time)`, the texts as bytes valid until the next row.
    package func forEachMovement(seqs: Range<Int>, upTo asOf: String,
                                _ body: (Int, UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>, Int64, UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        try RawRows.each(db, "SELECT seq, lot_id, kind, micros, time FROM movements WHERE seq >= ? AND seq < ? AND time <= ? ORDER BY seq, lot_id, kind",
                         [seqs.lowerBound, seqs.upperBound, asOf]) { row in
            try body(row.int(0), row.bytes(1), row.bytes(2), Int64(row.int(3)), row.bytes(4))
        }
    }

    /// The counts recorded by entries with seq in `seqs` and event time up to `asOf`:
    /// `body(seq, lotID, time, expectedMicros, countedMicros)`.
    package func forEachCount(seqs: Range<Int>, upTo asOf: String,
                             _ body: (Int, UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>, Int64, Int64) throws -> Void) throws {
        try RawRows.each(db, "SELECT seq, lot_id, time, expected_micros, counted_micros FROM counts WHERE seq >= ? AND seq < ? AND time <= ?",
                         [seqs.lowerBound, seqs.upperBound, asOf]) { row in
            try body(row.int(0), row.bytes(1), row.bytes(2), Int64(row.int(3)), Int64(row.int(4)))
        }
    }
}
