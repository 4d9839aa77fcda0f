import Foundation
import Testing
@testable import CSLedgerKit
@testable import LedgerCore
@testable import LedgerStore

/// A ledger built through the CLI in a temporary folder: facility (admin), pharmacist, witness keys.
///
/// `make(backend)` puts the ledger in either store (see `Backend`): on a file, `ledger.sqlite` in the folder (origin
/// test.example.org/ledger); in PostgreSQL, a ledger of its own origin in the test server's database, reached with
/// `$CSLEDGER_LEDGER` and a mirror in the folder. `csledger` runs commands against it either way.
final class CLILedger {
    let dir: TempDir
    let place: LedgerPlace
    var root: URL { dir.url }
    /// The ledger file (on the file backend; the tamper helpers below work on it only).
    var ledgerPath: String { dir.path("ledger.sqlite") }
    var origin: String { place.origin }
    static let dea = "BD1234563"
    static let fileOrigin = "test.example.org/ledger"

    /// A ledger file.
    convenience init(entries: Int = 0) throws {
        let dir = try TempDir()
        try self.init(dir: dir, place: try #require(Backend.file.place(in: dir, origin: Self.fileOrigin)), entries: entries)
    }

    /// A ledger in `backend`'s store; nil when that is PostgreSQL and no server is there (after a SKIPPED line).
    static func make(_ backend: Backend, entries: Int = 0) throws -> CLILedger? {
        let dir = try TempDir()
        let origin = backend == .file ? fileOrigin : TestPostgres.uniqueOrigin("cli")
        guard let place = backend.place(in: dir, origin: origin) else { return nil }
        return try CLILedger(dir: dir, place: place, entries: entries)
    }

    private init(dir: TempDir, place: LedgerPlace, entries: Int) throws {
        self.dir = dir
        self.place = place
        for name in ["facility", "pharmacist", "witness"] {
            let r = try CLI.csledger(["keys", "generate", name], in: dir.url)
            #expect(r.status == 0, "keys generate: \(r.stderr)")
        }
        let r = try CLI.csledger(["init", "--origin", place.origin, "--facility-name", "Test Clinic",
                                  "--dea-number", Self.dea, "--key", "Keys/facility.pem"], in: dir.url, env: place.env)
        #expect(r.status == 0, "init: \(r.stderr)")
        try enroll("pharmacist", role: "pharmacist")
        try enroll("witness", role: "witness")
        if entries > 0 {
            let a = try CLI.csledger(["append", "--type", "test.note", "--body", #"{"text":"hello"}"#,
                                      "--key", "Keys/facility.pem", "--repeat", String(entries)], in: dir.url, env: place.env)
            #expect(a.status == 0, "append: \(a.stderr)")
        }
    }

    func enroll(_ name: String, role: String) throws {
        let r = try CLI.csledger(["actor", "enroll", "--name", name.capitalized, "--role", role,
                                  "--public-key", "Keys/\(name).pub.pem", "--key", "Keys/facility.pem"], in: dir.url, env: place.env)
        #expect(r.status == 0, "enroll \(name): \(r.stderr)")
    }

    @discardableResult
    func csledger(_ args: [String]) throws -> CLI.Result { try CLI.csledger(args, in: dir.url, env: place.env) }

    /// The number of entries (the file's, or PostgreSQL's).
    func size() throws -> Int { try place.size() }

    /// Runs SQL against the ledger file with the sqlite3 binary, as an attacker with file access would.
    @discardableResult
    func sqlite(_ sql: String) throws -> CLI.Result {
        let r = try CLI.run("sqlite3", [ledgerPath], in: dir.url, stdin: Data(sql.utf8))
        return r
    }

    /// Drops the append-only triggers (anyone with the file can).
    func dropTriggers() throws {
        let r = try sqlite("""
            DROP TRIGGER entries_append_only_update; DROP TRIGGER entries_append_only_delete;
            DROP TRIGGER merkle_tree_append_only_update; DROP TRIGGER merkle_tree_append_only_delete;
            DROP TRIGGER checkpoints_append_only_update; DROP TRIGGER checkpoints_append_only_delete;
            """)
        #expect(r.status == 0, "drop triggers: \(r.stderr)")
    }

    func key(_ name: String) throws -> SignerKey { try KeyFiles.loadPrivateKey(path: dir.path("Keys/\(name).pem")) }

    func checkpoint() throws -> String { try csledger(["checkpoint"]).stdout }

    /// `verify --json` parsed: (exit status, failures as (seq, tree_size, code)).
    func verify(_ extra: [String] = []) throws -> (status: Int32, failures: [(seq: Int?, size: Int?, code: String)], json: JSONValue) {
        let r = try csledger(["verify", "--json"] + extra)
        let json = try JSONParser.parse(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        let failures = (json["failures"]?.arrayValue ?? []).map { f in
            (seq: f["seq"]?.integerValue, size: f["tree_size"]?.integerValue, code: f["code"]?.stringValue ?? "")
        }
        return (r.status, failures, json)
    }

    /// Builds a well-formed entry at the end of the ledger signed by `key` (which the ledger may not accept),
    /// and inserts it with sqlite3 behind csledger's back.
    func forgeEntry(signedBy key: SignerKey) throws -> Int {
        let db = try LedgerDatabase.open(path: ledgerPath, readOnly: true)
        let size = try db.size()
        let prevBytes = try #require(try db.entryBytes(size - 1))
        let prevEntry = try Entry.decode(canonicalBytes: prevBytes)
        let statement = try Statement(type: "test.note", time: prevEntry.logged, actor: key.keyID, log: try db.meta("origin"), body: ["text": "forged"])
        let entry = Entry(seq: size, prev: MerkleTree.leafHash(prevBytes), logged: prevEntry.logged.adding(milliseconds: 1),
                          signed: try SignedStatement(statement: statement, actorKey: key))
        let bytes = entry.canonicalBytes
        let leaf = MerkleTree.leafHash(bytes)
        let r = try sqlite("""
            INSERT INTO entries (seq, bytes, leaf_hash, type, actor, time, logged) VALUES
            (\(size), X'\(Hex.encode(bytes))', X'\(leaf.hex)', 'test.note', '\(key.keyID.hex)', '\(statement.time)', '\(entry.logged)');
            """)
        #expect(r.status == 0, "forge: \(r.stderr)")
        return size
    }
}
