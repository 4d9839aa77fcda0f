import CSLedgerKit
import Hummingbird
import LedgerCore
import Logging

/// Builds the daemon: the API's router and the write queue, as a Hummingbird application
/// that shuts down gracefully (requests in flight finish, queued writes are written).
public enum LedgerServer {
    /// The application for `ledger`, listening on `host:port`.
    public static func application(ledger: Ledger, facilityKey: SignerKey, host: String, port: Int,
                                   logger: Logger) throws -> some ApplicationProtocol {
        let queue = WriteQueue(ledger: ledger, checkpointSigner: try ledger.checkpointSigner(facilityKey: facilityKey))
        let api = LedgerAPI(ledger: ledger, queue: queue)
        return Application(router: api.router(), configuration: .init(address: .hostname(host, port: port), serverName: "csledgerd"),
                           services: [queue], logger: logger)
    }
}
