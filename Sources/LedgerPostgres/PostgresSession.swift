import Foundation
import LedgerCore
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// One PostgreSQL connection used synchronously: each call waits for its answer on the calling thread.
///
/// The ledger's append path is synchronous and runs on a thread of its own (the command's main thread, the
/// daemon's `ledger-writer` thread), and it must hold one connection, inside one transaction, across the
/// SQLite transaction that surrounds it. So this uses PostgresConnection's EventLoopFuture API and waits on
/// the caller's thread: the connection's I/O runs on NIO's event loops, which are never blocked, and no
/// task of Swift's cooperative pool waits on another. Never call it from an event loop or an async task.
/// A connection that failed is dropped and a new one opened on the next call (PostgreSQL restarted).
final class PostgresSession: Sendable {
    let address: PostgresAddress
    private let connection = Mutex<PostgresConnection?>(nil)
    private static let logger = Logger(label: "csledger.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
    private static let ids = Atomic<Int>(0)

    init(address: PostgresAddress) { self.address = address }

    deinit { close() }

    /// Closes the connection without waiting (it may run on an event loop: a daemon's last reference).
    func close() {
        if let c = connection.withLock({ c in defer { c = nil }; return c }) { Self.closeQuietly(c) }
    }

    /// Starts closing `c` and does not wait (the EventLoopFuture form, not the async one).
    private static func closeQuietly(_ c: PostgresConnection) {
        let closing: EventLoopFuture<Void> = c.close()
        // Held until closed: postgres-nio asserts that a connection is closed before it is released.
        closing.whenComplete { _ in withExtendedLifetime(c) {} }
    }

    private func connected() throws -> PostgresConnection {
        if let c = connection.withLock({ $0 }), !c.isClosed { return c }
        var configuration: PostgresConnection.Configuration
        if let socket = address.socketPath {
            configuration = .init(unixSocketPath: socket, username: address.user, password: address.password, database: address.database)
        } else {
            configuration = .init(host: address.host, port: address.port, username: address.user, password: address.password,
                                  database: address.database, tls: .disable)
        }
        configuration.options.connectTimeout = .seconds(5)
        do {
            let c = try PostgresConnection.connect(on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration,
                                                   id: Self.ids.wrappingAdd(1, ordering: .relaxed).newValue, logger: Self.logger).wait()
            connection.withLock { $0 = c }
            return c
        } catch {
            throw LedgerError(.serverUnavailable, "cannot reach the PostgreSQL server at \(address.host):\(address.port) (database \(address.database)): \(Self.reason(error)); nothing was written, try again")
        }
    }

    /// Runs `query` and returns every row. Throws `server-unavailable` when the server cannot be reached or the
    /// connection broke, `storage` when PostgreSQL refused the statement.
    @discardableResult
    func run(_ query: PostgresQuery) throws -> PostgresQueryResult {
        let c = try connected()
        do {
            return try c.query(query, logger: Self.logger).wait()
        } catch {
            if c.isClosed { connection.withLock { if $0 === c { $0 = nil } } }
            // A refusal of the statement itself; but a server shutting down, restarting, out of connections or
            // cancelling (SQLSTATE classes 08, 53, 57) is the server out of reach for now.
            if let psql = error as? PSQLError, psql.serverInfo != nil, !Self.isOutOfReach(Self.sqlState(error)) {
                throw LedgerError(.storage, "PostgreSQL refused a statement: \(Self.reason(error)); nothing was written")
            }
            connection.withLock { if $0 === c { $0 = nil } }
            Self.closeQuietly(c)
            throw LedgerError(.serverUnavailable, "the connection to PostgreSQL at \(address.host):\(address.port) broke: \(Self.reason(error)); nothing was written, try again")
        }
    }

    /// The server's message for `error` (no bound values: they may hold patient data).
    static func reason(_ error: any Error) -> String {
        if let psql = error as? PSQLError {
            if let message = psql.serverInfo?[.message] { return "\(message)" }
            return "\(psql.code)"
        }
        return "\(type(of: error))"
    }

    /// SQLSTATE classes that mean the server cannot serve now, not that the statement is wrong.
    static func isOutOfReach(_ state: String?) -> Bool {
        guard let state else { return false }
        return ["08", "53", "57"].contains(String(state.prefix(2)))
    }

    /// The SQLSTATE of a refusal, e.g. 23505 for a unique violation.
    static func sqlState(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }
}
