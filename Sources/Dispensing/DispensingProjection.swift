import Foundation
import GRDB
import LedgerCore
import LedgerStore

/// Checks every dispensing statement against the records so far and keeps the
/// inventory tables, inside the append transaction: a statement that breaks a
/// rule is refused and nothing is written.
///
/// Rules: the actor's role may record the type; witnesses are enrolled, of a
/// witnessing role, and as many as the type needs; lots exist, were received
/// before the event, are not expired, quarantined or recalled; a lot's balance
/// never goes below zero unless the statement carries `override_reason`;
/// prescriptions follow the Schedule III limits; deliveries and returns match a
/// shipment still in transit.
package struct DispensingProjection: LedgerProjection {
    package init() {}

    package func apply(_ entry: Entry, in db: Database) throws {
        let type = entry.statement.type
        guard let roles = DispensingType.actorRoles[type] else { return }
        let ctx = Context(entry: entry, db: db)
        try ctx.requireActor(roles)
        switch type {
        case DispensingType.lotReceived: try receive(ctx)
        case DispensingType.lotStatusChanged: try changeStatus(ctx, ctx.body())
        case DispensingType.prescriptionAdded: try addPrescription(ctx, ctx.body())
        case DispensingType.doseAdministered: try administer(ctx, ctx.body())
        case DispensingType.prescriptionDispensed: try dispense(ctx, ctx.body())
        case DispensingType.shipmentSent: try ship(ctx, ctx.body())
        case DispensingType.shipmentDelivered: try deliver(ctx, ctx.body())
        case DispensingType.shipmentReturned: try returned(ctx, ctx.body())
        case DispensingType.shipmentLost: try shipmentLost(ctx, ctx.body())
        case DispensingType.wasteRecorded: try waste(ctx)
        case DispensingType.destructionRecorded: try destroy(ctx)
        case DispensingType.lossReported: try loss(ctx, ctx.body())
        case DispensingType.countRecorded: try count(ctx)
        case DispensingType.entryCorrected: try correct(ctx, ctx.body())
        case DispensingType.findingResolved: try resolveFinding(ctx, ctx.body())
        case DispensingType.patientPolicySet: try setPolicy(ctx, ctx.body())
        case DispensingType.doseDischarged: try discharge(ctx, ctx.body())
        case DispensingType.facilityUpdated: _ = try ctx.body() as FacilityUpdated
        case DispensingType.transferOut: try transferOut(ctx, ctx.body())
        default: break
        }
    }

    /// The lot id used in statements: normalised NDC and lot number.
    package static func lotID(ndc: NDC, lot: String) -> String { "\(ndc.normalized):\(lot)" }
}

/// What every rule needs: the entry, its time, the database inside the transaction.
struct Context {
    let entry: Entry
    let db: Database
    var seq: Int { entry.seq }
    var time: Timestamp { entry.statement.time }
    var type: String { entry.statement.type }

    func role(of key: KeyID) throws -> Role? {
        let lookup = try BoundStatement(db, "SELECT role, revoked_seq FROM signers WHERE key_id = ?")
        lookup.bind(1, key.hex)
        guard let (role, revoked) = try lookup.firstRow({ ($0.text(0), $0.isNull(1) ? nil : $0.int(1)) }) else { return nil }
        if let revoked, revoked < seq { return nil }
        return Role(rawValue: role)
    }

    func requireActor(_ roles: Set<Role>) throws {
        guard let role = try role(of: entry.statement.actor), roles.contains(role) else {
            let names = roles.map(\.rawValue).sorted().joined(separator: " or ")
            throw LedgerError(.roleNotAllowed, "only a \(names) may record \(type)")
        }
    }

    /// At least `count` witnesses, each enrolled with a witnessing role.
    func requireWitnesses(_ count: Int, what: String) throws {
        let witnesses = entry.statement.witnesses
        guard witnesses.count >= count else {
            throw LedgerError(.invalidStatement, count == 1
                ? "\(what) needs a witness who signs too (--witness-key); none was given"
                : "\(what) needs \(count) different witnesses who sign too; \(witnesses.count) given")
        }
        for w in witnesses {
            guard let role = try role(of: w), DispensingType.witnessRoles.contains(role) else {
                throw LedgerError(.roleNotAllowed, "witness \(w.short) is not an enrolled witness, pharmacist, clinician or compliance officer")
            }
        }
    }

    /// The statement's body read as its type, with the stateless checks (`StatementBody`); the rules here add
    /// the checks that need the records so far.
    func body<T: StatementBody>(_: T.Type = T.self) throws -> T { try T(checking: entry.statement.body) }

    /// The error for `field` (a path such as `lots[2].lot_id`) of this statement's body.
    func error(_ field: String, _ problem: String) -> LedgerError {
        LedgerError(.invalidBody, "\(type): \(field) \(problem)")
    }

    /// `override_reason` as the statement gives it, when it is non-empty text: a lot may then go below zero.
    var overrideReason: String? {
        guard let s = entry.statement.body[StatementMember.overrideReason]?.stringValue, !s.isEmpty else { return nil }
        return s
    }

    func fail(_ message: String, code: LedgerError.Code = .invalidBody) -> LedgerError {
        LedgerError(code, "\(type): \(message)")
    }
}
