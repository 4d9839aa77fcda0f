import GRDB
import GRDBSQLite

/// Steps through the rows of a query with SQLite's C interface, for the loops over a million rows
/// where decoding each column through GRDB's `Row` costs more than the work done with it.
/// The modules that own a table run their SQL through it (`LedgerSnapshot`); their callers see only
/// typed callbacks.
package struct RawRows {
    private let statement: OpaquePointer

    /// Runs `sql` with `arguments` in `db` and calls `body` with each row.
    package static func each(_ db: Database, _ sql: String, _ arguments: StatementArguments, _ body: (RawRows) throws -> Void) throws {
        let statement = try db.makeStatement(sql: sql)
        try statement.setArguments(arguments)
        let s = statement.sqliteStatement
        defer { sqlite3_reset(s) }
        while true {
            let code = sqlite3_step(s)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: sql)
            }
            try body(RawRows(statement: s))
        }
    }

    package func int(_ column: Int32) -> Int { Int(sqlite3_column_int64(statement, column)) }

    package func isNull(_ column: Int32) -> Bool { sqlite3_column_type(statement, column) == SQLITE_NULL }

    /// The bytes of a text or blob column, valid until the next row.
    package func bytes(_ column: Int32) -> UnsafeBufferPointer<UInt8> {
        // The pointer first, then the size (SQLite's documented order).
        let p = sqlite3_column_blob(statement, column)
        let count = Int(sqlite3_column_bytes(statement, column))
        guard count > 0, let p else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: p.assumingMemoryBound(to: UInt8.self), count: count)
    }
}
