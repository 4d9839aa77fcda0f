import Foundation
import Testing
@testable import CSLedgerKit
@testable import LedgerCore
@testable import LedgerStore
import LedgerMigrations

@Suite("Schema migrations")
struct MigrationTests {
    /// Puts a ledger file back the way schema 4 kept it: tree nodes by (level, idx), statement hashes by
    /// hash alone, and 0005 not yet recorded as applied. The old tables and triggers are made by the released
    /// migrations' own SQL (0001 and 0004); the rows are copied over with their old keys.
    static func backToSchema4() throws -> String {
        func released(_ id: String) throws -> String { try #require(LedgerMigrations.all.first { $0.identifier == id }).sql }
        /// The statements of `sql` that start with `prefix` (each ends with ";" at the end of a line).
        func statements(_ sql: String, _ prefixes: [String]) -> String {
            var out: [String] = [], current: [Substring] = []
            for line in sql.split(separator: "\n", omittingEmptySubsequences: false) {
                if current.isEmpty, !prefixes.contains(where: { line.hasPrefix($0) }) { continue }
                current.append(line)
                if line.hasSuffix(";") { out.append(current.joined(separator: "\n")); current = [] }
            }
            return out.joined(separator: "\n")
        }
        let nodes = statements(try released("0001_ledger"), ["CREATE TABLE merkle_nodes", "CREATE TRIGGER merkle_nodes_"])
        let hashes = statements(try released("0004_statement_index"), ["CREATE TABLE statement_hashes"])
        #expect(nodes.contains("PRIMARY KEY (level, idx)") && nodes.contains("merkle_nodes_append_only_delete") && hashes.contains("statement_hashes"))
        return """
            \(nodes)
            INSERT INTO merkle_nodes (level, idx, hash) SELECT level, (ends >> level) - 1, hash FROM merkle_tree;
            DROP TRIGGER merkle_tree_append_only_update;
            DROP TRIGGER merkle_tree_append_only_delete;
            DROP TABLE merkle_tree;
            \(hashes)
            INSERT INTO statement_hashes (hash, seq) SELECT hash, seq FROM statement_index;
            DROP TABLE statement_index;
            DELETE FROM grdb_migrations WHERE identifier = '0005_append_order';
            """
    }

    @Test("a schema-4 ledger opened for writing moves to schema 5: the same proofs, duplicates still refused, appends and verification as before")
    func schema4To5() throws {
        let l = try CLILedger(entries: 40)
        let before = try Ledger.open(path: l.ledgerPath, readOnly: true)
        let size = try before.database.size()
        let proofs = try (0..<size).map { try before.inclusionProof(seq: $0).serialized }
        let consistency = try (1...size).map { try before.consistencyProof(oldSize: $0).path }
        let nodes = try before.database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM merkle_tree") }

        let rewound = try l.sqlite(try Self.backToSchema4())
        #expect(rewound.status == 0, "\(rewound.stderr)")
        // Read-only commands refuse a file that needs the upgrade, and say how to get it.
        let refused = try l.csledger(["verify"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("run `csledger migrate`"), "\(refused.stderr)")
        let migrated = try l.csledger(["migrate"])
        #expect(migrated.status == 0, "\(migrated.stderr)")
        #expect(migrated.stderr.contains("upgrading the ledger file's schema first (0005_append_order)"), "\(migrated.stderr)")
        #expect(migrated.stdout.hasPrefix("applied 0005_append_order in "), "\(migrated.stdout)")
        #expect(try l.csledger(["migrate"]).stdout.contains("up to date"))

        let ledger = try Ledger.open(path: l.ledgerPath)
        let moved = try ledger.database.read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM merkle_tree"),
             try Int.fetchOne(db, sql: "SELECT count(*) FROM statement_index"),
             try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master WHERE name IN ('merkle_nodes', 'statement_hashes')"))
        }
        #expect(moved.0 == nodes)
        #expect(moved.1 == size)
        #expect(moved.2 == 0)
        #expect(try (0..<size).map { try ledger.inclusionProof(seq: $0).serialized } == proofs)
        #expect(try (1...size).map { try ledger.consistencyProof(oldSize: $0).path } == consistency)

        // A statement already in the ledger is still refused, found through the new index.
        let facility = try l.key("facility")
        let tenth = try Entry.decode(canonicalBytes: try #require(try ledger.database.entryBytes(10)))
        #expect {
            try ledger.append([tenth.signed], facilityKey: facility)
        } throws: { error in
            (error as? LedgerError)?.message.contains("already in the ledger at seq 10") == true
        }
        // Appends after the move extend the same tree, and the whole ledger verifies.
        let appended = try ledger.record(type: "test.note", body: ["after": "migration"], key: facility, facilityKey: facility)
        #expect(appended.entry.seq == size)
        let proof = try ledger.inclusionProof(seq: size)
        #expect(proof.path.count > 0)
        let v = try l.verify()
        #expect(v.status == 0, "\(v.failures)")
        #expect(v.json["entries"]?.integerValue == size + 1)
    }
}
