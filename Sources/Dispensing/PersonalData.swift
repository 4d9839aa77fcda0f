import Foundation
import GRDB
import LedgerCore
import LedgerStore

/// Personal data kept OFF the chain (SPEC §6): patients and the adults who sign for parcels.
///
/// Statements carry only `{"ref", "commitment"}` where
/// `commitment = sha256(salt || JCS(data))` and the 32-byte salt is random.
/// Erasing (retention ended) removes data and salt; the chain still verifies.
package struct PersonalData: Sendable {
    /// What kind of person a record is about.
    package enum Kind: String, Sendable { case patient, deliverySigner = "delivery_signer" }

    /// A person as statements name them (defined in LedgerCore, where the HTTP client can use it too).
    package typealias Reference = PersonalDataReference

    let database: LedgerDatabase

    package init(database: LedgerDatabase) { self.database = database }

    /// `sha256(salt || JCS(data))`, hex.
    package static func commitment(salt: [UInt8], data: [String: JSONValue]) -> String {
        Hash.sha256(salt + JCS.serialize(.object(data))).hex
    }

    /// Stores personal data and returns its new reference and commitment.
    package func add(kind: Kind, data: [String: JSONValue], now: Timestamp = .now()) throws -> Reference {
        var salt = [UInt8](repeating: 0, count: 32)
        var rng = SystemRandomNumberGenerator()
        for i in salt.indices { salt[i] = UInt8.random(in: 0...255, using: &rng) }
        let prefix = kind == .patient ? "P-" : "S-"
        let ref = prefix + String(Hex.encode((0..<5).map { _ in UInt8.random(in: 0...255, using: &rng) }).uppercased())
        let commitment = Self.commitment(salt: salt, data: data)
        try database.writeLocal { db in
            try db.execute(sql: "INSERT INTO personal_data (ref, kind, commitment, salt, data, created) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [ref, kind.rawValue, commitment, Data(salt), Data(JCS.serialize(.object(data))), now.description])
        }
        // A patient is added on their own (no entry yet), so kept in the ledger's store at once (a ledger in PostgreSQL:
        // another process, another daemon behind the same address, finds them); a delivery signer goes there with the
        // delivery entry that names them, or not at all when that is refused.
        if kind == .patient {
            do { try database.handOverPerson(ref) } catch {
                _ = try? database.writeLocal { db in try db.execute(sql: "DELETE FROM personal_data WHERE ref = ?", arguments: [ref]) }
                throw error
            }
        }
        return Reference(ref: ref, commitment: commitment)
    }

    /// The reference of `ref`, checked to exist, be of `kind` and not be erased.
    package func reference(_ ref: String, kind: Kind = .patient) throws -> Reference {
        let row = try database.read { db in
            try Row.fetchOne(db, sql: "SELECT kind, commitment, erased FROM personal_data WHERE ref = ?", arguments: [ref])
        }
        guard let row, (row[0] as String) == kind.rawValue else {
            throw LedgerError(.notFound, "no \(kind == .patient ? "patient" : "delivery signer") \(ref.prefix(40)) on file; add them with `csledger patient add`")
        }
        if (row[2] as String?) != nil { throw LedgerError(.notFound, "the personal data of \(ref) was erased") }
        return Reference(ref: ref, commitment: row[1])
    }

    /// References on file of `kind` (not erased), in ref order, at most `limit`.
    package func references(kind: Kind = .patient, limit: Int) throws -> [Reference] {
        try database.read { db in
            try Row.fetchAll(db, sql: "SELECT ref, commitment FROM personal_data WHERE kind = ? AND erased IS NULL ORDER BY ref LIMIT ?",
                             arguments: [kind.rawValue, limit]).map { Reference(ref: $0[0], commitment: $0[1]) }
        }
    }

    /// The stored data and salt of `ref` (nil once erased), for exports that must show it.
    package func disclose(_ ref: String) throws -> (data: [String: JSONValue], salt: [UInt8], commitment: String)? {
        try database.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT data, salt, commitment FROM personal_data WHERE ref = ?", arguments: [ref]),
                  let data = row[0] as Data?, let salt = row[1] as Data? else { return nil }
            guard let object = try? JSONParser.parse(Array(data)).objectValue else {
                throw LedgerError(.ledgerCorrupt, "the personal data of \(ref) is damaged")
            }
            return (object, Array(salt), row[2])
        }
    }

    /// Erases the personal data and salt of `ref`, keeping its reference and commitment.
    package func erase(_ ref: String, now: Timestamp = .now()) throws {
        let changed = try database.writeLocal { db -> Int in
            try db.execute(sql: "UPDATE personal_data SET data = NULL, salt = NULL, erased = ? WHERE ref = ? AND erased IS NULL",
                           arguments: [now.description, ref])
            return db.changesCount
        }
        guard changed == 1 else { throw LedgerError(.notFound, "no personal data on file for \(ref.prefix(40)), or it was already erased") }
    }

    /// Removes a record of `kind` that no entry refers to (its statement was refused, or never sent, after
    /// the data was stored). Returns false, and keeps it, when an entry refers to it.
    ///
    /// Only entries logged since the record was made can refer to it (a statement names a reference
    /// only once it exists, and logged times never go backwards), so the entries are read from the
    /// newest back to then (less ten minutes, should the clock have been set back), not all of them.
    @discardableResult
    package func discard(_ ref: String, kind: Kind) throws -> Bool {
        try database.writeLocal { db in
            guard let created = try String.fetchOne(db, sql: "SELECT created FROM personal_data WHERE ref = ? AND kind = ?",
                                                    arguments: [ref, kind.rawValue]),
                  let since = Timestamp(created)?.adding(milliseconds: -600_000) else {
                throw LedgerError(.notFound, "no \(kind == .patient ? "patient" : "delivery signer") \(ref.prefix(40)) on file")
            }
            let quoted = Array(("\"" + ref + "\"").utf8)
            let rows = try Row.fetchCursor(db, sql: "SELECT logged, bytes FROM entries ORDER BY seq DESC")
            while let row = try rows.next() {
                // A row whose time cannot be read is searched all the same (it may be the one that names it).
                if let logged = Timestamp(row[0] as String), logged < since { break }
                let bytes: Data = row[1]
                if bytes.range(of: Data(quoted)) != nil { return false }
            }
            try db.execute(sql: "DELETE FROM personal_data WHERE ref = ?", arguments: [ref])
            return true
        }
    }

    /// A patient's personal data as `patient add` keeps it, checked: a name, an address and a date of birth.
    /// Errors name each field by `labels` (the command line's flags, the API's member names).
    package static func patientData(name: String, address: String, dateOfBirth: String,
                                   labels: (name: String, address: String, dateOfBirth: String) = ("name", "address", "date_of_birth"))
        throws -> [String: JSONValue] {
        guard dateOfBirth.count == 10, let born = Timestamp(dateOfBirth, allowDate: true), born <= .now() else {
            throw LedgerError(.invalidArgument, "\(labels.dateOfBirth) must be a past date YYYY-MM-DD")
        }
        let name = try Self.text(name, labels.name), address = try Self.text(address, labels.address)
        return ["name": .string(name), "address": .string(address), "date_of_birth": .string(dateOfBirth)]
    }

    /// The adult who signed for a parcel, as `deliver` keeps them: a name and, if the carrier gave it, the
    /// last digits of the ID shown (at most 6 letters or digits; never the whole number).
    package static func deliverySignerData(name: String, idLastDigits: String?,
                                          labels: (name: String, idLast: String) = ("name", "id_last_digits"),
                                          idJurisdiction: String? = nil, jurisdictionLabel: String = "id_jurisdiction") throws -> [String: JSONValue] {
        var data: [String: JSONValue] = ["name": .string(try Self.text(name, labels.name))]
        if let idJurisdiction {
            // The state (or country) that issued the ID, as ASAP AIR03 sends it: two capital letters.
            guard idJurisdiction.count == 2, idJurisdiction.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
                throw LedgerError(.invalidArgument, "\(jurisdictionLabel) must be the two-letter code of the state that issued the ID, e.g. TX")
            }
            data["id_jurisdiction"] = .string(idJurisdiction)
        }
        if let idLastDigits {
            guard (1...6).contains(idLastDigits.count), idLastDigits.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
                throw LedgerError(.invalidArgument, "\(labels.idLast) must be the last 1 to 6 letters or digits of the ID")
            }
            data["id_last_digits"] = .string(idLastDigits)
        }
        return data
    }

    /// Trimmed text of 1 to 200 characters.
    private static func text(_ value: String, _ what: String) throws -> String {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...200).contains(trimmed.count) else { throw LedgerError(.invalidArgument, "\(what) must be 1 to 200 characters") }
        guard !TerminalText.hasControl(trimmed) else {
            throw LedgerError(.invalidArgument, "\(what) holds a control character (such as ESC or a line break); it must be plain text")
        }
        return trimmed
    }
}
