import Dispensing
import Foundation
import LedgerCore
import LedgerStore

/// What every report reads from the ledger file, limited to the entries a checkpoint covers:
/// the registrant (from the genesis entry), signers' names, lots, and entries by type and time.
package struct ExportSource: Sendable {
    /// A received lot as the exports print it.
    package typealias Lot = DispensingRecords.Lot

    package let database: LedgerDatabase
    /// Entries with a seq below this (the checkpoint's tree size) are used.
    package let limit: Int
    package let origin: String
    /// The genesis body (`facility_name`, `dea_number`, and whatever else init recorded: `address`, `npi`, `ncpdp`,
    /// `state_license`) with every `facility.updated` the checkpoint covers laid over it.
    package let registrant: [String: JSONValue]
    package let lots: [String: Lot]
    let signerNames: [KeyID: String]

    /// Reads from `database`, up to (not including) entry `limit`.
    package init(database: LedgerDatabase, limit: Int) throws {
        self.database = database
        self.limit = limit
        let genesis = try database.entry(0)
        let updates = try database.entryBytes(types: [DispensingType.facilityUpdated], below: limit)
            .map { try Entry.decode(canonicalBytes: $0).statement.body }
        registrant = RegistrantIdentity.merged(genesis: genesis.statement.body, updates: updates)
        origin = genesis.statement.body[LedgerCreated.Member.origin]?.stringValue ?? ""
        var names: [KeyID: String] = [genesis.statement.actor: genesis.statement.body[LedgerCreated.Member.facilityName]?.stringValue ?? "facility"]
        for s in try database.signers() where s.enrolledSeq < limit { names[s.keyID] = s.name }
        signerNames = names
        lots = Dictionary(try DispensingRecords.lots(database, receivedBelow: limit).map { ($0.lotID, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// The registrant's name, from the genesis entry.
    package var facilityName: String { registrant[LedgerCreated.Member.facilityName]?.stringValue ?? origin }
    /// The registrant's DEA number, from the genesis entry.
    package var deaNumber: String { registrant[LedgerCreated.Member.deaNumber]?.stringValue ?? "" }
    /// The registrant's address, NPI, NCPDP number and state licence ("" when never recorded).
    package var address: String { registrant[FacilityUpdated.Member.address]?.stringValue ?? "" }
    package var npi: String { registrant[FacilityUpdated.Member.npi]?.stringValue ?? "" }
    package var ncpdp: String { registrant[FacilityUpdated.Member.ncpdp]?.stringValue ?? "" }
    package var stateLicense: String { registrant[FacilityUpdated.Member.stateLicense]?.stringValue ?? "" }

    /// A signer's enrolled name and short key id, for a report row.
    package func name(_ key: KeyID) -> String { "\(signerNames[key] ?? "unknown signer") (\(key.short))" }

    /// Entries of `types` whose statement time is within `from...to` (either end open when nil), in seq order.
    package func entries(types: [String], from: Timestamp? = nil, to: Timestamp? = nil) throws -> [Entry] {
        guard !types.isEmpty else { return [] }
        return try database.entryBytes(types: types, below: limit, from: from, to: to).map { try Entry.decode(canonicalBytes: $0) }
    }

    /// The entry at `seq`, if the checkpoint covers it.
    package func entry(_ seq: Int) throws -> Entry? {
        guard seq >= 0, seq < limit, let bytes = try database.entryBytes(seq) else { return nil }
        return try Entry.decode(canonicalBytes: bytes)
    }

    /// Which entry corrected each corrected entry (`entry.corrected` up to `to`).
    package func corrections(to: Timestamp? = nil) throws -> [Int: Entry] {
        var out: [Int: Entry] = [:]
        for e in try entries(types: ["entry.corrected"], to: to) {
            if let target = e.statement.body["corrects"]?.integerValue { out[target] = e }
        }
        return out
    }

    /// The lot named by `lotID` (every lot used was received before).
    func lot(_ lotID: String) throws -> Lot {
        guard let l = lots[lotID] else { throw LedgerError(.ledgerCorrupt, "lot \(lotID) is used but its receipt is not in the ledger; run verify") }
        return l
    }
}
