import Foundation
import LedgerCore

/// A ledger in PostgreSQL, as given to `--ledger`: `postgresql://USER[:PASSWORD]@HOST[:PORT]/DB?ledger=ORIGIN`
/// (`postgres://` too). `?host=/run/postgresql` reaches the server through its Unix socket folder instead of TCP;
/// the password may also come from `$PGPASSWORD`. Without `ledger=` the address names the database (for
/// `csledger ledgers`).
package struct PostgresAddress: Sendable, Hashable, CustomStringConvertible {
    package let user: String
    package let password: String?
    package let host: String
    package let port: Int
    package let database: String
    /// The Unix socket file (`<folder>/.s.PGSQL.<port>`), when `?host=` names a folder.
    package let socketPath: String?
    /// The ledger's origin (`?ledger=`), or nil for the whole database.
    package let origin: String?

    /// True when `text` is a PostgreSQL address rather than a file path.
    package static func isAddress(_ text: String) -> Bool {
        text.hasPrefix("postgresql://") || text.hasPrefix("postgres://")
    }

    package init(_ text: String) throws {
        guard Self.isAddress(text), let url = URLComponents(string: text), let host = url.host, !host.isEmpty || url.queryItems?.contains(where: { $0.name == "host" }) == true else {
            throw LedgerError(.invalidArgument, "the ledger address must look like postgresql://USER@HOST:PORT/DB?ledger=ORIGIN")
        }
        let database = String(url.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else {
            throw LedgerError(.invalidArgument, "the ledger address must name a database: postgresql://USER@HOST:PORT/DB?ledger=ORIGIN")
        }
        var origin: String?, socketFolder: String?
        for item in url.queryItems ?? [] {
            switch item.name {
            case "ledger": origin = item.value
            case "host": socketFolder = item.value
            case "sslmode" where item.value == "disable": break
            default:
                throw LedgerError(.invalidArgument, "the ledger address has a parameter csledger does not know (\(item.name.prefix(30))); it takes ledger= and host=")
            }
        }
        if let origin, !SignerRegistry.isValidOrigin(origin) {
            throw LedgerError(.invalidArgument, "ledger=\(origin.prefix(60)) in the address is not a ledger origin (a name without spaces or '+')")
        }
        self.user = url.user ?? ProcessInfo.processInfo.environment["PGUSER"] ?? ProcessInfo.processInfo.environment["USER"] ?? "postgres"
        self.password = url.password ?? ProcessInfo.processInfo.environment["PGPASSWORD"]
        self.host = host.isEmpty ? "localhost" : host
        self.port = url.port ?? 5432
        self.database = database
        self.origin = origin
        self.socketPath = socketFolder.map { "\($0)/.s.PGSQL.\(url.port ?? 5432)" }
    }

    /// The address without its password (what is printed and what names the mirror file).
    package var description: String {
        var s = "postgresql://\(user)@\(host):\(port)/\(database)"
        var query: [String] = []
        if let socketPath { query.append("host=\(socketPath.dropLast(".s.PGSQL.\(port)".count + 1))") }
        if let origin { query.append("ledger=\(origin)") }
        if !query.isEmpty { s += "?" + query.joined(separator: "&") }
        return s
    }

    /// The same database with another ledger (origin), or with none (the whole database).
    package func with(origin: String?) -> PostgresAddress {
        PostgresAddress(user: user, password: password, host: host, port: port, database: database, socketPath: socketPath, origin: origin)
    }

    private init(user: String, password: String?, host: String, port: Int, database: String, socketPath: String?, origin: String?) {
        (self.user, self.password, self.host, self.port, self.database, self.socketPath, self.origin) = (user, password, host, port, database, socketPath, origin)
    }

    /// The ledger's origin, or a usage error saying the address needs `?ledger=`.
    package func requireOrigin() throws -> String {
        guard let origin else {
            throw LedgerError(.invalidArgument, "the address names a database but no ledger; add ?ledger=ORIGIN (csledger ledgers --ledger \(self) lists them)")
        }
        return origin
    }

    /// Where this process keeps its SQLite mirror of the ledger when `--mirror` is not given:
    /// `$XDG_CACHE_HOME/csledger/` (else `~/.cache/csledger/`), named by the SHA-256 of the address.
    package var defaultMirrorPath: String {
        let env = ProcessInfo.processInfo.environment
        let cache = env["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((env["HOME"] ?? NSHomeDirectory()) + "/.cache")
        return "\(cache)/csledger/\(Hash.sha256(Array(description.utf8)).hex).sqlite"
    }
}
