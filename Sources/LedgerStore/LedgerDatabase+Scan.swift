import GRDB
import GRDBSQLite
import LedgerCore

extension LedgerDatabase {
    /// A read of every entry cut into chunks of consecutive seq numbers, which several connections can
    /// read (and verify) at once; made by `scanPlan`, read by `readChunks`.
    ///
    /// The plan fixes the last seq at its start. Entries and checkpoints are append-only, so every
    /// connection that reads a chunk later sees the same rows for it, whatever was appended since.
    package struct ScanPlan: Sendable {
        /// The number of entries (the last seq + 1), as `size()`.
        package let entries: Int
        /// Chunk `k` holds the seq numbers `bounds[k] ..< bounds[k + 1]`.
        let bounds: [Int]
        /// Stored checkpoints that commit to more entries than there are, in tree-size order.
        package let checkpointsBeyond: [StoredCheckpoint]

        package var chunkCount: Int { bounds.count - 1 }
    }

    /// Plans a read of every entry in chunks of about `chunkSize` rows.
    package func scanPlan(chunkSize: Int) throws -> ScanPlan {
        precondition(chunkSize > 0)
        return try read { db in
            // Two statements: SQLite answers a lone min() or max() from one end of the table, but not both at once.
            let first = try Int.fetchOne(db, sql: "SELECT min(seq) FROM entries")
            let last = try Int.fetchOne(db, sql: "SELECT max(seq) FROM entries")
            let beyond = try Self.checkpoints(db, ((last ?? -1) + 2)...Int.max)
            guard let first, let last else { return ScanPlan(entries: 0, bounds: [0], checkpointsBeyond: beyond) }
            // From seq 0 (or below it, if a row was stored there) to the last: the chunks cover every size a
            // checkpoint may commit to up to the end.
            let start = min(first, 0), end = last + 1
            var bounds: [Int] = []
            if end - start <= Self.denseScanLimit {
                bounds = Array(stride(from: start, to: end, by: chunkSize)) + [end]
            } else {
                // A seq far beyond any real ledger (a damaged or forged row): cut the chunks at the rows
                // that exist instead, so that the chunks stay few and full.
                var n = 0
                let cursor = try Int.fetchCursor(db, sql: "SELECT seq FROM entries ORDER BY seq")
                while let seq = try cursor.next() {
                    if n % chunkSize == 0 { bounds.append(n == 0 ? start : seq) }
                    n += 1
                }
                bounds.append(end)
            }
            return ScanPlan(entries: end, bounds: bounds, checkpointsBeyond: beyond)
        }
    }

    /// Spans of seq numbers up to this are cut into chunks by arithmetic alone.
    static let denseScanLimit = 1 << 36

    /// Reads chunks `chunks` (increasing) of `plan` on one connection, each row straight from its page into
    /// a `LedgerVerifier.Builder`; calls `body` with each chunk's number, its prepared rows and the stored
    /// checkpoints whose tree size falls in it (sizes `lo + 1 ... hi` for seq numbers `lo ..< hi`; the
    /// first chunk also takes any smaller size). Stops when `body` returns false.
    package func readChunks(_ plan: ScanPlan, _ chunks: some Sequence<Int>, options: LedgerVerifier.Options,
                           _ body: (Int, LedgerVerifier.Prepared, [StoredCheckpoint]) throws -> Bool) throws {
        try read { db in
            let statement = try db.makeStatement(sql: "SELECT seq, bytes, leaf_hash FROM entries WHERE seq >= ? AND seq < ? ORDER BY seq")
            let raw = statement.sqliteStatement
            defer { sqlite3_reset(raw) }
            for k in chunks {
                let lo = plan.bounds[k], hi = plan.bounds[k + 1]
                var builder = LedgerVerifier.Builder(options: options, rows: min(hi - lo, 1 << 16))
                sqlite3_reset(raw)
                sqlite3_bind_int64(raw, 1, Int64(lo))
                sqlite3_bind_int64(raw, 2, Int64(hi))
                while true {
                    let rc = sqlite3_step(raw)
                    if rc == SQLITE_DONE { break }
                    guard rc == SQLITE_ROW else {
                        throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
                    }
                    builder.add(seq: Int(sqlite3_column_int64(raw, 0)), bytes: Self.columnBytes(raw, 1), storedLeafHash: Self.columnBytes(raw, 2))
                }
                let checkpoints = try Self.checkpoints(db, (k == 0 ? Int.min : lo + 1)...hi)
                guard try body(k, builder.finish(), checkpoints) else { return }
            }
        }
    }

    /// Column `index` of the current row as bytes in place (valid until the next step); empty for NULL.
    static func columnBytes(_ statement: SQLiteStatement, _ index: CInt) -> UnsafeRawBufferPointer {
        // sqlite3_column_blob first, then sqlite3_column_bytes, as SQLite's documentation asks.
        guard let start = sqlite3_column_blob(statement, index) else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: start, count: Int(sqlite3_column_bytes(statement, index)))
    }
}
