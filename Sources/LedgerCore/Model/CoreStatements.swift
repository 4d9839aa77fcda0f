import Foundation

/// The statement types the ledger core itself understands: the genesis entry
/// and the enrolment and revocation of signers (SPEC §3). Each body is defined once, as a type in
/// LedgerCore/Statements (`LedgerCreated`, `ActorEnrolled`, `ActorRevoked`, `FacilityKeyRotated`,
/// `LedgerUpgraded`; `StatementBodies.core`); the checks that need the ledger's state are `SignerRegistry`'s.
public enum CoreStatementType {
    /// Genesis; body: `origin`, `public_key`, `facility_name`, `dea_number`.
    public static let ledgerCreated = "ledger.created"
    /// Body: `name`, `role`, `public_key`.
    public static let actorEnrolled = "actor.enrolled"
    /// Body: `key` (key id), optional `reason`.
    public static let actorRevoked = "actor.revoked"
    /// The facility key hands over to a new key. Body: `public_key` (b64 of the new key, already enrolled as an
    /// admin), `previous_key` (the key id being replaced), optional `reason`. Actor: the current facility key;
    /// its only witness: the new key. Checkpoints from the tree that includes this entry on are signed by the new key.
    public static let facilityKeyRotated = "facility.key_rotated"
    /// The ledger adopts interchange format v2 from this entry on: every statement from `log_required_from`
    /// (this entry's own seq) names the ledger's origin in `log`. Body: `version` (2), `log_required_from`.
    /// Actor: the facility key. Ledgers created with v2 need none: their genesis statement names its log.
    public static let ledgerUpgraded = "ledger.upgraded"

    /// Every core type.
    public static let all: Set<String> = [ledgerCreated, actorEnrolled, actorRevoked, facilityKeyRotated, ledgerUpgraded]
}

/// A signer as enrolled in the ledger, with the seq numbers that bound its authority.
public struct Signer: Sendable, Hashable {
    public let keyID: KeyID
    public let publicKey: SignerPublicKey
    public let name: String
    public let role: Role
    /// The entry that enrolled it.
    public let enrolledSeq: Int
    /// The entry that revoked it, if any.
    public var revokedSeq: Int?

    public init(publicKey: SignerPublicKey, name: String, role: Role, enrolledSeq: Int, revokedSeq: Int? = nil) {
        self.keyID = publicKey.keyID
        self.publicKey = publicKey
        self.name = name
        self.role = role
        self.enrolledSeq = enrolledSeq
        self.revokedSeq = revokedSeq
    }

    /// True when a signature by this key counts on the entry at `seq`:
    /// enrolled before it and not revoked before it.
    public func isAuthorized(at seq: Int) -> Bool {
        enrolledSeq < seq && (revokedSeq.map { $0 >= seq } ?? true)
    }
}

/// The enrolment state of a ledger as it stands after some prefix of entries.
///
/// Verification replays it from the entries; appends check new statements
/// against it.
public struct SignerRegistry: Sendable {
    public private(set) var signers: [KeyID: Signer] = [:]
    /// The facility key and ledger origin, from the genesis entry.
    public private(set) var facility: Signer?
    public private(set) var origin: String?
    /// Every facility key the ledger has had, oldest first, with the first tree size whose checkpoint it signs.
    public private(set) var facilityHistory: [FacilityKeyPeriod] = []
    /// The first seq whose statement must name this ledger's origin in `log` (v2), if the ledger adopted v2.
    public private(set) var logRequiredFrom: Int?

    public init() {}

    /// Why `statement`, recorded at `seq`, does not belong in this ledger (it names another origin, or none
    /// where v2 requires one), or nil.
    public func logProblem(_ statement: Statement, at seq: Int) -> String? { logProblem(log: statement.log, at: seq) }

    /// `logProblem` for a statement whose `log` member is `log`.
    public func logProblem(log: String?, at seq: Int) -> String? {
        guard let origin else { return nil }
        if let log, log != origin {
            return "the statement was signed for the ledger \(log.printablePrefix(80)), not this one (\(origin))"
        }
        if log == nil, let from = logRequiredFrom, seq >= from {
            return "the statement does not name its ledger (\"log\"), which every statement from seq \(from) must"
        }
        return nil
    }

    /// The facility key that must sign the checkpoint of `treeSize` entries (the one in force after entry `treeSize - 1`).
    public func facility(atTreeSize treeSize: Int) -> Signer? {
        facilityHistory.last { $0.fromTreeSize <= treeSize }?.signer ?? facility
    }

    public subscript(key: KeyID) -> Signer? { signers[key] }

    /// Why the signature of `key` does not count on the entry at `seq`, or nil if it does.
    public func authorizationProblem(_ key: KeyID, at seq: Int) -> String? {
        guard let s = signers[key] else { return "key \(key.short) is not enrolled" }
        if s.enrolledSeq >= seq { return "key \(key.short) is enrolled only at seq \(s.enrolledSeq), after this entry" }
        if let r = s.revokedSeq, r < seq { return "key \(key.short) was revoked at seq \(r), before this entry" }
        return nil
    }

    /// Checks that `statement`, about to stand at `seq`, may be applied (genesis shape,
    /// admin authority for enrolment and revocation, valid bodies) without changing the registry.
    public func problem(applying statement: Statement, at seq: Int) -> String? {
        do {
            var copy = self
            try copy.apply(statement, at: seq)
            return nil
        } catch let e as LedgerError {
            return e.message
        } catch {
            return "\(error)"
        }
    }

    /// Applies the effect of `statement` recorded at `seq` (enrolment, revocation, genesis).
    /// Throws when the statement is not allowed there.
    public mutating func apply(_ statement: Statement, at seq: Int) throws {
        let type = statement.type
        if seq == 0 || type == CoreStatementType.ledgerCreated {
            guard seq == 0, type == CoreStatementType.ledgerCreated else {
                throw LedgerError(.invalidStatement, seq == 0 ? "the first entry must be ledger.created" : "ledger.created may only be the first entry")
            }
            let genesis = try LedgerCreated(checking: statement.body)
            let origin = genesis.origin, pk = genesis.publicKey
            guard pk.keyID == statement.actor else {
                throw LedgerError(.invalidBody, "ledger.created must be signed by the facility key it enrols")
            }
            let name = genesis.facilityName ?? origin
            let f = Signer(publicKey: pk, name: name, role: .admin, enrolledSeq: -1)
            signers[pk.keyID] = f
            facility = f
            facilityHistory = [FacilityKeyPeriod(fromTreeSize: 1, signer: f)]
            if let log = statement.log {
                guard log == origin else { throw LedgerError(.wrongLedger, "ledger.created names the ledger \(log.printablePrefix(80)) in \"log\" but creates \(origin)") }
                logRequiredFrom = 0
            }
            self.origin = origin
            return
        }
        switch type {
        case CoreStatementType.actorEnrolled:
            try requireAdmin(statement.actor)
            let enrolment = try ActorEnrolled(checking: statement.body)
            let name = enrolment.name, role = enrolment.role, pk = enrolment.publicKey
            if let existing = signers[pk.keyID] {
                throw LedgerError(.alreadyEnrolled, existing.revokedSeq == nil
                    ? "key \(pk.keyID.short) is already enrolled" : "key \(pk.keyID.short) was revoked and cannot be enrolled again; make a new key")
            }
            signers[pk.keyID] = Signer(publicKey: pk, name: name, role: role, enrolledSeq: seq)
        case CoreStatementType.actorRevoked:
            try requireAdmin(statement.actor)
            let key = try ActorRevoked(checking: statement.body).key
            guard var s = signers[key] else { throw LedgerError(.signerNotEnrolled, "key \(key.short) is not enrolled") }
            guard s.revokedSeq == nil else { throw LedgerError(.signerRevoked, "key \(key.short) is already revoked") }
            guard key != facility?.keyID else {
                throw LedgerError(.roleNotAllowed, "the facility key cannot be revoked; it signs the ledger's checkpoints")
            }
            s.revokedSeq = seq
            signers[key] = s
        case CoreStatementType.facilityKeyRotated:
            try applyRotation(statement, at: seq)
        case CoreStatementType.ledgerUpgraded:
            guard statement.actor == facility?.keyID else {
                throw LedgerError(.roleNotAllowed, "only the facility key may upgrade the ledger")
            }
            guard logRequiredFrom == nil else {
                throw LedgerError(.invalidStatement, "the ledger already requires every statement to name it (from seq \(logRequiredFrom ?? 0))")
            }
            guard (try? LedgerUpgraded(checking: statement.body))?.logRequiredFrom == seq else { throw LedgerUpgraded.wrongBody(at: seq) }
            guard statement.log == origin else {
                throw LedgerError(.wrongLedger, "ledger.upgraded must itself name the ledger (\"log\": \(origin ?? "?"))")
            }
            logRequiredFrom = seq
        default:
            break
        }
    }

    /// `facility.key_rotated`: the current facility key hands over to an enrolled admin key that cosigns.
    /// The old key is retired (revoked at this seq): it can sign neither entries nor checkpoints after it.
    private mutating func applyRotation(_ statement: Statement, at seq: Int) throws {
        guard var old = facility, statement.actor == old.keyID else {
            throw LedgerError(.roleNotAllowed, "only the current facility key may hand over to a new facility key")
        }
        let rotation: FacilityKeyRotated
        do { rotation = try FacilityKeyRotated(checking: statement.body) } catch let e as LedgerError where e.message == FacilityKeyRotated.previousKeyMissing.message {
            throw FacilityKeyRotated.wrongPreviousKey(expected: old.keyID)
        }
        guard rotation.previousKey == old.keyID else { throw FacilityKeyRotated.wrongPreviousKey(expected: old.keyID) }
        let pk = rotation.publicKey
        guard pk.keyID != old.keyID else {
            throw LedgerError(.invalidBody, "the new facility key is the same as the current one")
        }
        guard statement.witnesses == [pk.keyID] else {
            throw LedgerError(.invalidBody, "facility.key_rotated must be cosigned by the new key, as its only witness")
        }
        guard let new = signers[pk.keyID], new.role == .admin, new.revokedSeq == nil, new.enrolledSeq < seq else {
            throw LedgerError(.signerNotEnrolled, "the new facility key \(pk.keyID.short) must first be enrolled as an admin")
        }
        old.revokedSeq = seq
        signers[old.keyID] = old
        facility = new
        facilityHistory.append(FacilityKeyPeriod(fromTreeSize: seq + 1, signer: new))
    }

    private func requireAdmin(_ key: KeyID) throws {
        guard signers[key]?.role == .admin else {
            throw LedgerError(.roleNotAllowed, "only an admin may enrol or revoke signers")
        }
    }

    /// An origin is printable ASCII without spaces or `+`, at most 255 bytes (a C2SP key name).
    public static func isValidOrigin(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.count <= 255 && s.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7f && $0 != 0x2b }
    }
}

extension SignerRegistry {
    /// Rebuilds the state from a stored signer table (and the seq from which statements must name the ledger).
    public init(origin: String, signers list: [Signer], facilityKey: KeyID, logRequiredFrom: Int? = nil) {
        self.init()
        self.origin = origin
        self.logRequiredFrom = logRequiredFrom
        for s in list { signers[s.keyID] = s }
        if var f = signers[facilityKey] {
            f.revokedSeq = nil
            let current = Signer(publicKey: f.publicKey, name: f.name, role: f.role, enrolledSeq: -1)
            facility = current
            signers[facilityKey] = current
            // Only the key in force is known here; the full history comes from replaying the entries (verify).
            facilityHistory = [FacilityKeyPeriod(fromTreeSize: 1, signer: current)]
        }
    }
}
