import Foundation
import GRDB
import GRDBSQLite

/// One of the connection's cached prepared statements, with values bound straight through SQLite's C
/// interface. The append path runs about ten statements per entry; GRDB's generic arguments (an array of
/// boxed values per call, a `Data` per blob, a `Row` per result) cost more than SQLite's own work for
/// those one-row statements. Same SQL, same errors (`DatabaseError`), same transaction.
///
/// Bind parameters are numbered from 1, as in SQL. Every use ends with the statement reset and its
/// bindings cleared, so GRDB can use the same cached statement afterwards.
package struct BoundStatement {
    private let db: Database
    private let handle: OpaquePointer
    /// SQLite copies bound text and blobs at once (`SQLITE_TRANSIENT`), so buffers may go away after binding.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    /// The cached statement for `sql` on `db` (prepared once per connection).
    package init(_ db: Database, _ sql: String) throws {
        self.db = db
        self.handle = try db.cachedStatement(sql: sql).sqliteStatement
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    package func bind(_ index: Int32, _ value: Int) {
        sqlite3_bind_int64(handle, index, Int64(value))
    }

    package func bind(_ index: Int32, _ value: Int64) {
        sqlite3_bind_int64(handle, index, value)
    }

    package func bind(_ index: Int32, _ text: String) {
        var text = text
        text.withUTF8 { u in
            u.withMemoryRebound(to: CChar.self) { c in
                // An empty string still needs a non-null pointer, or SQLite stores NULL.
                if let base = c.baseAddress {
                    _ = sqlite3_bind_text(handle, index, base, Int32(c.count), Self.transient)
                } else {
                    _ = sqlite3_bind_text(handle, index, "", 0, Self.transient)
                }
            }
        }
    }

    package func bind(_ index: Int32, blob: UnsafeRawBufferPointer) {
        // A zero-length blob still needs a non-null pointer, or SQLite stores NULL.
        let empty: [UInt8] = [0]
        _ = empty.withUnsafeBytes { e in
            sqlite3_bind_blob(handle, index, blob.baseAddress ?? e.baseAddress, Int32(blob.count), Self.transient)
        }
    }

    package func bind(_ index: Int32, blob: [UInt8]) {
        blob.withUnsafeBytes { bind(index, blob: $0) }
    }

    /// Runs an INSERT, UPDATE or DELETE to completion.
    package func run() throws {
        defer { finish() }
        var rc = sqlite3_step(handle)
        while rc == SQLITE_ROW { rc = sqlite3_step(handle) }
        guard rc == SQLITE_DONE else { throw error(rc) }
    }

    /// Steps to the first row and hands it to `read` (columns numbered from 0); nil when there is none.
    package func firstRow<T>(_ read: (Row) throws -> T) throws -> T? {
        defer { finish() }
        let rc = sqlite3_step(handle)
        if rc == SQLITE_DONE { return nil }
        guard rc == SQLITE_ROW else { throw error(rc) }
        return try read(Row(handle))
    }

    private func finish() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    private func error(_ rc: Int32) -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: rc), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
    }

    /// The current row's columns, read without copying into GRDB values.
    package struct Row {
        fileprivate let handle: OpaquePointer
        fileprivate init(_ handle: OpaquePointer) { self.handle = handle }

        package func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }

        package func int(_ column: Int32) -> Int { Int(sqlite3_column_int64(handle, column)) }

        package func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }

        /// The column as text (an empty string for NULL).
        package func text(_ column: Int32) -> String {
            guard let p = sqlite3_column_text(handle, column) else { return "" }
            let n = Int(sqlite3_column_bytes(handle, column))
            return String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
        }
    }
}
