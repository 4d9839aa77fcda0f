import Dispensing
import LedgerCore

/// One entry as the rules read it: its seq, the ledger's time and the signed statement, without the
/// chain fields and signatures (verification checks those; rule 11 reports what it finds).
///
/// A class, so that the many lists the rules build (by type, by lot, by person) share one copy.
final class Record: Sendable {
    let seq: Int
    /// When the ledger recorded it (the entry's `logged`).
    let logged: Timestamp
    let statement: Statement

    init(seq: Int, logged: Timestamp, statement: Statement) {
        self.seq = seq
        self.logged = logged
        self.statement = statement
    }

    /// The record of a decoded entry.
    convenience init(_ entry: Entry) {
        self.init(seq: entry.seq, logged: entry.logged, statement: entry.statement)
    }

    func string(_ key: String) -> String? { statement.body[key]?.stringValue }

    func micros(_ key: String) -> Int64? {
        guard let s = string(key) else { return nil }
        return (try? Quantity(parsing: s))?.micros
    }

    func integer(_ key: String) -> Int? { statement.body[key]?.integerValue }

    func time(_ key: String) -> Timestamp? { string(key).flatMap { Timestamp($0) } }

    /// The `ref` of the `patient` object, if any.
    var patientRef: String? { statement.body["patient"]?["ref"]?.stringValue }

    /// The lot id a `lot.received` entry names (normalised NDC and lot number).
    var receivedLotID: String? {
        guard let ndc = string("ndc").flatMap({ try? NDC($0) }), let lot = string("lot") else { return nil }
        return DispensingProjection.lotID(ndc: ndc, lot: lot)
    }

    /// `[{lot_id, quantity}]` items (dispensings, destructions, losses).
    var lotItems: [(lotID: String, micros: Int64)] {
        (statement.body[statement.type == DispensingType.prescriptionDispensed ? "lots" : "items"]?.arrayValue ?? []).compactMap { item in
            guard let id = item["lot_id"]?.stringValue, let q = item["quantity"]?.stringValue,
                  let m = (try? Quantity(parsing: q))?.micros else { return nil }
            return (id, m)
        }
    }

    /// The actor and the witnesses.
    var people: [KeyID] { [statement.actor] + statement.witnesses }
}
