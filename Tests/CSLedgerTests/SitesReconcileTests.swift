import Foundation
import Testing
@testable import LedgerCore

/// Issue 23, item 2: `csledger reconcile --ledger postgresql://USER@HOST:PORT/DB` reconciles every site (ledger) the
/// database holds, with rule 13 matching each site's transfers out with the receipts recorded at the others, through
/// the built CLI and a real PostgreSQL (`TestPostgres`).
@Suite("Reconciliation across the sites of one PostgreSQL database", .serialized)
struct SitesReconcileTests {
    typealias D = DispensingLedger
    static let asOf = "2026-03-10T00:00:00Z"

    /// One site: its own keys and folder, its ledger in the shared database (or, with no database, a ledger file of a
    /// registrant outside the group), its mirror in its own cache.
    struct Site {
        let dir: TempDir
        let database: String?
        let origin: String
        let name: String
        let dea: String
        var ledger: String { database.map { "\($0)?ledger=\(origin)" } ?? dir.path("ledger.sqlite") }

        init(database: String?, label: String, name: String, dea: String) throws {
            dir = try TempDir()
            self.database = database
            self.origin = TestPostgres.uniqueOrigin(label)
            self.name = name
            self.dea = dea
            for key in ["facility", "pharmacist", "witness"] {
                try #require(try CLI.csledger(["keys", "generate", key], in: dir.url).status == 0)
            }
            try ok(["init", "--origin", origin, "--facility-name", name, "--dea-number", dea, "--key", "Keys/facility.pem"])
            for (key, role) in [("pharmacist", "pharmacist"), ("witness", "witness")] {
                try ok(["actor", "enroll", "--name", key.capitalized, "--role", role, "--public-key", "Keys/\(key).pub.pem", "--key", "Keys/facility.pem"])
            }
        }

        func run(_ args: [String]) throws -> CLI.Result {
            try CLI.csledger(args + ["--ledger", ledger], in: dir.url,
                             env: ["XDG_CACHE_HOME": dir.path("cache"), "CSLEDGER_FACILITY_KEY": dir.path("Keys/facility.pem")])
        }

        @discardableResult
        func ok(_ args: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> CLI.Result {
            let r = try run(args)
            try #require(r.status == 0, "\(origin): csledger \(args.prefix(2).joined(separator: " ")): \(r.stderr)", sourceLocation: sourceLocation)
            return r
        }

        /// Records with `--json`; the new entry's seq.
        func record(_ args: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> Int {
            let r = try ok(args + ["--json"], sourceLocation: sourceLocation)
            return try #require(try JSONParser.parse(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines))["seq"]?.integerValue)
        }

        /// A transfer out of `lot` to `to`, with `invoice`.
        func transfer(_ lot: String, to: Site, invoice: String, time: String) throws -> Int {
            try record(["transfer-out", "--to-name", to.name, "--to-address", "400 North Loop, Austin, TX 78751", "--to-dea", to.dea,
                        "--invoice", invoice, "--reason", "stock moved to a sister site", "--lot", lot, "--time", time] + D.pharmacist)
        }

        /// A receipt of 20 tablets of the tablet lot from `from`, with `invoice` (a transfer in).
        func receive(from: Site, invoice: String, time: String) throws -> Int {
            try record(D.receive(lot: D.tabletLot, containers: 2, perContainer: "10", dea: from.dea, time: time, extra: ["--transfer-in"])
                .map { $0 == "INV-\(D.tabletLot)" ? invoice : $0 })
        }

        /// Its inspection bundle for March 2026.
        func bundle() throws -> String {
            let out = dir.path("bundle-\(UUID().uuidString.prefix(8))")
            try ok(["export", "inspection", "--from", "2026-03-01", "--to", "2026-03-31", "--out", out])
            return out
        }
    }

    /// Three sites in a new database: A transfers tablets to B (invoice TR-1, received there), vials to C (TR-2, never
    /// recorded there), and C records a receipt from A (TR-3) that A never sent.
    struct Group {
        let database: String
        let a: Site, b: Site, c: Site
        let matched: Int, lost: Int, phantom: Int
        /// The compliance officer's folder (its own cache of mirrors).
        let officer: TempDir

        init(_ server: String) throws {
            database = try TestPostgres.newDatabase(server)
            a = try Site(database: database, label: "site-a", name: "Main Street Clinic", dea: CLILedger.dea)
            b = try Site(database: database, label: "site-b", name: "North Clinic", dea: "RS7654329")
            c = try Site(database: database, label: "site-c", name: "Mail-Order Pharmacy", dea: "AC2468139")
            try a.record(D.receive(lot: D.tabletLot, time: "2026-03-02T10:00:00Z"))
            try a.record(D.receiveVials(lot: D.vialLot, time: "2026-03-02T09:00:00Z"))
            matched = try a.transfer("\(D.tabletLot)=20", to: b, invoice: "TR-1", time: "2026-03-04T10:00:00Z")
            _ = try b.receive(from: a, invoice: "TR-1", time: "2026-03-05T09:00:00Z")
            lost = try a.transfer("\(D.vialLot)=10", to: c, invoice: "TR-2", time: "2026-03-04T11:00:00Z")
            phantom = try c.receive(from: a, invoice: "TR-3", time: "2026-03-06T09:00:00Z")
            officer = try TempDir()
        }

        /// `csledger reconcile --ledger DATABASE` by the compliance officer (mirrors in `cache`).
        func reconcile(_ args: [String], cache: String = "cache") throws -> CLI.Result {
            try CLI.csledger(["reconcile", "--ledger", database, "--as-of", SitesReconcileTests.asOf] + args, in: officer.url,
                             env: ["XDG_CACHE_HOME": officer.path(cache)])
        }

        /// The JSON report, by origin.
        func sites(_ r: CLI.Result) throws -> [String: JSONValue] {
            let json = try JSONParser.parse(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
            let sites = try #require(json["sites"]?.arrayValue, "\(r.stdout)")
            return Dictionary(sites.map { ($0["origin"]?.stringValue ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        }
    }

    static func rule13(_ site: JSONValue?) -> [JSONValue] {
        (site?["findings"]?.arrayValue ?? []).filter { $0["rule"]?.integerValue == 13 }
    }

    /// A finding without the clause saying how far the other ledger's entries go: a bundle ends at its period's last
    /// entry, a site's ledger at its last one.
    static func comparable(_ finding: JSONValue) -> JSONValue {
        guard var o = finding.objectValue, let detail = o["detail"]?.stringValue else { return finding }
        o["detail"] = .string(detail.replacingOccurrences(of: #" \(their entries go up to [^)]*\)"#, with: "", options: .regularExpression))
        return .object(o)
    }

    @Test("one reconcile over the database: every site's findings; rule 13 finds the transfer never received and the receipt never sent (not the matched pair), names the sites, and agrees with reconcile --with on exported bundles")
    func everySiteOneCommand() throws {
        guard let server = TestPostgres.database("reconcile across sites") else { return }
        let g = try Group(server)

        let r = try g.reconcile(["--json", "--fail-on", "never"])
        try #require(r.status == 0, "\(r.stderr)")
        let sites = try g.sites(r)
        #expect(Set(sites.keys) == [g.a.origin, g.b.origin, g.c.origin])
        let totals = try JSONParser.parse(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines))["summary"]
        #expect(totals?["sites"]?.integerValue == 3 && totals?["reconciled"]?.integerValue == 3 && totals?["failed"]?.integerValue == 0, "\(totals ?? .null)")
        let openCount = [g.a, g.b, g.c].reduce(0) { n, s in n + (sites[s.origin]?["findings"]?.arrayValue ?? []).count }  // without --all: the open ones
        #expect(totals?["open"]?.integerValue == openCount && openCount >= 2, "\(totals ?? .null)")
        for s in [g.a, g.b, g.c] {
            #expect(sites[s.origin]?["status"]?.stringValue == "reconciled")
            #expect(sites[s.origin]?["facility_name"]?.stringValue == s.name && sites[s.origin]?["dea_number"]?.stringValue == s.dea)
            #expect(sites[s.origin]?["integrity_checked"] == .bool(true))
        }

        // Site A: exactly the vials never received at C and C's receipt that A never sent; nothing for the pair A→B.
        let a = Self.rule13(sites[g.a.origin])
        #expect(a.map { $0["check"]?.stringValue ?? "" }.sorted() == ["receipt-without-transfer-out", "transfer-not-received"], "\(a)")
        let notReceived = try #require(a.first { $0["check"]?.stringValue == "transfer-not-received" })
        #expect(notReceived["entries"] == .array([.number(Double(g.lost))]))
        #expect(notReceived["lot"]?.stringValue == D.vialLotID)
        let detail = notReceived["detail"]?.stringValue ?? ""
        #expect(detail.contains(g.c.name) && detail.contains(g.c.dea) && detail.contains(g.c.origin), "\(detail)")
        let phantom = try #require(a.first { $0["check"]?.stringValue == "receipt-without-transfer-out" })
        let phantomDetail = phantom["detail"]?.stringValue ?? ""
        #expect(phantomDetail.contains("seq \(g.phantom)") && phantomDetail.contains("TR-3") && phantomDetail.contains(g.c.dea), "\(phantomDetail)")
        #expect(!a.contains { ($0["entries"]?.arrayValue ?? []).contains(.number(Double(g.matched))) }, "the matched transfer is not reported")
        #expect(Self.rule13(sites[g.b.origin]).isEmpty && Self.rule13(sites[g.c.origin]).isEmpty)

        // The same findings, site by site, as reconcile --with the other sites' exported bundles.
        let bundles = [g.a.origin: try g.a.bundle(), g.b.origin: try g.b.bundle(), g.c.origin: try g.c.bundle()]
        for s in [g.a, g.b, g.c] {
            let with = bundles.filter { $0.key != s.origin }.values.sorted().flatMap { ["--with", $0] }
            let single = try s.ok(["reconcile", "--as-of", Self.asOf, "--json", "--fail-on", "never"] + with)
            let expected = (try JSONParser.parse(single.stdout.trimmingCharacters(in: .whitespacesAndNewlines))["findings"]?.arrayValue ?? []).map(Self.comparable)
            let group = (sites[s.origin]?["findings"]?.arrayValue ?? []).map(Self.comparable)
            #expect(group == expected, "\(s.origin): the group's findings differ from reconcile --with")
            #expect(!expected.isEmpty || s.origin != g.a.origin)
        }

        // --with beside the database: a registrant outside the group (a ledger file) recorded a receipt from A that A
        // never sent; its bundle adds that one finding to A's, and nothing else changes.
        let partner = try Site(database: nil, label: "partner", name: "Hill Country Clinic", dea: "FP1357917")
        let partnerReceipt = try partner.receive(from: g.a, invoice: "TR-9", time: "2026-03-07T09:00:00Z")
        let withPartner = try g.reconcile(["--json", "--fail-on", "never", "--with", try partner.bundle()])
        try #require(withPartner.status == 0, "\(withPartner.stderr)")
        let sitesWithPartner = try g.sites(withPartner)
        let extra = Self.rule13(sitesWithPartner[g.a.origin]).filter { !a.contains($0) }
        #expect(Self.rule13(sitesWithPartner[g.a.origin]).count == 3 && extra.count == 1, "\(extra)")
        #expect(extra.first?["check"]?.stringValue == "receipt-without-transfer-out")
        #expect((extra.first?["detail"]?.stringValue ?? "").contains("seq \(partnerReceipt)") && (extra.first?["detail"]?.stringValue ?? "").contains("FP1357917"), "\(extra)")
        #expect(Self.rule13(sitesWithPartner[g.b.origin]).isEmpty && Self.rule13(sitesWithPartner[g.c.origin]).isEmpty)

        // Text: grouped by site (origin, facility, DEA number, the findings), one summary line per site.
        let text = try g.reconcile(["--fail-on", "never"])
        #expect(text.status == 0, "\(text.stderr)")
        for (i, s) in [g.a, g.b, g.c].enumerated() {
            #expect(text.stdout.contains("== Site \(i + 1) of 3: \(s.origin)\nFacility \(s.name), DEA \(s.dea)\nReconciliation of \(s.ledger)"), "\(text.stdout.prefix(3000))")
        }
        let summary = text.stdout.components(separatedBy: "\nSummary\n").last ?? ""
        #expect(summary.split(separator: "\n").count == 3, "\(summary)")
        #expect(summary.contains(g.a.origin) && summary.contains("Main Street Clinic (\(CLILedger.dea))"), "\(summary)")
        let aSection = text.stdout.components(separatedBy: "== Site 2 of 3").first ?? ""
        #expect(aSection.contains("Transfer at seq \(g.lost) to \(g.c.dea): no receipt of lot \(D.vialLotID) in their ledger"), "\(aSection)")

        // Exit status as a single reconcile's: A's open warnings fail --fail-on warning.
        #expect(try g.reconcile(["--fail-on", "warning"]).status == 1)
        // A folder for the mirrors; a checkpoint of one ledger is refused for the whole database, nothing else done.
        let inFolder = try g.reconcile(["--json", "--fail-on", "never", "--mirror", g.officer.path("mirrors")])
        #expect(inFolder.status == 0, "\(inFolder.stderr)")
        #expect(try g.sites(inFolder)[g.a.origin].map(Self.rule13)?.count == 2)
        #expect((try FileManager.default.contentsOfDirectory(atPath: g.officer.path("mirrors"))).filter { $0.hasSuffix(".sqlite") }.count == 3)
        try Data("a checkpoint of one site\n".utf8).write(to: URL(fileURLWithPath: g.officer.path("checkpoint.txt")))
        let refused = try g.reconcile(["--checkpoint", g.officer.path("checkpoint.txt")])
        #expect(refused.status == 2 && refused.stderr.contains("--checkpoint") && refused.stdout.isEmpty, "\(refused.stderr)")
        // --mirror naming a file: one file cannot keep every site's mirror.
        let aFile = try g.reconcile(["--mirror", g.officer.path("checkpoint.txt")])
        #expect(aFile.status == 2 && aFile.stderr.contains("names a file") && aFile.stdout.isEmpty, "\(aFile.stderr)")
    }

    @Test("a site whose row was changed in PostgreSQL (psql) is reported as failing its integrity check, in one line; the other sites are still reconciled and the exit status says it failed")
    func tamperedSiteIsReported() throws {
        guard let server = TestPostgres.database("reconcile across sites, one tampered") else { return }
        let g = try Group(server)
        let clean = try g.reconcile(["--json", "--fail-on", "never"])
        try #require(clean.status == 0, "\(clean.stderr)")

        // One byte of C's receipt changed, its leaf hash recomputed: only the signature can tell.
        let o = TestPostgres.literal(g.c.origin)
        let changed = try TestPostgres.psql(g.database, """
            UPDATE entries SET bytes = overlay(bytes placing convert_to('X', 'UTF8') from length(bytes) - 20 for 1) WHERE origin = \(o) AND seq = \(g.phantom);
            UPDATE entries SET leaf_hash = sha256('\\x00'::bytea || bytes) WHERE origin = \(o) AND seq = \(g.phantom);
            """)
        try #require(changed.status == 0, "\(changed.stderr)")

        // The officer whose mirrors checked the rows before, and one building them anew: C fails, A and B answer.
        for cache in ["cache", "fresh"] {
            let r = try g.reconcile(["--json", "--fail-on", "never"], cache: cache)
            #expect(r.status == 1, "\(cache): \(r.stderr)")
            #expect(r.stderr.contains("1 of 3 site(s) could not be reconciled (\(g.c.origin))"), "\(cache): \(r.stderr)")
            let sites = try g.sites(r)
            let totals = try JSONParser.parse(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines))["summary"]
            #expect(totals?["reconciled"]?.integerValue == 2 && totals?["failed"]?.integerValue == 1, "\(cache): \(totals ?? .null)")
            let c = sites[g.c.origin]
            #expect(c?["status"]?.stringValue == "failed" && c?["findings"] == nil)
            let message = c?["error"]?["message"]?.stringValue ?? ""
            #expect(message.contains("entry \(g.phantom)") && !message.contains("\n"), "\(cache): \(message)")
            #expect(c?["error"]?["code"]?.stringValue == "ledger-tampered" || cache == "fresh", "\(cache): \(c ?? .null)")
            for s in [g.a, g.b] { #expect(sites[s.origin]?["status"]?.stringValue == "reconciled", "\(cache): \(s.origin)") }
            // C's receipts are not evidence any more: A's transfer to C goes unmatched rather than reported lost or found.
            #expect(Self.rule13(sites[g.a.origin]).isEmpty, "\(cache): \(Self.rule13(sites[g.a.origin]))")
        }
        let text = try g.reconcile(["--fail-on", "never"])
        #expect(text.status == 1)
        #expect(text.stdout.contains("== Site 3 of 3: \(g.c.origin)\nFAILED   "), "\(text.stdout.suffix(2000))")
        #expect(text.stdout.contains("\(g.c.origin)  FAILED: "), "\(text.stdout.suffix(600))")
    }

    @Test("a database that holds no ledger is an error (exit 3, one line, nothing on stdout), not a clean reconciliation of no site")
    func emptyDatabase() throws {
        guard let server = TestPostgres.database("reconcile across sites, empty database") else { return }
        let database = try TestPostgres.newDatabase(server)
        let officer = try TempDir()
        for format in [[], ["--json"]] {
            let r = try CLI.csledger(["reconcile", "--ledger", database] + format, in: officer.url, env: ["XDG_CACHE_HOME": officer.path("cache")])
            #expect(r.status == 3 && r.stdout.isEmpty, "\(r.stdout)")
            #expect(r.stderr.contains("holds no ledger") && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        }
    }
}
