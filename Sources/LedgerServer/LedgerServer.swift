import CSLedgerKit
import Hummingbird
import HummingbirdCore
import LedgerCore
import Logging
import NIOCore
import NIOPosix
import TLSServing
import Witness

/// Builds the daemon: the API's router and the write queue, as a Hummingbird application
/// that shuts down gracefully (requests in flight finish, queued writes are written).
package enum LedgerServer {
    /// The application for `ledger`, listening on `host:port`, over TLS when `tls` is given.
    ///
    /// A connection that sends nothing for `idleTimeout` (a half-sent request head included) is
    /// closed; a request body must arrive within `bodyTimeout`.
    /// `onListening` is told the bound port (useful with port 0).
    package static func application(ledger: Ledger, facilityKey: SignerKey, host: String, port: Int, tls: ServerTLS? = nil,
                                   idleTimeout: Duration = APIConfiguration.idleTimeout,
                                   bodyTimeout: Duration = APIConfiguration.bodyTimeout, logger: Logger,
                                   witnesses: [WitnessEndpoint] = [], witnessInterval: Duration = .seconds(10),
                                   sites: GroupSites? = nil,
                                   onListening: @escaping @Sendable (Int) -> Void = { _ in }) throws -> some ApplicationProtocol {
        let queue = WriteQueue(ledger: ledger, checkpointSigner: try ledger.checkpointSigner(facilityKey: facilityKey))
        var api = try LedgerAPI(ledger: ledger, queue: queue, witnesses: witnesses.map(\.witness))
        api.bodyTimeout = bodyTimeout
        api.secureCookies = tls != nil
        api.sites = sites
        // Witnesses are asked in the background; appends never wait for them.
        let pusher = witnesses.isEmpty ? nil : WitnessPusher(ledger: ledger, endpoints: witnesses, interval: witnessInterval, logger: logger)
        api.witnesses = pusher
        let http1 = HTTPServerBuilder.http1(configuration: .init(additionalChannelHandlers: [BodyDeadlineHandler(timeout: bodyTimeout)],
                                                                 idleTimeout: .init(idleTimeout)))
        let server = try tls.map { try $0.server(http1) } ?? http1
        return Application(router: api.router(), server: server,
                           configuration: .init(address: .hostname(host, port: port), serverName: "csledgerd"),
                           services: pusher.map { [queue, $0] } ?? [queue],
                           onServerRunning: { channel in onListening(channel.localAddress?.port ?? port) },
                           logger: logger)
    }

    /// Runs Swift concurrency's jobs on the server's event loops (NIO's singleton group, one thread per
    /// core) instead of a separate thread pool. A request then reads its body, checks its signatures and
    /// writes its answer on the thread that owns its connection, instead of crossing between the two
    /// pools at each step. Call once, first thing in the daemon's `main`, before any task runs.
    @discardableResult
    package static func runConcurrencyOnEventLoops() -> Bool {
        return NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }
}
