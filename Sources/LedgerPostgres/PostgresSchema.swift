import Foundation
import LedgerCore
import PostgresNIO

/// The numbered SQL files in `Migrations/` (never edited once released: add the next number), applied in order,
/// each in the transaction that records it in `csledger_migrations`. Several processes starting at once take
/// turns on an advisory lock.
enum PostgresSchema {
    static let migrations: [(name: String, sql: String)] = [
        ("0001_ledgers", String(decoding: PackageResources._001_ledgers_sql, as: UTF8.self)),
        ("0002_personal_data", String(decoding: PackageResources._002_personal_data_sql, as: UTF8.self)),
        ("0003_personal_data_order", String(decoding: PackageResources._003_personal_data_order_sql, as: UTF8.self)),
        ("0004_api_tokens", String(decoding: PackageResources._004_api_tokens_sql, as: UTF8.self)),
        ("0005_dashboard_sessions", String(decoding: PackageResources._005_dashboard_sessions_sql, as: UTF8.self)),
    ]

    /// The lock key every csledger process takes while it migrates (any constant; "csledger" in ASCII, truncated).
    static let lockKey = 0x63_73_6c_65_64_67
    /// The first half of each ledger's token lock (`pg_advisory_xact_lock(tokenLockKey, hashtext(origin))`: two 32-bit
    /// keys, a space apart from `lockKey`'s); "tokn" in ASCII.
    static let tokenLockKey: Int32 = 0x74_6f_6b_6e

    static func migrate(_ session: PostgresSession) throws {
        try session.run("BEGIN")
        do {
            try session.run("SELECT pg_advisory_xact_lock(\(lockKey))")
            try session.run("CREATE TABLE IF NOT EXISTS csledger_migrations (name text PRIMARY KEY, applied timestamptz NOT NULL DEFAULT now())")
            let applied = Set(try session.run("SELECT name FROM csledger_migrations").map { try $0.decode(String.self) })
            let known = Set(migrations.map(\.name))
            if let newer = applied.subtracting(known).sorted().last {
                throw LedgerError(.storage, "the PostgreSQL database \(session.address.database) was set up by a newer csledger (schema \(newer)); upgrade csledger to use it")
            }
            for m in migrations where !applied.contains(m.name) {
                for statement in statements(m.sql) { try session.run(PostgresQuery(unsafeSQL: statement)) }
                try session.run("INSERT INTO csledger_migrations (name) VALUES (\(m.name))")
            }
            try session.run("COMMIT")
        } catch {
            _ = try? session.run("ROLLBACK")
            throw error
        }
    }

    /// The statements of a migration file: split at semicolons that end a line (the files hold no other).
    static func statements(_ sql: String) -> [String] {
        sql.components(separatedBy: ";\n").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { statement in statement.split(separator: "\n").contains { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("--") && !$0.trimmingCharacters(in: .whitespaces).isEmpty } }
    }
}
