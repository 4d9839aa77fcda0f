import Foundation
import Testing

/// The PostgreSQL server the store's tests use: `$CSLEDGER_TEST_POSTGRES` (`Tools/pg-test-cluster.sh start` prints
/// one; `.ci/run` starts it). Without it, or when it does not answer, the tests say so on a SKIPPED line, and
/// fail when `$CSLEDGER_REQUIRE_POSTGRES` is 1 (as in CI).
enum TestPostgres {
    static let variable = "CSLEDGER_TEST_POSTGRES"

    /// The database's address (postgresql://USER@HOST:PORT/DB), or nil after saying why the test is skipped.
    static func database(_ test: String) -> String? {
        let env = ProcessInfo.processInfo.environment
        guard let url = env[variable], !url.isEmpty else {
            skip(test, "\(variable) is not set")
            return nil
        }
        let probe = try? psql(url, "SELECT 1")
        guard let probe, probe.status == 0, probe.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1" else {
            skip(test, "the server at \(variable)=\(url) does not answer (\(probe?.stderr.prefix(200) ?? "psql not found"))")
            return nil
        }
        return url
    }

    private static func skip(_ test: String, _ why: String) {
        print("SKIPPED: PostgreSQL test \"\(test)\": \(why); start one with Tools/pg-test-cluster.sh start and export \(variable)=<the address it prints>")
        if ProcessInfo.processInfo.environment["CSLEDGER_REQUIRE_POSTGRES"] == "1" {
            Issue.record("CSLEDGER_REQUIRE_POSTGRES=1 but \(why)")
        }
    }

    /// Runs SQL with psql (as a database user with write access would, an attacker among them); unaligned, tuples only.
    @discardableResult
    static func psql(_ url: String, _ sql: String) throws -> CLI.Result {
        try CLI.run("psql", [url, "-v", "ON_ERROR_STOP=1", "-Atq", "-F", "|", "-c", sql], in: URL(fileURLWithPath: "/"))
    }

    /// A new, empty database on the same server (for a test whose ledger has a fixed origin), or a copy of the
    /// database `template` (nobody may be connected to it); its address.
    static func newDatabase(_ url: String, template: String? = nil) throws -> String {
        let name = "csledger_t_\(UUID().uuidString.prefix(8).lowercased())"
        let from = template.map { " TEMPLATE " + $0[$0.index(after: $0.lastIndex(of: "/")!)...] } ?? ""
        let r = try psql(url, "CREATE DATABASE \(name)\(from)")
        try #require(r.status == 0, "\(r.stderr)")
        let base = url.split(separator: "?", maxSplits: 1)[0]
        return String(base[..<base.lastIndex(of: "/")!]) + "/" + name
    }

    /// A ledger origin no other test uses.
    static func uniqueOrigin(_ label: String) -> String {
        "\(label)-\(UUID().uuidString.prefix(8).lowercased()).test.example/ledger"
    }

    /// SQL literal for a text value (test-made origins hold no quote, but be safe).
    static func literal(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }
}
