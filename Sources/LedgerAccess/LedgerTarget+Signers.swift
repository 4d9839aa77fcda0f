import LedgerCore

extension LedgerTarget {
    /// Enrols a signer: an `actor.enrolled` statement signed here by an admin and appended.
    @discardableResult
    package func enroll(name: String, role: Role, publicKey: SignerPublicKey, adminKey: SignerKey, time: Timestamp) throws -> AppendReceipt {
        let statement = try Statement(type: CoreStatementType.actorEnrolled, time: time, actor: adminKey.keyID, log: try origin(),
                                      body: try ActorEnrolled.enrolling(name: name, role: role, publicKey: publicKey).body)
        return try append(try SignedStatement(statement: statement, actorKey: adminKey))
    }

    /// Revokes a signer: an `actor.revoked` statement signed here by an admin; its later signatures no longer count.
    @discardableResult
    package func revoke(keyID: KeyID, reason: String?, adminKey: SignerKey, time: Timestamp) throws -> AppendReceipt {
        let statement = try Statement(type: CoreStatementType.actorRevoked, time: time, actor: adminKey.keyID, log: try origin(),
                                      body: ActorRevoked(key: keyID, reason: reason).body)
        return try append(try SignedStatement(statement: statement, actorKey: adminKey))
    }
}
