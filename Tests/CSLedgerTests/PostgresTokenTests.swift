import Foundation
import Testing
@testable import CSLedgerKit
@testable import LedgerCore
@testable import LedgerStore

/// Issue 23, item 3, for bearer tokens: every csledgerd serving one ledger in PostgreSQL takes the same tokens. A token
/// issued through any process (a daemon's mirror, the command line's own) works at every daemon at once, a revocation
/// reaches every daemon within `bound`, and a row written into PostgreSQL by hand grants no more than a row of the file
/// would. Real PostgreSQL (`TestPostgres`), the built CLI, two real daemons on loopback ports.
@Suite("PostgreSQL: tokens shared by every daemon", .serialized)
struct PostgresTokenTests {
    typealias Site = PostgresStoreTests.Site

    /// The README's bound: a revoked token stops working on every daemon within this many seconds.
    static let bound = 2.0

    /// GET /v1/me at `url` with `token`: the HTTP status.
    static func me(_ url: String, _ token: String) throws -> Int {
        let r = try CLI.run("curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Authorization: Bearer \(token)", url + "/v1/me"],
                            in: URL(fileURLWithPath: "/"))
        return Int(r.stdout) ?? -1
    }

    /// Seconds until `url` refuses `token` (401), asking every 20 ms for up to 10 s; nil if it never did.
    static func secondsUntilRefused(_ url: String, _ token: String) throws -> Double? {
        let start = Date()
        while Date().timeIntervalSince(start) < 10 {
            if try me(url, token) == 401 { return Date().timeIntervalSince(start) }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return nil
    }

    static func issue(_ site: Site, mirror: String?, key: String = "pharmacist") throws -> (token: String, id: String) {
        let actor = try KeyFiles.loadPrivateKey(path: site.dir.path("Keys/\(key).pem")).keyID.hex
        let r = try site.ok(["token", "issue", "--actor", actor, "--json"] + (mirror.map { ["--mirror", $0] } ?? []))
        let json = try JSONParser.parse(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        return (try #require(json["token"]?.stringValue), try #require(json["token_id"]?.stringValue))
    }

    /// Two daemons on the site's ledger, each with its own mirror (`daemon0.sqlite`, `daemon1.sqlite`).
    static func daemons(_ site: Site) throws -> [Daemon] {
        [try PostgresDaemonTests.startDaemon(site, 0), try PostgresDaemonTests.startDaemon(site, 1)]
    }

    /// A new site in the test database (`test` names the test where PostgreSQL is missing) with two daemons on it
    /// for `body`; afterwards each daemon must stop cleanly.
    static func withTwoDaemons(_ test: String, label: String, _ body: (_ database: String, _ site: Site, _ ds: [Daemon]) throws -> Void) throws {
        guard let database = TestPostgres.database(test) else { return }
        let site = try Site(database: database, label: label)
        try site.create(notes: 0)
        let ds = try daemons(site)
        defer { for d in ds { d.stop() } }
        try body(database, site, ds)
        for d in ds { #expect(d.stop() == 0, "\(d.stderr)") }
    }

    @Test("a token issued through daemon A's mirror works at daemon B at once, one issued by the command line (its own mirror) at both; a revocation through A's mirror or the command line's is refused at B within the bound; PostgreSQL holds the tokens' hashes only")
    func sharedAcrossDaemons() throws {
        try Self.withTwoDaemons("tokens shared by daemons", label: "tokens") { database, site, ds in
            let (a, b) = (ds[0], ds[1])

            // Issued by the process that shares daemon A's mirror (as the daemon's own writes are): B takes it at the first request.
            let viaA = try Self.issue(site, mirror: site.dir.path("daemon0.sqlite"))
            #expect(try Self.me(b.url, viaA.token) == 200)
            #expect(try Self.me(a.url, viaA.token) == 200)
            // Issued by the command line through its own mirror (the cache folder): neither daemon's mirror had it.
            let viaCLI = try Self.issue(site, mirror: nil)
            #expect(try Self.me(a.url, viaCLI.token) == 200)
            #expect(try Self.me(b.url, viaCLI.token) == 200)
            // An unknown token is still refused (after looking in PostgreSQL).
            #expect(try Self.me(b.url, "csl_" + String(repeating: "A", count: 43)) == 401)

            // PostgreSQL holds each token's SHA-256 and id, never the token.
            let rows = try TestPostgres.psql(database, "SELECT token_id, token_hash, revoked IS NULL FROM api_tokens WHERE origin = \(TestPostgres.literal(site.origin)) ORDER BY changed")
            try #require(rows.status == 0, "\(rows.stderr)")
            let expected = [viaA, viaCLI].map { t -> String in "\(t.id)|\(Hash.sha256(Array(t.token.utf8)).hex)|t" }
            #expect(rows.stdout.split(separator: "\n").map(String.init) == expected)
            let dump = try TestPostgres.psql(database, "SELECT api_tokens::text FROM api_tokens")
            #expect(!dump.stdout.contains(viaA.token) && !dump.stdout.contains(viaCLI.token))

            // Revoked through A's mirror: A refuses at once (its own file), B within the bound.
            try site.ok(["token", "revoke", viaA.id, "--mirror", site.dir.path("daemon0.sqlite")])
            #expect(try Self.me(a.url, viaA.token) == 401)
            let atB = try Self.secondsUntilRefused(b.url, viaA.token)
            print("a revocation through daemon A's mirror was refused at daemon B after \(atB.map { String(format: "%.3f", $0) } ?? "never") s")
            #expect(atB != nil && atB! < Self.bound, "B took \(String(describing: atB)) s")
            // Revoked by the command line through its own mirror: both daemons refuse within the bound.
            try site.ok(["token", "revoke", viaCLI.id])
            for d in ds {
                let after = try Self.secondsUntilRefused(d.url, viaCLI.token)
                #expect(after != nil && after! < Self.bound, "\(d.url) took \(String(describing: after)) s")
            }
            #expect(try Self.me(b.url, viaA.token) == 401)

            // Any process lists every token and revocation (here through B's mirror).
            let list = try site.ok(["token", "list", "--mirror", site.dir.path("daemon1.sqlite")]).stdout
            for t in [viaA, viaCLI] { #expect(list.contains("\(t.id)  ") && list.split(separator: "\n").first { $0.hasPrefix(t.id) }?.contains("revoked") == true, "\(list)") }
            // Revoking again is refused as before (no active token with that id), even through a mirror that never held it.
            let again = try site.run(["token", "revoke", viaA.id, "--mirror", site.dir.path("other.sqlite")])
            #expect(again.status != 0 && again.stderr.contains("no active token"), "\(again.stderr)")
        }
    }

    @Test("a signer enrolled by the command line after both daemons started, and given a token there: the token works at once at a daemon that has appended nothing since (it takes the enrolment first)")
    func newSignerAtIdleDaemon() throws {
        try Self.withTwoDaemons("token of a signer enrolled meanwhile", label: "toknew") { _, site, ds in
            try #require(try CLI.csledger(["keys", "generate", "clinician"], in: site.dir.url).status == 0)
            try site.ok(["actor", "enroll", "--name", "Cam Clinician", "--role", "clinician", "--public-key", "Keys/clinician.pub.pem", "--key", "Keys/facility.pem"])
            let issued = try Self.issue(site, mirror: nil, key: "clinician")
            for d in ds {
                let me = try CLI.run("curl", ["-sS", "-w", " %{http_code}", "-H", "Authorization: Bearer \(issued.token)", d.url + "/v1/me"], in: URL(fileURLWithPath: "/"))
                #expect(me.stdout.hasSuffix(" 200") && me.stdout.contains("\"role\":\"clinician\""), "\(me.stdout)")
            }
        }
    }

    @Test("a token row written into PostgreSQL by hand grants no more than the file's row: not for a key that is no signer, not with an id that is not its hash's, not a group scope for a pharmacist; a revocation once taken is not undone there; a revocation written there is taken")
    func postgresRowsNotTrusted() throws {
        try Self.withTwoDaemons("token rows not trusted", label: "tokrows") { database, site, ds in
            let pharmacist = try KeyFiles.loadPrivateKey(path: site.dir.path("Keys/pharmacist.pem")).keyID.hex
            let origin = TestPostgres.literal(site.origin)

            /// A token of our own and the row for it, inserted as a user with write access to the database would.
            func plant(key: String, scope: String = "site", id: ((String) -> String)? = nil) throws -> String {
                let token = "csl_" + UUID().uuidString.replacingOccurrences(of: "-", with: "") + "planted"
                let hash = Hash.sha256(Array(token.utf8)).hex
                let tokenID = id?(hash) ?? String(hash.prefix(16))
                let r = try TestPostgres.psql(database, "INSERT INTO api_tokens (origin, token_id, token_hash, key_id, created, scope) VALUES (\(origin), '\(tokenID)', '\(hash)', '\(key)', '2026-01-01T00:00:00Z', '\(scope)')")
                try #require(r.status == 0, "\(r.stderr)")
                return token
            }
            let noSigner = try plant(key: String(repeating: "ab", count: 32))
            let wrongID = try plant(key: pharmacist, id: { _ in "0123456789abcdef" })
            let groupPharmacist = try plant(key: pharmacist, scope: "group")
            // The same row a `token issue` writes: taken, and its role is the signer's from the signed entries (a pharmacist).
            let fair = try plant(key: pharmacist)
            for d in ds {
                #expect(try Self.me(d.url, noSigner) == 401)
                #expect(try Self.me(d.url, wrongID) == 401)
                #expect(try Self.me(d.url, groupPharmacist) == 401)
                #expect(try Self.me(d.url, fair) == 200)
            }
            let me = try CLI.run("curl", ["-sS", "-H", "Authorization: Bearer \(fair)", ds[1].url + "/v1/me"], in: URL(fileURLWithPath: "/"))
            #expect(me.stdout.contains("\"role\":\"pharmacist\""), "\(me.stdout)")

            // Revoked through the command line, then un-revoked in PostgreSQL by hand: stays refused everywhere.
            let issued = try Self.issue(site, mirror: nil)
            for d in ds { #expect(try Self.me(d.url, issued.token) == 200) }
            try site.ok(["token", "revoke", issued.id])
            for d in ds { #expect(try Self.secondsUntilRefused(d.url, issued.token) != nil) }
            let undo = try TestPostgres.psql(database, "UPDATE api_tokens SET revoked = NULL, changed = nextval('api_token_changes') WHERE origin = \(origin) AND token_id = '\(issued.id)'")
            try #require(undo.status == 0, "\(undo.stderr)")
            Thread.sleep(forTimeInterval: Self.bound)
            for d in ds { #expect(try Self.me(d.url, issued.token) == 401) }

            // A revocation written into PostgreSQL by hand (an operator's, without csledger) is taken like any other.
            let revoke = try TestPostgres.psql(database, "UPDATE api_tokens SET revoked = '2026-12-01T00:00:00Z', changed = nextval('api_token_changes') WHERE origin = \(origin) AND token_hash = '\(Hash.sha256(Array(fair.utf8)).hex)'")
            try #require(revoke.status == 0, "\(revoke.stderr)")
            for d in ds {
                let after = try Self.secondsUntilRefused(d.url, fair)
                #expect(after != nil && after! < Self.bound)
            }
        }
    }

    @Test("a mirror holding tokens from before they were shared hands them to PostgreSQL once: they then work at every daemon")
    func olderTokensHandedOver() throws {
        guard let database = TestPostgres.database("older tokens handed over") else { return }
        let site = try Site(database: database, label: "tokold")
        try site.create(notes: 0)
        let mirror = site.dir.path("old.sqlite")
        // A token as an older csledger issued it: in this mirror only.
        let issued = try Self.issue(site, mirror: mirror)
        let wipe = try TestPostgres.psql(database, "DELETE FROM api_tokens WHERE origin = \(TestPostgres.literal(site.origin))")
        try #require(wipe.status == 0, "\(wipe.stderr)")
        let marker = try CLI.run("sqlite3", [mirror, "DELETE FROM ledger_meta WHERE key LIKE 'mirror_tokens_%'"], in: site.dir.url)
        try #require(marker.status == 0, "\(marker.stderr)")
        let ds = try Self.daemons(site)
        defer { for d in ds { d.stop() } }
        #expect(try Self.me(ds[1].url, issued.token) == 401)
        // The next token command on that mirror hands it over.
        try site.ok(["token", "list", "--mirror", mirror])
        for d in ds { #expect(try Self.me(d.url, issued.token) == 200) }
        for d in ds { #expect(d.stop() == 0, "\(d.stderr)") }
    }

    /// POST /signin at `url` with `token`: the session id its cookie carries (nil when none was set).
    static func signIn(_ url: String, _ token: String) throws -> String? {
        let r = try CLI.run("curl", ["-sS", "-o", "/dev/null", "-D", "-", "--data-urlencode", "token=\(token)", url + "/signin"], in: URL(fileURLWithPath: "/"))
        let cookie = r.stdout.split(separator: "\r\n").first { $0.lowercased().hasPrefix("set-cookie:") }.map(String.init) ?? ""
        guard let start = cookie.range(of: "csl_session=") else { return nil }
        return String(cookie[start.upperBound...].prefix { $0 != ";" })
    }

    /// GET `path` at `url` with the session cookie `id`: the status (200 a page, 303 back to the sign-in).
    static func page(_ url: String, _ path: String, session id: String, method: String = "GET") throws -> Int {
        let r = try CLI.run("curl", ["-sS", "-X", method, "-o", "/dev/null", "-w", "%{http_code}", "-H", "Cookie: csl_session=\(id)", url + path],
                            in: URL(fileURLWithPath: "/"))
        return Int(r.stdout) ?? -1
    }

    @Test("a dashboard session opened at daemon A is open at daemon B; signing out at B ends it at A; revoking its token ends a session at every daemon within the bound; PostgreSQL holds only hashes")
    func sessionsShared() throws {
        try Self.withTwoDaemons("dashboard sessions shared", label: "sessions") { database, site, ds in
            let (a, b) = (ds[0], ds[1])
            let issued = try Self.issue(site, mirror: nil)

            let id = try #require(try Self.signIn(a.url, issued.token))
            #expect(try Self.page(a.url, "/stock", session: id) == 200)
            #expect(try Self.page(b.url, "/stock", session: id) == 200)
            #expect(try Self.page(b.url, "/stock", session: String(repeating: "x", count: 43)) == 303)
            let rows = try TestPostgres.psql(database, "SELECT session_hash, token_hash FROM dashboard_sessions WHERE origin = \(TestPostgres.literal(site.origin))")
            #expect(rows.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                    == "\(Hash.sha256(Array(id.utf8)).hex)|\(Hash.sha256(Array(issued.token.utf8)).hex)")
            let dump = try TestPostgres.psql(database, "SELECT dashboard_sessions::text FROM dashboard_sessions")
            #expect(!dump.stdout.contains(id) && !dump.stdout.contains(issued.token))

            // Signed out at B: the session is over at A too.
            #expect(try Self.page(b.url, "/signout", session: id, method: "POST") == 303)
            #expect(try Self.page(a.url, "/stock", session: id) == 303)
            #expect(try Self.page(b.url, "/stock", session: id) == 303)

            // A new session at B; the token revoked through the command line: over at both within the bound.
            let second = try #require(try Self.signIn(b.url, issued.token))
            #expect(try Self.page(a.url, "/stock", session: second) == 200)
            try site.ok(["token", "revoke", issued.id])
            let start = Date()
            var open = Set(ds.map(\.url))
            while !open.isEmpty, Date().timeIntervalSince(start) < 10 {
                for url in open where try Self.page(url, "/stock", session: second) == 303 { open.remove(url) }
                Thread.sleep(forTimeInterval: 0.02)
            }
            let took = Date().timeIntervalSince(start)
            #expect(open.isEmpty && took < Self.bound, "still open at \(open) after \(took) s")
        }
    }

    @Test("PostgreSQL out of reach: a daemon answers from the tokens it has for a few seconds, then 503 with Retry-After (it could not see a revocation), and 200 again once PostgreSQL is back, without a restart")
    func staleTokensRefused() throws {
        // A server of this test's own, since it is stopped midway.
        guard TestPostgres.database("tokens while PostgreSQL is down") != nil else { return }
        let (port, database) = try PostgresDaemonTests.ownCluster()
        defer { _ = try? PostgresDaemonTests.cluster("stop", port: port) }
        let site = try Site(database: database, label: "tokdown")
        try site.create(notes: 0)
        let issued = try Self.issue(site, mirror: nil)
        let daemon = try PostgresDaemonTests.startDaemon(site, 0)
        defer { daemon.stop() }
        #expect(try Self.me(daemon.url, issued.token) == 200)
        try #require(try PostgresDaemonTests.cluster("halt", port: port).status == 0)
        #expect(try Self.me(daemon.url, issued.token) == 200)
        Thread.sleep(forTimeInterval: 11)
        let raw = try CLI.run("curl", ["-s", "-i", "-H", "Authorization: Bearer \(issued.token)", daemon.url + "/v1/me"], in: URL(fileURLWithPath: "/"))
        #expect(raw.stdout.hasPrefix("HTTP/1.1 503") && raw.stdout.lowercased().contains("retry-after: 1"), "\(raw.stdout.prefix(400))")
        try #require(try PostgresDaemonTests.cluster("start", port: port).status == 0)
        var status = 0
        let until = Date().addingTimeInterval(15)
        while status != 200, Date() < until {
            status = try Self.me(daemon.url, issued.token)
            if status != 200 { Thread.sleep(forTimeInterval: 0.2) }
        }
        #expect(status == 200)
        #expect(daemon.stop() == 0, "\(daemon.stderr)")
    }

    @Test("a pull of token changes with nothing new costs one small query (measured)")
    func pullCost() throws {
        guard let database = TestPostgres.database("token pull cost") else { return }
        let site = try Site(database: database, label: "tokcost")
        try site.create(notes: 0)
        for _ in 0..<20 { _ = try Self.issue(site, mirror: nil) }
        let ledger = try Ledger.open(path: site.ledger, mirror: site.dir.path("measure.sqlite"))
        #expect(ledger.database.sharesTokens)
        #expect(try ledger.database.pullTokens() == true)
        #expect(try APITokens(database: ledger.database).list().count == 20)
        let n = 200
        let clock = ContinuousClock()
        let took = clock.measure { for _ in 0..<n { #expect((try? ledger.database.pullTokens()) == false) } }
        let each = Double(took.components.attoseconds) / 1e15 / Double(n) + Double(took.components.seconds) * 1000 / Double(n)
        print("a pull of token changes with nothing new: \(String(format: "%.3f", each)) ms")
        #expect(each < 50)
    }
}
