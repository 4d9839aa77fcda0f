import Foundation
import LedgerCore
import LedgerStore

extension Ledger {
    /// Hands the facility role (signing checkpoints) from `currentKey` to `newKey`, in one transaction:
    /// enrols the new key as an admin (unless it already is one), then records `facility.key_rotated`
    /// signed by the current facility key and cosigned by the new key. The checkpoint of that transaction,
    /// and every later one, is signed by the new key; the old key is retired and signs nothing after it.
    /// Checkpoints signed before stay valid with the old key.
    @discardableResult
    package func rotateFacilityKey(to newKey: SignerKey, currentKey: SignerKey, name: String? = nil, reason: String? = nil,
                                  time: Timestamp = .now()) throws -> [LedgerDatabase.Appended] {
        _ = try checkpointSigner(facilityKey: currentKey)
        try requireIntegrityForAppend(facilityKey: currentKey)
        guard newKey.keyID != currentKey.keyID else {
            throw LedgerError(.invalidArgument, "the new facility key is the same as the current one; make a new key with `csledger keys generate`")
        }
        var statements: [SignedStatement] = []
        let existing = try database.signers().first { $0.keyID == newKey.keyID }
        if let existing {
            guard existing.role == .admin, existing.revokedSeq == nil else {
                throw LedgerError(.roleNotAllowed, "the new facility key \(newKey.keyID.short) is enrolled as \(existing.role.rawValue)\(existing.revokedSeq == nil ? "" : " and revoked"); use a fresh key")
            }
        } else {
            let enrol = try Statement(type: CoreStatementType.actorEnrolled, time: time, actor: currentKey.keyID, log: try origin(),
                                      body: ActorEnrolled(name: name ?? "Facility key from \(time.description.prefix(10))", role: .admin,
                                                          publicKey: newKey.publicKey).body)
            statements.append(try SignedStatement(statement: enrol, actorKey: currentKey))
        }
        let body = FacilityKeyRotated(publicKey: newKey.publicKey, previousKey: currentKey.keyID, reason: reason).body
        let rotation = try Statement(type: CoreStatementType.facilityKeyRotated, time: time, actor: currentKey.keyID,
                                     witnesses: [newKey.keyID], log: try origin(), body: body)
        statements.append(try SignedStatement(statement: rotation, actorKey: currentKey, witnessKeys: [newKey]))
        let appended = try database.append(statements, checkpointSigner: CheckpointSigner(origin: try origin(), key: newKey), projections: projections)
        Self.unsealed.withLock { $0[database.path] = (self, newKey) }
        return appended
    }
}
