import Foundation
import GRDB
import Testing
@testable import CSLedgerKit
@testable import LedgerCore
@testable import LedgerStore

@Suite("The derived tables' digest is the bytes its definition gives")
struct DerivedDigestTests {
    /// A seal signs `LedgerDatabase.derivedDigest`, defined byte by byte: each table's name, then each value as
    /// a type byte, an 8-byte length and its bytes (integers and floats as 8 big-endian bytes). Seals written
    /// by earlier builds must still vouch for their tables, so the writer (values put in place into a fixed
    /// buffer) must give exactly those bytes. Here they are made again from GRDB's values, on a dispensing
    /// ledger with one more table (every table not listed as not derived is covered) holding each SQLite
    /// type, empty and non-ASCII text, an empty blob and a blob larger than the writer's buffer.
    @Test func digestIsTheDefinedBytes() throws {
        let l = try KeylessAttackerTests.richLedger()
        let queue = try DatabaseQueue(path: l.ledgerPath)
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE z_digest_probe (k INTEGER PRIMARY KEY, i INTEGER, f REAL, t TEXT, b BLOB)")
            try db.execute(sql: "INSERT INTO z_digest_probe VALUES (3, 9223372036854775807, -0.0, 'x', ?), (1, -5, 2.5, 'é ∑', ?), (2, NULL, NULL, '', zeroblob(0))",
                           arguments: [Data((0..<200_000).map { UInt8($0 % 251) }), Data(repeating: 7, count: 3)])
        }
        try queue.close()
        let database = try LedgerDatabase.open(path: l.ledgerPath, readOnly: true)
        defer { try? database.close() }
        let defined: Hash = try database.read { db in
            func length(_ n: Int) -> [UInt8] { withUnsafeBytes(of: UInt64(n).bigEndian, Array.init) }
            var bytes: [UInt8] = []
            var probed = false
            for table in try LedgerDatabase.derivedTables(db) {
                probed = probed || table.name == "z_digest_probe"
                bytes += Array("table \(table.name)\n".utf8)
                let sql = table.select() + " ORDER BY " + table.key.map { "\"\($0)\"" }.joined(separator: ", ")
                for row in try Row.fetchAll(db, sql: sql) {
                    for value in row.databaseValues {
                        switch value.storage {
                        case .null: bytes.append(5)
                        case .int64(let i): bytes += [1] + withUnsafeBytes(of: i.bigEndian, Array.init)
                        case .double(let d): bytes += [2] + withUnsafeBytes(of: d.bitPattern.bigEndian, Array.init)
                        case .string(let s): bytes += [3] + length(s.utf8.count) + Array(s.utf8)
                        case .blob(let d): bytes += [4] + length(d.count) + Array(d)
                        }
                    }
                }
            }
            #expect(probed)
            #expect(bytes.count > 200_000)
            return Hash.sha256(bytes)
        }
        #expect(try database.derivedDigest() == defined)
    }
}
