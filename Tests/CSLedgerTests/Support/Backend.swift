import Foundation
import Testing
@testable import CSLedgerKit
@testable import LedgerCore
@testable import LedgerStore

/// The two stores a ledger can live in. The store-level suites take one as their argument
/// (`@Test(arguments: Backend.allCases)`): each of their tests runs once on a ledger file and once on a ledger in
/// PostgreSQL, with the same body and the same assertions (issue 23, "one suite, two backends").
///
/// Without a PostgreSQL server (`$CSLEDGER_TEST_POSTGRES`, see `TestPostgres`) the PostgreSQL case prints a
/// SKIPPED line and returns; with `CSLEDGER_REQUIRE_POSTGRES=1` (as `.ci/run` sets) it fails instead.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case file
    case postgres

    var testDescription: String { self == .file ? "ledger file" : "PostgreSQL" }

    /// The origin of a test's ledger: `fileOrigin` in a file (as the test always had), and in PostgreSQL one made from
    /// it that no other test uses (one database holds every test's ledgers).
    func origin(_ fileOrigin: String) -> String {
        self == .file ? fileOrigin : TestPostgres.uniqueOrigin(String(fileOrigin.prefix { $0 != "." && $0 != "/" }))
    }

    /// The name the SKIPPED line gives: the running test's.
    static var currentTestName: String { Test.current.map { $0.displayName ?? $0.name } ?? "a store test" }

    /// Where a new ledger with `origin` goes for a test working in `dir`: `dir/ledger.sqlite`, or the ledger `origin` in
    /// the test server's database with its mirror in `dir`. Nil (after the SKIPPED line) when PostgreSQL is not there.
    func place(in dir: TempDir, origin: String) -> LedgerPlace? {
        switch self {
        case .file:
            return LedgerPlace(backend: .file, address: dir.path("ledger.sqlite"), mirror: nil, database: nil, origin: origin)
        case .postgres:
            guard let database = TestPostgres.database(Self.currentTestName) else { return nil }
            return LedgerPlace(backend: .postgres, address: "\(database)?ledger=\(origin)", mirror: dir.path("mirror.sqlite"),
                               database: database, origin: origin)
        }
    }

    /// A place for a copy of the ledger file `file` (whose entries are signed for their origin, so the copy keeps it): the
    /// file itself, or a database of its own on the test server (`TestPostgres.newDatabase`) that `store copy` filled.
    /// With `reuse`, the file is copied into PostgreSQL once per run and each test's database is a clone of that one
    /// (`CREATE DATABASE … TEMPLATE`): a fixture shared by many tests costs one copy.
    func place(copying file: String, in dir: TempDir, reuse: Bool = false) throws -> LedgerPlace? {
        let origin = try Ledger.open(path: file, readOnly: true).origin()
        switch self {
        case .file:
            return LedgerPlace(backend: .file, address: file, mirror: nil, database: nil, origin: origin)
        case .postgres:
            guard let server = TestPostgres.database(Self.currentTestName) else { return nil }
            let database: String
            if reuse {
                let template = try Self.fixtureDatabases.withLock { made in
                    if let known = made[file] { return known }
                    let fresh = try Self.copy(file, into: try TestPostgres.newDatabase(server), in: dir)
                    made[file] = fresh
                    return fresh
                }
                database = try TestPostgres.newDatabase(server, template: template)
            } else {
                database = try Self.copy(file, into: try TestPostgres.newDatabase(server), in: dir)
            }
            return LedgerPlace(backend: .postgres, address: "\(database)?ledger=\(origin)", mirror: dir.path("mirror.sqlite"),
                               database: database, origin: origin, ownsDatabase: true)
        }
    }

    /// Databases holding a fixture file's ledger (by the file's path), made once per run and never opened again:
    /// PostgreSQL clones only a database nobody is connected to.
    private static let fixtureDatabases = Locked<[String: String]>([:])

    private static func copy(_ file: String, into database: String, in dir: TempDir) throws -> String {
        let copied = try CLI.csledger(["store", "copy", "--from", file, "--to", database], in: dir.url, env: ["XDG_CACHE_HOME": dir.path("cache")])
        try #require(copied.status == 0, "store copy: \(copied.stderr)")
        return database
    }
}

/// Where one test's ledger is, and how the built CLI and the library reach it.
struct LedgerPlace {
    let backend: Backend
    /// What `--ledger` (or `$CSLEDGER_LEDGER`) takes: the file's path, or `postgresql://…/DB?ledger=ORIGIN`.
    let address: String
    /// For PostgreSQL, this test's mirror file (`--mirror`, `$CSLEDGER_MIRROR`); nil for a file.
    let mirror: String?
    /// For PostgreSQL, the database's address (`postgresql://USER@HOST:PORT/DB`).
    let database: String?
    let origin: String
    /// The database is the test's own (made for it) and is dropped when the test is done with it.
    var ownsDatabase = false

    /// The environment for the CLI: `$CSLEDGER_LEDGER` and `$CSLEDGER_MIRROR` (a `--ledger` in the arguments wins).
    /// For a file, nothing: commands run in the ledger's folder find `./ledger.sqlite` as a user's do.
    var env: [String: String] {
        guard backend == .postgres, let mirror else { return [:] }
        // A command given another postgresql:// address keeps its mirror in the test's folder too, not in ~/.cache.
        let cache = URL(fileURLWithPath: mirror).deletingLastPathComponent().appendingPathComponent("cache").path
        return ["CSLEDGER_LEDGER": address, "CSLEDGER_MIRROR": mirror, "XDG_CACHE_HOME": cache]
    }

    /// `--ledger ADDRESS` (and `--mirror PATH`), for a command or daemon given its ledger on the command line.
    var arguments: [String] { ["--ledger", address] + (mirror.map { ["--mirror", $0] } ?? []) }

    /// The SQLite file the process answers from: the ledger file itself, or its mirror of PostgreSQL. On PostgreSQL the
    /// tables kept beside the entries for speed (prescriptions, shipments, counts, signers …) exist only in the mirror,
    /// rebuilt there from the entries PostgreSQL holds; tests that read one of them read it there.
    var localFile: String { mirror ?? address }

    /// The files kept beside the ledger (signature images): `<ledger>.files`, beside the mirror for PostgreSQL.
    var filesDirectory: String { localFile + ".files" }

    /// Opens the ledger through the library (for PostgreSQL, through the mirror at `mirror`, default this place's: another
    /// path is another process's view, built from what PostgreSQL holds).
    func open(readOnly: Bool = false, mirror other: String? = nil) throws -> Ledger {
        try Ledger.open(path: address, readOnly: readOnly, mirror: other ?? mirror)
    }

    /// The number of entries the authority holds: the file's, or PostgreSQL's head row.
    func size() throws -> Int {
        guard let database else { return try LedgerDatabase.open(path: address, readOnly: true).size() }
        let r = try TestPostgres.psql(database, "SELECT head_size FROM ledgers WHERE origin = \(TestPostgres.literal(origin))")
        try #require(r.status == 0, "\(r.stderr)")
        return try #require(Int(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), "no ledger \(origin): \(r.stdout)")
    }

    /// The canonical bytes of entry `seq` as the authority holds them (the file's row, or PostgreSQL's).
    func entryBytes(_ seq: Int) throws -> [UInt8] {
        guard let database else { return try #require(try LedgerDatabase.open(path: address, readOnly: true).entryBytes(seq)) }
        let r = try TestPostgres.psql(database, "SELECT encode(bytes, 'hex') FROM entries WHERE origin = \(TestPostgres.literal(origin)) AND seq = \(seq)")
        try #require(r.status == 0, "\(r.stderr)")
        return try #require(Hex.decode(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), "no entry \(seq): \(r.stdout)")
    }

    /// Runs read-only SQL on the personal data kept off the chain, where the authority keeps it: the file's
    /// `personal_data`, or PostgreSQL's (same columns, one more: the origin). Booleans print as 1 and 0 on both.
    func personalData(_ sql: String) throws -> String {
        let r: CLI.Result
        if let database {
            // Only this ledger's rows; PostgreSQL prints booleans as t/f.
            let scoped = "WITH personal_data AS (SELECT * FROM personal_data WHERE origin = \(TestPostgres.literal(origin))) " + sql
            r = try TestPostgres.psql(database, scoped)
            try #require(r.status == 0, "psql: \(r.stderr)")
            return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n", omittingEmptySubsequences: false)
                .map { $0.split(separator: "|", omittingEmptySubsequences: false).map { $0 == "t" ? "1" : $0 == "f" ? "0" : String($0) }.joined(separator: "|") }
                .joined(separator: "\n")
        }
        r = try CLI.run("sqlite3", ["-readonly", address, sql], in: URL(fileURLWithPath: "/"))
        try #require(r.status == 0, "sqlite3: \(r.stderr)")
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Drops the test's own database (best effort; the throwaway cluster goes anyway).
    func release() {
        guard ownsDatabase, let database, let slash = database.lastIndex(of: "/") else { return }
        guard let server = ProcessInfo.processInfo.environment[TestPostgres.variable] else { return }
        _ = try? TestPostgres.psql(server, "DROP DATABASE IF EXISTS \(database[database.index(after: slash)...]) WITH (FORCE)")
    }
}
