import Foundation
import Testing
@testable import CSLedgerKit
@testable import LedgerCore
@testable import LedgerStore
import Simulation

/// A ledger in PostgreSQL, through the built CLI and a real server (`TestPostgres`).
@Suite("PostgreSQL store", .serialized)
struct PostgresStoreTests {
    /// A folder with keys and a CLI that reaches `ledger` with its mirror in `cache` (XDG_CACHE_HOME).
    struct Site {
        let dir: TempDir
        let database: String
        let origin: String
        var ledger: String { "\(database)?ledger=\(origin)" }

        init(database: String, label: String) throws {
            dir = try TempDir()
            self.database = database
            origin = TestPostgres.uniqueOrigin(label)
            for name in ["facility", "pharmacist"] {
                try #require(try CLI.csledger(["keys", "generate", name], in: dir.url).status == 0)
            }
        }

        /// Runs csledger with `--ledger` the PostgreSQL address and the mirror in the cache folder `cache`.
        @discardableResult
        func run(_ args: [String], cache: String = "cache") throws -> CLI.Result {
            try CLI.csledger(args + ["--ledger", ledger], in: dir.url, env: ["XDG_CACHE_HOME": dir.path(cache)])
        }

        @discardableResult
        func ok(_ args: [String], cache: String = "cache") throws -> CLI.Result {
            let r = try run(args, cache: cache)
            try #require(r.status == 0, "csledger \(args.prefix(2).joined(separator: " ")): \(r.stderr)")
            return r
        }

        func create(notes: Int) throws {
            try ok(["init", "--origin", origin, "--facility-name", "PG Clinic", "--dea-number", "BD1234563", "--key", "Keys/facility.pem"])
            try ok(["actor", "enroll", "--name", "Pat Pharmacist", "--role", "pharmacist", "--public-key", "Keys/pharmacist.pub.pem",
                    "--key", "Keys/facility.pem"])
            if notes > 0 {
                try ok(["append", "--type", "test.note", "--body", #"{"text":"hello"}"#, "--key", "Keys/facility.pem", "--repeat", String(notes)])
            }
        }

        /// The rows PostgreSQL holds: (seq, bytes, leaf hash) by seq.
        func entryRows() throws -> [(seq: Int, bytes: [UInt8], leaf: [UInt8])] {
            let r = try TestPostgres.psql(database, "SELECT seq, encode(bytes, 'hex'), encode(leaf_hash, 'hex') FROM entries WHERE origin = \(TestPostgres.literal(origin)) ORDER BY seq")
            try #require(r.status == 0, "\(r.stderr)")
            return try r.stdout.split(separator: "\n").map { line in
                let f = line.split(separator: "|")
                return (Int(f[0])!, Hex.decode(String(f[1])) ?? [], Hex.decode(String(f[2])) ?? [])
            }
        }

        /// `verify --json`; `chunk` makes a new mirror take PostgreSQL's rows in pieces of about that many entries.
        func verifyJSON(cache: String = "cache", chunk: Int? = nil) throws -> (status: Int32, json: JSONValue?, stderr: String) {
            var env = ["XDG_CACHE_HOME": dir.path(cache)]
            if let chunk { env["CSLEDGER_PG_PULL_CHUNK"] = String(chunk) }
            let r = try CLI.csledger(["verify", "--json", "--ledger", ledger], in: dir.url, env: env)
            return (r.status, try? JSONParser.parse(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), r.stderr)
        }
    }

    @Test("init, enrol, record, verify and prove on a postgresql:// ledger; PostgreSQL's rows are the SQLite format's (leaf hashes, root); a second process builds its mirror from them and agrees")
    func initRecordVerifyProve() throws {
        guard let database = TestPostgres.database("init, record, verify, prove") else { return }
        let site = try Site(database: database, label: "basic")
        try site.create(notes: 5)

        let verify = try site.verifyJSON()
        try #require(verify.status == 0, "verify: \(verify.stderr)")
        #expect(verify.json?["ok"] == .bool(true))
        #expect(verify.json?["entries"]?.integerValue == 7)
        let root = try #require(verify.json?["root"]?.stringValue)

        // PostgreSQL holds every entry, each with the RFC 9162 leaf hash of its bytes, and the root the checkpoint signs.
        let rows = try site.entryRows()
        #expect(rows.map(\.seq) == Array(0..<7))
        for row in rows { #expect(MerkleTree.leafHash(row.bytes).bytes == row.leaf, "seq \(row.seq): leaf hash") }
        #expect(MerkleTree.root(leaves: rows.map { MerkleTree.leafHash($0.bytes) }).base64 == root)
        let head = try TestPostgres.psql(database, "SELECT head_size, encode(head_root, 'base64') FROM ledgers WHERE origin = \(TestPostgres.literal(site.origin))")
        #expect(head.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "7|\(root)")
        let checkpoint = try site.ok(["checkpoint"]).stdout
        let stored = try TestPostgres.psql(database, "SELECT note FROM checkpoints WHERE origin = \(TestPostgres.literal(site.origin)) AND size = 7")
        #expect(stored.stdout == checkpoint + "\n", "PostgreSQL's latest checkpoint is the one csledger prints")

        // The mirror is an ordinary ledger file: the file verifies on its own, with the same root.
        let mirrors = try FileManager.default.contentsOfDirectory(atPath: site.dir.path("cache/csledger")).filter { $0.hasSuffix(".sqlite") }
        try #require(mirrors.count == 1, "\(mirrors)")
        let asFile = try CLI.csledger(["verify", "--json", "--ledger", site.dir.path("cache/csledger/\(mirrors[0])")], in: site.dir.url)
        #expect(asFile.status == 0, "\(asFile.stdout)")
        #expect(try JSONParser.parse(asFile.stdout.trimmingCharacters(in: .whitespacesAndNewlines))["root"]?.stringValue == root)

        // Proofs come from the mirror and check against the checkpoint.
        let proof = try JSONParser.parse(try site.ok(["prove", "inclusion", "3", "--json"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(proof["leaf_index"]?.integerValue == 3 && proof["tree_size"]?.integerValue == 7)
        let path = (proof["path"]?.arrayValue ?? []).compactMap { $0.stringValue.flatMap { Data(base64Encoded: $0) }.flatMap { Hash(bytes: $0) } }
        #expect(MerkleTree.rootFromInclusionProof(leaf: MerkleTree.leafHash(rows[3].bytes), index: 3, size: 7, proof: path)?.base64 == root)

        // Another process (another cache) builds its mirror from PostgreSQL, checks it, agrees, and appends after.
        let other = try site.verifyJSON(cache: "cache2")
        #expect(other.status == 0, "\(other.stderr)")
        #expect(other.json?["root"]?.stringValue == root)
        try site.ok(["append", "--type", "test.note", "--body", #"{"text":"from the second process"}"#, "--key", "Keys/facility.pem"], cache: "cache2")
        // ... and the first process's mirror catches up.
        let again = try site.verifyJSON()
        #expect(again.status == 0 && again.json?["entries"]?.integerValue == 8, "\(again.stderr)")

        // A second init of the same ledger is refused, and nothing changes.
        let twice = try site.run(["init", "--origin", site.origin, "--facility-name", "PG Clinic", "--dea-number", "BD1234563", "--key", "Keys/facility.pem"],
                                 cache: "cache3")
        #expect(twice.status == 3 && twice.stderr.contains("already holds"), "\(twice.stderr)")
        #expect(try site.entryRows().count == 8)
    }

    @Test("a row changed, removed or forged in PostgreSQL by someone with write access (psql) is found by verify, and no append signs over it")
    func tamperedRowsAreFound() throws {
        guard let database = TestPostgres.database("tampered rows") else { return }
        let site = try Site(database: database, label: "tamper")
        try site.create(notes: 4)
        let clean = try site.verifyJSON()
        try #require(clean.status == 0, "\(clean.stderr)")
        let o = TestPostgres.literal(site.origin)

        // One byte of entry 3's statement changed; the leaf hash recomputed so only the signature can tell.
        let changed = try TestPostgres.psql(database, """
            UPDATE entries SET bytes = overlay(bytes placing convert_to('X', 'UTF8') from length(bytes) - 20 for 1) WHERE origin = \(o) AND seq = 3;
            UPDATE entries SET leaf_hash = sha256('\\x00'::bytea || bytes) WHERE origin = \(o) AND seq = 3;
            """)
        try #require(changed.status == 0, "\(changed.stderr)")
        // A process with no mirror verifies the rows where they lie: entry 3's signature no longer holds.
        let fresh = try site.run(["verify", "--json"], cache: "fresh")
        #expect(fresh.status == 1, "\(fresh.stdout)\(fresh.stderr)")
        let failures = (try? JSONParser.parse(fresh.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))?["failures"]?.arrayValue ?? []
        #expect(failures.contains { $0["seq"]?.integerValue == 3 }, "\(fresh.stdout)")
        #expect(!FileManager.default.fileExists(atPath: site.dir.path("fresh/csledger")), "verify built no mirror")
        // A process building its mirror from PostgreSQL refuses the row.
        let building = try site.run(["inventory"], cache: "fresh-mirror")
        #expect(building.status != 0, "\(building.stdout)\(building.stderr)")
        #expect(building.stderr.contains("entry 3"), "\(building.stderr)")
        // The process that checked the row before compares PostgreSQL's rows with its mirror.
        let known = try site.run(["verify"])
        #expect(known.status == 1, "\(known.stdout)\(known.stderr)")
        #expect(known.stderr.contains("entry 3"), "\(known.stderr)")
        // No append signs a checkpoint over it from a fresh mirror.
        let append = try site.run(["append", "--type", "test.note", "--body", #"{"text":"after"}"#, "--key", "Keys/facility.pem"], cache: "fresh2")
        #expect(append.status != 0)
        #expect(try site.entryRows().count == 6)
    }

    @Test("a group commit stores in PostgreSQL only personal data rows it has not stored before: a mirror built from PostgreSQL sends none back, and appends after a patient was added send it once at most")
    func personalDataHandedOverOnce() throws {
        guard let server = TestPostgres.database("personal data once") else { return }
        // A database of its own: the number PostgreSQL gives each stored row (even one refused as already there) is the test.
        let database = try TestPostgres.newDatabase(server)
        let site = try Site(database: database, label: "people")
        try site.create(notes: 1)
        try site.ok(["patient", "add", "--name", "Ann Example", "--address", "1 Elm St", "--dob", "1980-01-01"])
        try site.ok(["patient", "add", "--name", "Bob Example", "--address", "2 Elm St", "--dob", "1981-02-02"])
        func stored() throws -> Int {
            let r = try TestPostgres.psql(database, "SELECT last_value FROM personal_data_stored_seq")
            try #require(r.status == 0, "\(r.stderr)")
            return try #require(Int(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        }
        let people = try TestPostgres.psql(database, "SELECT count(*) FROM personal_data WHERE origin = \(TestPostgres.literal(site.origin))")
        #expect(people.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "2", "\(people.stdout)")
        // The mirror that added them: its first append may send them again (refused there as already stored), no later one.
        try site.ok(["append", "--type", "test.note", "--body", #"{"text":"one"}"#, "--key", "Keys/facility.pem"])
        let afterFirst = try stored()
        #expect(afterFirst <= 4)
        try site.ok(["append", "--type", "test.note", "--body", #"{"text":"two"}"#, "--key", "Keys/facility.pem", "--repeat", "3"])
        #expect(try stored() == afterFirst, "a later group commit sent personal data rows again")
        // A mirror built from PostgreSQL (it takes both rows) sends none of them back.
        try site.ok(["append", "--type", "test.note", "--body", #"{"text":"three"}"#, "--key", "Keys/facility.pem", "--repeat", "2"], cache: "fresh")
        #expect(try stored() == afterFirst, "a new mirror's appends sent the rows it took from PostgreSQL back")
        #expect(try site.verifyJSON(cache: "fresh-verify").status == 0)
    }

    @Test("entries removed from the end of a PostgreSQL ledger (an older backup restored, or an attacker) are reported, and no append fills the gap")
    func truncatedLedgerIsFound() throws {
        guard let database = TestPostgres.database("truncated ledger") else { return }
        let site = try Site(database: database, label: "truncate")
        try site.create(notes: 3)
        try #require(try site.verifyJSON().status == 0)
        let o = TestPostgres.literal(site.origin)
        let cut = try TestPostgres.psql(database, """
            DELETE FROM checkpoints WHERE origin = \(o) AND size >= 4;
            DELETE FROM entries WHERE origin = \(o) AND seq >= 3;
            UPDATE ledgers SET head_size = 3 WHERE origin = \(o);
            """)
        try #require(cut.status == 0, "\(cut.stderr)")
        let known = try site.run(["verify"])
        #expect(known.status == 1, "\(known.stdout)\(known.stderr)")
        #expect(known.stderr.contains("gone"), "\(known.stderr)")
        let append = try site.run(["append", "--type", "test.note", "--body", #"{"text":"refill"}"#, "--key", "Keys/facility.pem"])
        #expect(append.status != 0)
        #expect(try site.entryRows().count == 3)
    }

    @Test("store copy: a ledger file to PostgreSQL and back is byte-identical in its entries and checkpoints; an existing destination is refused; ledgers lists it")
    func copyRoundTrip() throws {
        guard let database = TestPostgres.database("store copy") else { return }
        let site = try Site(database: database, label: "copy")
        func ok(_ args: [String]) throws -> CLI.Result {
            let r = try CLI.csledger(args, in: site.dir.url, env: ["XDG_CACHE_HOME": site.dir.path("cache")])
            try #require(r.status == 0, "csledger \(args.prefix(2).joined(separator: " ")): \(r.stderr)")
            return r
        }
        try ok(["init", "--ledger", "source.sqlite", "--origin", site.origin, "--facility-name", "Copy Clinic", "--dea-number", "BD1234563",
                "--key", "Keys/facility.pem"])
        try ok(["actor", "enroll", "--ledger", "source.sqlite", "--name", "Pat", "--role", "pharmacist", "--public-key", "Keys/pharmacist.pub.pem",
                "--key", "Keys/facility.pem"])
        for i in 0..<3 {
            try ok(["append", "--ledger", "source.sqlite", "--type", "test.note", "--body", #"{"text":"note \#(i)"}"#, "--key", "Keys/facility.pem"])
        }
        let copied = try ok(["store", "copy", "--from", "source.sqlite", "--to", database, "--json"])
        let summary = try JSONParser.parse(copied.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(summary["entries"]?.integerValue == 5 && summary["origin"]?.stringValue == site.origin, "\(copied.stdout)")
        // Once there, it is a ledger like any other in the database.
        let listed = try ok(["ledgers", "--ledger", database])
        #expect(listed.stdout.contains("\(site.origin)\t5 entries"), "\(listed.stdout)")
        let verify = try site.verifyJSON()
        #expect(verify.status == 0 && verify.json?["root"]?.stringValue == summary["root"]?.stringValue, "\(verify.stderr)")
        // Never over an existing ledger, either way.
        let again = try CLI.csledger(["store", "copy", "--from", "source.sqlite", "--to", site.ledger], in: site.dir.url)
        #expect(again.status == 3 && again.stderr.contains("already holds"), "\(again.stderr)")
        try ok(["store", "copy", "--from", site.ledger, "--to", "back.sqlite"])
        let over = try CLI.csledger(["store", "copy", "--from", site.ledger, "--to", "back.sqlite"], in: site.dir.url)
        #expect(over.status == 3, "\(over.stderr)")
        // Byte for byte: every entry and every checkpoint (note and time).
        func dump(_ file: String) throws -> String {
            let r = try CLI.run("sqlite3", [site.dir.path(file), "SELECT seq, hex(bytes), hex(leaf_hash) FROM entries ORDER BY seq; SELECT tree_size, note, created FROM checkpoints ORDER BY tree_size;"],
                                in: site.dir.url)
            try #require(r.status == 0, "\(r.stderr)")
            return r.stdout
        }
        let source = try dump("source.sqlite")
        #expect(source.split(separator: "\n").count > 10)
        #expect(try dump("back.sqlite") == source)
        let back = try CLI.csledger(["verify", "--ledger", "back.sqlite"], in: site.dir.url)
        #expect(back.status == 0, "\(back.stdout)")
    }

    @Test("a simulated clinic's ledger (patients, prescriptions, doses, shipments) copied into PostgreSQL: a new mirror takes its personal data and entries, inventory and reconcile answer as from the file, and an erasure reaches PostgreSQL")
    func clinicLedgerThroughPostgres() throws {
        guard let server = TestPostgres.database("clinic ledger") else { return }
        let database = try TestPostgres.newDatabase(server)
        var o = ClinicSim.Options()
        o.businessDays = 6
        o.dosesPerDay = 8
        o.clinicPatients = 6
        o.homePatients = 6
        let sim = try ClinicSim(start: PlantedLedger.start, options: o)
        try sim.run()
        let file = sim.fx.ledger.database.path
        let dir = sim.fx.dir
        let env = ["XDG_CACHE_HOME": dir.path("cache")]
        let copied = try CLI.csledger(["store", "copy", "--from", file, "--to", database, "--json"], in: dir.url, env: env)
        try #require(copied.status == 0, "\(copied.stderr)")
        let origin = try #require(try JSONParser.parse(copied.stdout.trimmingCharacters(in: .whitespacesAndNewlines))["origin"]?.stringValue)
        let people = try TestPostgres.psql(database, "SELECT count(*) FROM personal_data")
        #expect(Int(people.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0 >= 12, "\(people.stdout)")
        let address = "\(database)?ledger=\(origin)"
        for command in [["inventory", "--json"], ["reconcile", "--json", "--as-of", sim.end.description]] {
            let fromFile = try CLI.csledger(command + ["--ledger", file], in: dir.url, env: env)
            let fromPostgres = try CLI.csledger(command + ["--ledger", address], in: dir.url, env: env)
            try #require(fromFile.status == 0 && fromPostgres.status == 0, "\(command[0]): \(fromFile.stderr) \(fromPostgres.stderr)")
            #expect(fromPostgres.stdout == fromFile.stdout, "\(command[0]) differs")
        }
        // Erasing a patient's data through a PostgreSQL ledger erases it there too; the ledger still verifies.
        let ref = try TestPostgres.psql(database, "SELECT ref FROM personal_data WHERE kind = 'patient' ORDER BY ref LIMIT 1").stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let erased = try CLI.csledger(["patient", "erase", ref, "--ledger", address], in: dir.url, env: env)
        #expect(erased.status == 0, "\(erased.stderr)")
        let row = try TestPostgres.psql(database, "SELECT data IS NULL, salt IS NULL, erased IS NOT NULL FROM personal_data WHERE ref = \(TestPostgres.literal(ref))")
        #expect(row.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "t|t|t", "\(row.stdout)")
        let verify = try CLI.csledger(["verify", "--ledger", address], in: dir.url, env: ["XDG_CACHE_HOME": dir.path("cache-after-erasure")])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    }
}
