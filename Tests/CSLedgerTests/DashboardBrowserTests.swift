import Dashboard
import Foundation
import GRDB
import Testing
@testable import CSLedgerKit
@testable import LedgerCore
@testable import LedgerStore
import Reconciliation
import Simulation

/// The dashboard in a real browser: the built csledgerd on a loopback port over a copy of the planted clinic
/// ledger (every rule's planted finding), driven by headless Chromium through Selenium
/// (Tests/Browser/dashboard_browser.py) for each page and role. The screenshots go to docs/dashboard/.
@Suite("Dashboard", .serialized)
struct DashboardBrowserTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The daemon over a copy of the planted ledger, with a regulator enrolled and a token for each role.
    final class Fixture {
        let dir: TempDir
        let daemon: Daemon
        let path: String
        let tokens: [String: String]
        let tokenIDs: [String: String]
        let planted: PlantedLedger

        init() throws {
            let planted = PlantedLedger.shared
            let dir = try TempDir()
            let path = dir.path("ledger.sqlite")
            // A page-for-page copy of the planted ledger (WAL included), so the shared fixture is never written.
            let copy = try CLI.run("sqlite3", [planted.sim.fx.ledger.database.path, ".backup '\(path)'"], in: dir.url)
            try #require(copy.status == 0, "sqlite3 .backup: \(copy.stderr)")
            try planted.sim.fx.writeKeyFiles(directory: dir.path("Keys"))
            func ok(_ args: [String]) throws -> CLI.Result {
                let r = try CLI.csledger(args + ["--ledger", path], in: dir.url)
                try #require(r.status == 0, "csledger \(args.prefix(2).joined(separator: " ")): \(r.stderr)")
                return r
            }
            _ = try CLI.csledger(["keys", "generate", "regulator"], in: dir.url)
            _ = try ok(["actor", "enroll", "--name", "Rae Inspector", "--role", "regulator", "--public-key", "Keys/regulator.pub.pem",
                        "--key", "Keys/facility.pem"])
            let regulator = try KeyFiles.loadPrivateKey(path: dir.path("Keys/regulator.pem"))
            let keys = planted.sim.fx.keys
            let holders: [(String, KeyID)] = [("compliance", keys["compliance"]!.keyID), ("regulator", regulator.keyID), ("admin", keys["facility"]!.keyID),
                                              ("pharmacist", keys["pharm1"]!.keyID), ("witness", keys["witness1"]!.keyID), ("clinician", keys["clin1"]!.keyID)]
            var tokens: [String: String] = [:], tokenIDs: [String: String] = [:]
            for (role, key) in holders {
                let out = try ok(["token", "issue", "--actor", key.hex, "--json"]).stdout
                let json = try JSONParser.parse(out)
                tokens[role] = json["token"]?.stringValue
                tokenIDs[role] = json["token_id"]?.stringValue
            }
            self.planted = planted
            self.dir = dir
            self.path = path
            self.tokens = tokens
            self.tokenIDs = tokenIDs
            daemon = try Daemon(["--ledger", path, "--listen", "127.0.0.1:0", "--facility-key", "Keys/facility.pem", "--log-level", "warning"], in: dir.url)
        }
    }

    /// What the browser needs and lacks, in words (empty when everything is there).
    static func missingBrowserParts() -> [String] {
        var missing: [String] = []
        func has(_ program: String) -> Bool { (try? CLI.run("/bin/sh", ["-c", "command -v \(program)"], in: URL(fileURLWithPath: "/")))?.status == 0 }
        if !has("chromium") { missing.append("chromium (apt-get install -y chromium)") }
        if !has("chromedriver") { missing.append("chromedriver (apt-get install -y chromium-driver)") }
        if !has("python3") { missing.append("python3") } else if (try? CLI.run("python3", ["-c", "import selenium"], in: URL(fileURLWithPath: "/")))?.status != 0 {
            missing.append("selenium for python3 (pip install selenium)")
        }
        return missing
    }

    @Test("every page and role in headless Chromium: the planted findings, a lot's balance as of a time, the CUSUM alarms, each person's draw-to-waste figures against csledger log, refusals, sign-out; no console error, no patient data")
    func browser() throws {
        let missing = Self.missingBrowserParts()
        guard missing.isEmpty else {
            Issue.record("the dashboard's browser test cannot run: install \(missing.joined(separator: ", ")) (.ci/run does)")
            return
        }
        let f = try Fixture()
        defer { f.daemon.stop() }
        let report = f.planted.report
        // Each planted case's finding, by rule, check and entries.
        var planted: [JSONValue] = []
        for e in f.planted.expected {
            let found = try #require(report.findings.first { $0.rule == e.rule && $0.check == e.check && $0.entries == e.entries }, "\(e)")
            planted.append(.object(["name": .string(e.name), "id": .string(found.id), "rule": .number(Double(e.rule)),
                                    "severity": .string(e.severity.rawValue), "entries": .array(found.entries.map { .number(Double($0)) })]))
        }
        // A lot's balance as of a time, from the command line.
        let counted = try #require(report.findings.first { $0.check == "count-variance" }?.lot)
        let asOf = "2025-01-20T23:59:59Z"
        let inv = try CLI.csledger(["inventory", "--as-of", asOf, "--lot", counted, "--json", "--ledger", f.path], in: f.dir.url)
        try #require(inv.status == 0, "\(inv.stderr)")
        let line = try JSONParser.parse(String(inv.stdout.split(separator: "\n")[0]))
        let onHand = try Quantity(parsing: try #require(line["on_hand"]?.stringValue)).micros
        let db = try LedgerDatabase.open(path: f.path, readOnly: true)
        let (variances, inTransit, entries) = try db.read { d in
            (try Int.fetchOne(d, sql: "SELECT count(*) FROM counts WHERE lot_id = ? AND time <= ? AND counted_micros != expected_micros", arguments: [counted, asOf]) ?? 0,
             try Int.fetchOne(d, sql: "SELECT count(*) FROM shipments WHERE status = 'in_transit'") ?? 0,
             try Int.fetchOne(d, sql: "SELECT count(*) FROM entries") ?? 0)
        }
        // The ledger as `csledger log` prints it (the entries' bytes) and the findings as `csledger reconcile --json` gives
        // them: the browser script computes the draw-to-waste figures from the one and finds the small-loss alarms in the other.
        let log = try CLI.csledger(["log", "--ledger", f.path], in: f.dir.url)
        try #require(log.status == 0, "csledger log: \(log.stderr)")
        let logPath = f.dir.path("log.jsonl")
        try Data(log.stdout.utf8).write(to: URL(fileURLWithPath: logPath))
        let reconcile = try CLI.csledger(["reconcile", "--json", "--all", "--fail-on", "never", "--ledger", f.path], in: f.dir.url)
        try #require(reconcile.status == 0, "csledger reconcile: \(reconcile.stderr)")
        let reconcilePath = f.dir.path("reconcile.json")
        try Data(reconcile.stdout.utf8).write(to: URL(fileURLWithPath: reconcilePath))
        let keys = f.planted.sim.fx.keys
        var forbidden: [String] = ["Clinic Patient", "Home Patient", "Elm St", "1980-01-01", "PRIVATE KEY"]
        forbidden += f.tokens.values
        forbidden += keys.values.map(\.publicKey.base64)
        let expected: JSONValue = .object([
            "url": .string(f.daemon.url), "tokens": .object(f.tokens.mapValues { .string($0) }), "entries": .number(Double(entries)),
            "in_transit": .number(Double(inTransit)), "planted": .array(planted), "biased": .string(keys["clin3"]!.keyID.hex),
            "late": .string(keys["clin6"]!.keyID.hex),
            "lot": .object(["id": .string(counted), "as_of": .string(asOf), "micros": .number(Double(onHand)), "variances": .number(Double(variances))]),
            "forbidden": .array(forbidden.map { .string($0) }), "log": .string(logPath), "reconcile": .string(reconcilePath),
        ])
        let expectedPath = f.dir.path("expected.json")
        try Data(JCS.serialize(expected)).write(to: URL(fileURLWithPath: expectedPath))
        let shots = Self.repository.appendingPathComponent("docs/dashboard").path
        let script = Self.repository.appendingPathComponent("Tests/Browser/dashboard_browser.py").path
        let run = try CLI.run("python3", [script, expectedPath, shots], in: f.dir.url)
        #expect(run.status == 0, "the browser checks failed:\n\(run.stdout)\n\(run.stderr.suffix(3000))")
        print("dashboard browser: \(run.stdout.split(separator: "\n").last ?? "")")
    }

    @Test("the session: cookie attributes, security headers, revoking the token ends it; the API is unchanged beside it")
    func session() throws {
        let f = try Fixture()
        defer { f.daemon.stop() }
        let jar = f.dir.path("cookies")
        func curl(_ args: [String]) throws -> CLI.Result { try CLI.run("curl", ["-s", "-i", "-b", jar, "-c", jar] + args, in: f.dir.url) }
        let signin = try curl(["-X", "POST", "--data-urlencode", "token=\(f.tokens["compliance"]!)", "\(f.daemon.url)/signin"])
        let signinHead = signin.stdout.lowercased()
        #expect(signin.stdout.hasPrefix("HTTP/1.1 303"), "\(signin.stdout.prefix(300))")
        let cookie = signin.stdout.split(separator: "\r\n").first { $0.lowercased().hasPrefix("set-cookie:") }.map(String.init) ?? ""
        #expect(signinHead.contains("location: /"), "\(signin.stdout.prefix(300))")
        #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Max-Age=28800") && !cookie.contains("Secure"), "\(cookie)")
        #expect(!cookie.contains(f.tokens["compliance"]!), "the cookie must not carry the token")
        let page = try curl(["\(f.daemon.url)/"])
        #expect(page.stdout.hasPrefix("HTTP/1.1 200"), "\(page.stdout.prefix(300))")
        #expect(page.stdout.lowercased().contains("content-security-policy: default-src 'none'; style-src 'self'"), "\(page.stdout.prefix(600))")
        #expect(page.stdout.lowercased().contains("x-content-type-options: nosniff"))
        // A form from another site is refused.
        let forged = try curl(["-X", "POST", "-H", "Origin: http://evil.example", "\(f.daemon.url)/signout"])
        #expect(forged.stdout.hasPrefix("HTTP/1.1 403"))
        // The API beside it answers as before, with a bearer token and no cookie.
        let api = try CLI.run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Authorization: Bearer \(f.tokens["compliance"]!)",
                                       "\(f.daemon.url)/v1/reconciliation"], in: f.dir.url)
        #expect(api.stdout == "200")
        // Revoking the token ends the session at the next page.
        let revoke = try CLI.csledger(["token", "revoke", f.tokenIDs["compliance"]!, "--ledger", f.path], in: f.dir.url)
        #expect(revoke.status == 0, "\(revoke.stderr)")
        let after = try curl(["\(f.daemon.url)/findings"])
        #expect(after.stdout.hasPrefix("HTTP/1.1 303") && after.stdout.lowercased().contains("location: /signin"), "\(after.stdout.prefix(300))")
    }

    @Test("a table changed behind the daemon's back: every page answers with the integrity error, never with the table's figures")
    func integrityGate() throws {
        let f = try Fixture()
        defer { f.daemon.stop() }
        let jar = f.dir.path("cookies")
        func curl(_ args: [String]) throws -> CLI.Result { try CLI.run("curl", ["-s", "-i", "-b", jar, "-c", jar] + args, in: f.dir.url) }
        _ = try curl(["-X", "POST", "--data-urlencode", "token=\(f.tokens["compliance"]!)", "\(f.daemon.url)/signin"])
        let before = try curl(["\(f.daemon.url)/stock"])
        #expect(before.stdout.hasPrefix("HTTP/1.1 200"), "\(before.stdout.prefix(300))")
        // A lot's earlier movements (`?before=SEQ`): a SEQ that is not a number is refused; one that is not among the
        // lot's movements has no page.
        let lot = try #require(before.stdout.components(separatedBy: "data-lot=\"").dropFirst().first.map { String($0.prefix { $0 != "\"" }) })
        let lotPage = "\(f.daemon.url)/stock/\(Format.urlComponent(lot))"
        #expect(try curl([lotPage + "?before=abc"]).stdout.hasPrefix("HTTP/1.1 400"))
        #expect(try curl([lotPage + "?before=-3"]).stdout.hasPrefix("HTTP/1.1 400"))
        #expect(try curl([lotPage + "?before=0"]).stdout.hasPrefix("HTTP/1.1 404"), "entry 0 (the genesis) moved no stock")
        #expect(try curl([lotPage]).stdout.hasPrefix("HTTP/1.1 200"))
        // Someone with the file but no key adds 1000 units to a lot's balance.
        let tamper = try CLI.run("sqlite3", [f.path, "UPDATE lots SET on_hand_micros = on_hand_micros + 1000000000 WHERE lot_id = (SELECT min(lot_id) FROM lots)"], in: f.dir.url)
        try #require(tamper.status == 0, "\(tamper.stderr)")
        for page in ["/", "/stock", "/findings", "/shipments", "/staff"] {
            let r = try curl(["\(f.daemon.url)\(page)"])
            #expect(r.stdout.hasPrefix("HTTP/1.1 503") && r.stdout.contains("failed its integrity check"), "\(page): \(r.stdout.prefix(400))")
            #expect(!r.stdout.contains("id=\"lots\"") && !r.stdout.contains("id=\"open-count\""), "\(page) showed figures from a tampered file")
        }
    }

    @Test("text from the ledger is escaped where pages are built: markup in a name stays text")
    func escaping() {
        let name = "<script>alert('x')</script> & \"co\""
        let html: HTML = "<td title=\"\(name)\">\(name)</td>"
        #expect(html.raw == "<td title=\"&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;co&quot;\">&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;co&quot;</td>")
        let page = Layout.page(title: name, viewer: Viewer(name: name, role: .compliance), ledger: name, current: "", body: "<p>\(name)</p>")
        #expect(!page.raw.contains("<script"))
    }
}
