import Foundation
import GRDB
import LedgerCore
import LedgerStore

/// Personal data kept OFF the chain (SPEC §6): patients and the adults who sign for parcels.
///
/// Statements carry only `{"ref", "commitment"}` where
/// `commitment = sha256(salt || JCS(data))` and the 32-byte salt is random.
/// Erasing (retention ended) removes data and salt; the chain still verifies.
public struct PersonalData: Sendable {
    /// What kind of person a record is about.
    public enum Kind: String, Sendable { case patient, deliverySigner = "delivery_signer" }

    /// A reference as statements carry it.
    public struct Reference: Sendable, Hashable {
        public let ref: String
        public let commitment: String
        public var json: JSONValue { .object(["ref": .string(ref), "commitment": .string(commitment)]) }

        public init(ref: String, commitment: String) {
            self.ref = ref
            self.commitment = commitment
        }
    }

    let database: LedgerDatabase

    public init(database: LedgerDatabase) { self.database = database }

    /// `sha256(salt || JCS(data))`, hex.
    public static func commitment(salt: [UInt8], data: [String: JSONValue]) -> String {
        Hash.sha256(salt + JCS.serialize(.object(data))).hex
    }

    /// Stores personal data and returns its new reference and commitment.
    public func add(kind: Kind, data: [String: JSONValue], now: Timestamp = .now()) throws -> Reference {
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
        return Reference(ref: ref, commitment: commitment)
    }

    /// The reference of `ref`, checked to exist, be of `kind` and not be erased.
    public func reference(_ ref: String, kind: Kind = .patient) throws -> Reference {
        let row = try database.read { db in
            try Row.fetchOne(db, sql: "SELECT kind, commitment, erased FROM personal_data WHERE ref = ?", arguments: [ref])
        }
        guard let row, (row[0] as String) == kind.rawValue else {
            throw LedgerError(.notFound, "no \(kind == .patient ? "patient" : "delivery signer") \(ref.prefix(40)) on file; add them with `csledger patient add`")
        }
        if (row[2] as String?) != nil { throw LedgerError(.notFound, "the personal data of \(ref) was erased") }
        return Reference(ref: ref, commitment: row[1])
    }

    /// The stored data and salt of `ref` (nil once erased), for exports that must show it.
    public func disclose(_ ref: String) throws -> (data: [String: JSONValue], salt: [UInt8], commitment: String)? {
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
    public func erase(_ ref: String, now: Timestamp = .now()) throws {
        let changed = try database.writeLocal { db -> Int in
            try db.execute(sql: "UPDATE personal_data SET data = NULL, salt = NULL, erased = ? WHERE ref = ? AND erased IS NULL",
                           arguments: [now.description, ref])
            return db.changesCount
        }
        guard changed == 1 else { throw LedgerError(.notFound, "no personal data on file for \(ref.prefix(40)), or it was already erased") }
    }

    /// Removes a record that no entry refers to (a statement that was refused after the data was stored).
    public func discard(_ ref: String) throws {
        try database.writeLocal { db in
            let used = try Int.fetchOne(db, sql: "SELECT count(*) FROM entries WHERE instr(CAST(bytes AS TEXT), ?) > 0", arguments: ["\"" + ref + "\""]) ?? 0
            if used == 0 { try db.execute(sql: "DELETE FROM personal_data WHERE ref = ?", arguments: [ref]) }
        }
    }
}
