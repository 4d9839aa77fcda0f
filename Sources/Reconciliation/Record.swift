import Dispensing
import LedgerCore

/// One entry as the rules read it: its seq, the ledger's time and the signed statement's fields,
/// without the chain fields and signatures (verification checks those; rule 11 reports what it finds).
///
/// A class, so that the many lists the rules build (by type, by lot, by person) share one copy. The
/// body stays in its bytes (`RecordBody`) until a rule asks for a member.
final class Record: Sendable {
    let seq: Int
    /// When the ledger recorded it (the entry's `logged`).
    let logged: Timestamp
    /// The statement's type, time (when the actor says it happened), actor and witnesses.
    let type: String
    let time: Timestamp
    let actor: KeyID
    let witnesses: [KeyID]
    let body: RecordBody
    /// The ledger the statement names (v2), if any.
    let log: String?

    init(seq: Int, logged: Timestamp, type: String, time: Timestamp, actor: KeyID, witnesses: [KeyID], body: RecordBody, log: String? = nil) {
        self.log = log
        self.seq = seq
        self.logged = logged
        self.type = type
        self.time = time
        self.actor = actor
        self.witnesses = witnesses
        self.body = body
    }

    /// The record of an entry decoded by the full parser.
    convenience init(_ entry: Entry) {
        let s = entry.statement
        self.init(seq: entry.seq, logged: entry.logged, type: s.type, time: s.time, actor: s.actor, witnesses: s.witnesses,
                  body: RecordBody(s.body), log: s.log)
    }

    /// The statement again, as the full parser reads it (tests compare the two).
    func statement() throws -> Statement {
        try Statement(type: type, time: time, actor: actor, witnesses: witnesses, log: log, body: body.object ?? [:])
    }

    func string(_ key: String) -> String? { body.string(key) }

    /// A member of the body, parsed.
    func value(_ key: String) -> JSONValue? { body[key] }

    func micros(_ key: String) -> Int64? {
        guard let s = string(key) else { return nil }
        return (try? Quantity(parsing: s))?.micros
    }

    func integer(_ key: String) -> Int? { body.integer(key) }

    func time(_ key: String) -> Timestamp? { string(key).flatMap { Timestamp($0) } }

    /// The `ref` of the `patient` object, if any.
    var patientRef: String? { body.string(PrescriptionDispensed.Member.patient, PersonalDataReference.Member.ref) }

    /// The lot id a `lot.received` entry names (normalised NDC and lot number).
    var receivedLotID: String? {
        guard let ndc = string(LotReceived.Member.ndc).flatMap({ try? NDC($0) }), let lot = string(LotReceived.Member.lot) else { return nil }
        return DispensingProjection.lotID(ndc: ndc, lot: lot)
    }

    /// `[{lot_id, quantity}]` items (dispensings, destructions, losses).
    var lotItems: [(lotID: String, micros: Int64)] {
        body.objects(type == DispensingType.prescriptionDispensed ? PrescriptionDispensed.Member.lots : DestructionRecorded.Member.items).compactMap { item in
            guard let id = item.string(LotQuantity.Member.lotID), let q = item.string(LotQuantity.Member.quantity), let m = (try? Quantity(parsing: q))?.micros else { return nil }
            return (id, m)
        }
    }

    /// The actor and the witnesses.
    var people: [KeyID] { [actor] + witnesses }
}
