import Foundation
import Testing
@testable import CSLedgerKit
@testable import LedgerCore

/// Issue 23, item 2, through the daemon: a compliance officer who has only a group token (`csledger token issue --group`)
/// and csledgerd's URL reconciles every site of the PostgreSQL database (`csledger reconcile --sites --server URL`) and
/// gets what `csledger reconcile --ledger postgresql://USER@HOST:PORT/DB` prints; no other token may. Real PostgreSQL
/// (`TestPostgres`), the built CLI and a real daemon on a loopback port.
@Suite("A group token reconciles every site through csledgerd", .serialized)
struct GroupTokenTests {
    typealias Group = SitesReconcileTests.Group
    typealias Site = SitesReconcileTests.Site

    /// Site A's daemon (its mirror in A's folder) and the tokens issued into that mirror: a compliance officer's group
    /// token and site token, and the pharmacist's.
    struct Served {
        let daemon: Daemon
        let mirror: String
        let group: String
        let site: String
        let pharmacist: String
    }

    static func keyID(_ site: Site, _ key: String) throws -> String {
        try KeyFiles.loadPrivateKey(path: site.dir.path("Keys/\(key).pem")).keyID.hex
    }

    /// Enrols a compliance officer at `site` (key `Keys/compliance.pem`).
    static func enrolCompliance(_ site: Site) throws {
        try #require(try CLI.csledger(["keys", "generate", "compliance"], in: site.dir.url).status == 0)
        try site.ok(["actor", "enroll", "--name", "Casey Compliance", "--role", "compliance", "--public-key", "Keys/compliance.pub.pem",
                     "--key", "Keys/facility.pem"])
    }

    static func serve(_ g: Group) throws -> Served {
        try enrolCompliance(g.a)
        let mirror = g.a.dir.path("daemon.sqlite")
        func issue(_ key: String, _ extra: [String] = []) throws -> CLI.Result {
            try g.a.run(["token", "issue", "--actor", try keyID(g.a, key), "--mirror", mirror] + extra)
        }
        let group = try issue("compliance", ["--group", "--json"])
        try #require(group.status == 0, "\(group.stderr)")
        let json = try JSONParser.parse(group.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(json["scope"]?.stringValue == "group")
        let site = try issue("compliance")
        let pharmacist = try issue("pharmacist")
        try #require(site.status == 0 && pharmacist.status == 0, "\(site.stderr)\(pharmacist.stderr)")
        let daemon = try Daemon(["--ledger", g.a.ledger, "--mirror", mirror, "--listen", "127.0.0.1:0",
                                 "--facility-key", "Keys/facility.pem", "--log-level", "warning"], in: g.a.dir.url)
        return Served(daemon: daemon, mirror: mirror, group: try #require(json["token"]?.stringValue),
                      site: site.stdout.trimmingCharacters(in: .whitespacesAndNewlines),
                      pharmacist: pharmacist.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// `csledger reconcile --sites` through the daemon with `token`, from the officer's folder (no database address).
    static func remote(_ g: Group, _ s: Served, token: String, _ args: [String]) throws -> CLI.Result {
        try CLI.csledger(["reconcile", "--sites", "--as-of", SitesReconcileTests.asOf] + args, in: g.officer.url,
                         env: ["CSLEDGER_SERVER": s.daemon.url, "CSLEDGER_TOKEN": token, "XDG_CACHE_HOME": g.officer.path("remote-cache")])
    }

    /// The route with curl: status code and body.
    static func curl(_ s: Served, token: String?, query: String = "") throws -> (status: String, body: String) {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("gt-\(UUID().uuidString).body").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try CLI.run("curl", ["-sS", "-o", out, "-w", "%{http_code}"] + (token.map { ["-H", "Authorization: Bearer \($0)"] } ?? [])
                            + [s.daemon.url + "/v1/sites/reconciliation" + query], in: URL(fileURLWithPath: "/"))
        return (r.stdout, (try? String(contentsOfFile: out, encoding: .utf8)) ?? "")
    }

    @Test("the group token gets, through csledgerd, the same report (JSON and text) and exit status as the command line reaching PostgreSQL itself, cross-site transfer findings included; a site's compliance token and a pharmacist's get 403, no token 401")
    func groupTokenMatchesDirect() throws {
        guard let server = TestPostgres.database("group token through csledgerd") else { return }
        let g = try Group(server)
        let s = try Self.serve(g)
        defer { _ = s.daemon.stop() }

        // JSON, byte for byte, with the finding for the vials A sent to C and C never received.
        let direct = try g.reconcile(["--json", "--fail-on", "never"])
        try #require(direct.status == 0, "\(direct.stderr)")
        let viaDaemon = try Self.remote(g, s, token: s.group, ["--json", "--fail-on", "never"])
        #expect(viaDaemon.status == 0, "\(viaDaemon.stderr)")
        #expect(viaDaemon.stdout == direct.stdout)
        let sites = try g.sites(viaDaemon)
        #expect(Set(sites.keys) == [g.a.origin, g.b.origin, g.c.origin])
        let a = SitesReconcileTests.rule13(sites[g.a.origin])
        let lost = try #require(a.first { $0["check"]?.stringValue == "transfer-not-received" }, "\(a)")
        #expect(lost["entries"] == .array([.number(Double(g.lost))]))
        #expect(a.count == 2 && !a.contains { ($0["entries"]?.arrayValue ?? []).contains(.number(Double(g.matched))) }, "\(a)")

        // Text, and the exit status: A's open warnings fail --fail-on warning either way.
        let directText = try g.reconcile(["--fail-on", "never"])
        let remoteText = try Self.remote(g, s, token: s.group, ["--fail-on", "never"])
        #expect(remoteText.status == 0 && remoteText.stdout == directText.stdout, "\(remoteText.stderr)")
        #expect(remoteText.stdout.contains("Transfer at seq \(g.lost) to \(g.c.dea): no receipt of lot \(DispensingLedger.vialLotID) in their ledger"))
        #expect(try g.reconcile(["--fail-on", "warning"]).status == 1)
        #expect(try Self.remote(g, s, token: s.group, ["--fail-on", "warning"]).status == 1)
        // The daemon kept the sites' mirrors beside its own, one per site.
        #expect(try FileManager.default.contentsOfDirectory(atPath: s.mirror + ".sites").filter { $0.hasSuffix(".sqlite") }.count == 3)

        // Anyone else: 403 with the usual error body (the CLI exits as for any refused role), and 401 without a token.
        for (token, who) in [(s.site, "site"), (s.pharmacist, "pharmacist")] {
            let refused = try Self.remote(g, s, token: token, ["--json"])
            #expect(refused.status != 0 && refused.stdout.isEmpty, "\(who): \(refused.stdout.prefix(200))")
            #expect(refused.stderr.contains("role-not-allowed") && refused.stderr.split(separator: "\n").count == 1, "\(who): \(refused.stderr)")
            let raw = try Self.curl(s, token: token)
            #expect(raw.status == "403", "\(who): \(raw)")
            let error = try JSONParser.parse(Array(raw.body.utf8))["error"]
            #expect(error?["code"]?.stringValue == "role-not-allowed", "\(who): \(raw.body)")
            #expect(who == "pharmacist" || (error?["message"]?.stringValue ?? "").contains("--group"), "\(raw.body)")
        }
        #expect(try Self.curl(s, token: nil).status == "401")
        #expect(try Self.curl(s, token: s.group, query: "?format=xml").status == "400")
        // The group token is still a compliance token of its own site.
        #expect(try Self.curl(s, token: s.group).status == "200")
        let own = try CLI.csledger(["reconcile", "--as-of", SitesReconcileTests.asOf, "--json", "--fail-on", "never"], in: g.officer.url,
                                   env: ["CSLEDGER_SERVER": s.daemon.url, "CSLEDGER_TOKEN": s.group])
        #expect(own.status == 0 && own.stdout.contains("\"findings\""), "\(own.stderr)")

        // A site that fails its check is reported, the others still reconciled; the exit status and the stderr line are
        // the direct form's.
        let o = TestPostgres.literal(g.c.origin)
        let changed = try TestPostgres.psql(g.database, """
            UPDATE entries SET bytes = overlay(bytes placing convert_to('X', 'UTF8') from length(bytes) - 20 for 1) WHERE origin = \(o) AND seq = \(g.phantom);
            UPDATE entries SET leaf_hash = sha256('\\x00'::bytea || bytes) WHERE origin = \(o) AND seq = \(g.phantom);
            """)
        try #require(changed.status == 0, "\(changed.stderr)")
        for format in [["--json"], []] {
            let d = try g.reconcile(format + ["--fail-on", "never"])
            let r = try Self.remote(g, s, token: s.group, format + ["--fail-on", "never"])
            #expect(d.status == 1 && r.status == 1, "\(r.stderr)")
            #expect(r.stdout == d.stdout)
            #expect(r.stderr == d.stderr && r.stderr.contains("1 of 3 site(s) could not be reconciled (\(g.c.origin))"), "\(r.stderr) | \(d.stderr)")
        }
    }

    @Test("--group is refused (exit 2, one line, no token written) for a pharmacist, for a ledger file, and --sites without a daemon or a database; token list shows each token's scope")
    func groupRefusals() throws {
        guard let server = TestPostgres.database("group token refusals") else { return }
        let database = try TestPostgres.newDatabase(server)
        let site = try Site(database: database, label: "site-g", name: "Main Street Clinic", dea: CLILedger.dea)
        try Self.enrolCompliance(site)
        let pharmacist = try site.run(["token", "issue", "--actor", try Self.keyID(site, "pharmacist"), "--group"])
        #expect(pharmacist.status == 2 && pharmacist.stdout.isEmpty, "\(pharmacist.stdout)")
        #expect(pharmacist.stderr.contains("--group") && pharmacist.stderr.split(separator: "\n").count == 1, "\(pharmacist.stderr)")
        #expect(try site.ok(["token", "list"]).stdout.isEmpty)
        try site.ok(["token", "issue", "--actor", try Self.keyID(site, "compliance"), "--group"])
        try site.ok(["token", "issue", "--actor", try Self.keyID(site, "pharmacist")])
        let list = try site.ok(["token", "list"]).stdout.split(separator: "\n")
        #expect(list.count == 2 && list.filter { $0.hasSuffix("scope group") }.count == 1 && list.filter { $0.hasSuffix("scope site") }.count == 1, "\(list)")

        // A ledger file holds one site: no group token, even for its compliance officer.
        let file = try Site(database: nil, label: "file", name: "Hill Country Clinic", dea: "FP1357917")
        try Self.enrolCompliance(file)
        let refused = try file.run(["token", "issue", "--actor", try Self.keyID(file, "compliance"), "--group"])
        #expect(refused.status == 2 && refused.stdout.isEmpty && refused.stderr.contains("PostgreSQL") && refused.stderr.split(separator: "\n").count == 1,
                "\(refused.stderr)")
        #expect(try file.ok(["token", "list"]).stdout.isEmpty)
        #expect(try CLI.run("sqlite3", [file.dir.path("ledger.sqlite"), "SELECT count(*) FROM api_tokens"], in: file.dir.url).stdout == "0\n")

        // --sites names every site: of one ledger (a file or ?ledger=) without a daemon, it is a usage error.
        let lone = try file.run(["reconcile", "--sites"])
        #expect(lone.status == 2 && lone.stdout.isEmpty && lone.stderr.contains("--server"), "\(lone.stderr)")
        let one = try site.run(["reconcile", "--sites"])
        #expect(one.status == 2 && one.stdout.isEmpty, "\(one.stderr)")
    }

    @Test("a schema-9 ledger file with a token moves to schema 10: read-only commands ask for migrate, migrate applies 0010_token_scope, and the old token is a site token")
    func schema9To10() throws {
        let l = try CLILedger(entries: 2)
        try #require(try CLI.csledger(["keys", "generate", "casey"], in: l.root).status == 0)
        try l.enroll("casey", role: "compliance")
        let issued = try l.csledger(["token", "issue", "--actor", try l.key("casey").keyID.hex])
        try #require(issued.status == 0, "\(issued.stderr)")
        let rewound = try l.sqlite("ALTER TABLE api_tokens DROP COLUMN scope; DELETE FROM grdb_migrations WHERE identifier = '0010_token_scope';")
        try #require(rewound.status == 0, "\(rewound.stderr)")
        let refused = try l.csledger(["token", "list"])
        #expect(refused.status != 0 && refused.stderr.contains("run `csledger migrate`"), "\(refused.stderr)")
        let migrated = try l.csledger(["migrate"])
        #expect(migrated.status == 0 && migrated.stdout.hasPrefix("applied 0010_token_scope in "), "\(migrated.stdout) \(migrated.stderr)")
        let list = try l.csledger(["token", "list"])
        #expect(list.status == 0 && list.stdout.split(separator: "\n").count == 1 && list.stdout.hasSuffix("active  scope site\n"), "\(list.stdout)")
        // The column refuses any other scope.
        #expect(try l.sqlite("UPDATE api_tokens SET scope = 'everything';").status != 0)
    }
}
