import Foundation
import GRDB
import LedgerCore

/// Transfers between registrants. A transfer out (`transfer.out`) takes stock off its lots, to another DEA
/// registrant named with its invoice; a transfer in is a `lot.received` from the sending registrant, marked
/// `transfer_in: true` (`receive --transfer-in`), as the receiver records any receipt.
extension DispensingProjection {
    func transferOut(_ c: Context, _ r: BodyReader) throws {
        let to = try r.object("to")
        _ = try to.string("name")
        _ = try to.string("address", max: 300)
        let dea = try to.dea("dea_number")
        let own = try String.fetchOne(c.db.cachedStatement(sql: "SELECT json_extract(CAST(bytes AS TEXT), '$.statement.body.dea_number') FROM entries WHERE seq = 0"))
        if let own, own == dea.description { throw to.error("dea_number", "is this registrant's own DEA number; a transfer goes to another registrant") }
        _ = try r.string("invoice", max: 60)
        _ = try r.optionalString("reason", max: 300)
        var seen = Set<String>()
        for item in try r.objects("items", max: 20) {
            let lotID = try item.string("lot_id", max: 60)
            guard let lot = try LotRow.fetch(c.db, lotID) else { throw item.error("lot_id", "names lot \(lotID), which was never received") }
            guard lot.receivedTime <= c.time else { throw c.fail("lot \(lotID) is transferred at \(c.time), before it was received (\(lot.receivedTime))") }
            guard seen.insert(lotID).inserted else { throw item.error("lot_id", "lists lot \(lotID) twice") }
            // Expired, quarantined and recalled stock may leave: a reverse distributor takes exactly that.
            let q = try item.quantity("quantity")
            try move(c, lot, "transferred", -q.micros)
        }
    }
}
