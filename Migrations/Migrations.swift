/// The ledger schema, as the numbered SQL files beside this one.
///
/// Each file is applied once, in order, and recorded in the database
/// (`grdb_migrations`). A released file is never edited: a schema change is a
/// new file with the next number, added at the end of `all`.
public enum LedgerMigrations {
    /// One migration: its identifier (the file name without `.sql`) and its SQL.
    public struct Migration: Sendable {
        public let identifier: String
        public let sql: String
    }

    /// Every migration, in the order it must be applied.
    public static let all: [Migration] = [
        Migration(identifier: "0001_ledger", sql: String(decoding: PackageResources._001_ledger_sql, as: UTF8.self)),
        Migration(identifier: "0002_dispensing", sql: String(decoding: PackageResources._002_dispensing_sql, as: UTF8.self)),
        Migration(identifier: "0003_api_tokens", sql: String(decoding: PackageResources._003_api_tokens_sql, as: UTF8.self)),
        Migration(identifier: "0004_statement_index", sql: String(decoding: PackageResources._004_statement_index_sql, as: UTF8.self)),
        Migration(identifier: "0005_append_order", sql: String(decoding: PackageResources._005_append_order_sql, as: UTF8.self)),
        Migration(identifier: "0006_auth_epoch", sql: String(decoding: PackageResources._006_auth_epoch_sql, as: UTF8.self)),
        Migration(identifier: "0007_state_seal", sql: String(decoding: PackageResources._007_state_seal_sql, as: UTF8.self)),
        Migration(identifier: "0008_supervised_dosing", sql: String(decoding: PackageResources._008_supervised_dosing_sql, as: UTF8.self)),
        Migration(identifier: "0009_cosignatures", sql: String(decoding: PackageResources._009_cosignatures_sql, as: UTF8.self)),
        Migration(identifier: "0010_token_scope", sql: String(decoding: PackageResources._010_token_scope_sql, as: UTF8.self)),
        Migration(identifier: "0011_shipments_by_status", sql: String(decoding: PackageResources._011_shipments_by_status_sql, as: UTF8.self)),
    ]
}
