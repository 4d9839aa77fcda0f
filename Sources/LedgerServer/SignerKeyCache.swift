import LedgerCore
import LedgerStore
import Synchronization

/// Public keys by key id, read from the signer table on first use.
///
/// A key id is the SHA-256 of its public key, so an entry never goes stale; whether the key is still
/// enrolled and authorised is decided by the writer, inside the transaction, not here.
final class SignerKeyCache: Sendable {
    private let database: LedgerDatabase
    private let known = Mutex<[KeyID: SignerPublicKey]>([:])

    init(database: LedgerDatabase) { self.database = database }

    /// The public key of `key`, or nil when no signer with that key id is on file.
    func publicKey(_ key: KeyID) -> SignerPublicKey? {
        if let k = known.withLock({ $0[key] }) { return k }
        guard let signer = try? database.read({ db in try LedgerDatabase.signer(db, key) }) else { return nil }
        known.withLock { $0[key] = signer.publicKey }
        return signer.publicKey
    }
}
