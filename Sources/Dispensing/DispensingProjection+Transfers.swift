import Foundation
import GRDB
import LedgerCore

/// Transfers between registrants. A transfer out (`transfer.out`) takes stock off its lots, to another DEA
/// registrant named with its invoice; a transfer in is a `lot.received` from the sending registrant, marked
/// `transfer_in: true` (`receive --transfer-in`), as the receiver records any receipt.
extension DispensingProjection {
    func transferOut(_ c: Context, _ b: TransferOut) throws {
        let own = try String.fetchOne(c.db.cachedStatement(sql: "SELECT json_extract(CAST(bytes AS TEXT), '$.statement.body.dea_number') FROM entries WHERE seq = 0"))
        if let own, own == b.to.deaNumber {
            throw c.error("\(TransferOut.Member.to).\(Party.Member.deaNumber)", "is this registrant's own DEA number; a transfer goes to another registrant")
        }
        var seen = Set<String>()
        for (i, item) in b.items.enumerated() {
            let path = "\(TransferOut.Member.items)[\(i + 1)]."
            let lotID = item.lotID
            guard let lot = try LotRow.fetch(c.db, lotID) else { throw c.error(path + LotQuantity.Member.lotID, "names lot \(lotID), which was never received") }
            guard lot.receivedTime <= c.time else { throw c.fail("lot \(lotID) is transferred at \(c.time), before it was received (\(lot.receivedTime))") }
            guard seen.insert(lotID).inserted else { throw c.error(path + LotQuantity.Member.lotID, "lists lot \(lotID) twice") }
            // Expired, quarantined and recalled stock may leave: a reverse distributor takes exactly that.
            try move(c, lot, "transferred", -item.quantity.micros)
        }
    }
}
