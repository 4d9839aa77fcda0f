import CSLedgerKit
import LedgerCore

/// The signers and statements the benchmark writes: a facility key, two enrolled pharmacists, and
/// dispensing-like statements of realistic size (Rx number, NDC, lot, exact quantities, a patient
/// commitment as SPEC §6 requires).
struct Workload: Sendable {
    static let origin = "bench.csledger.example/ledger"
    static let statementType = "drug.dispensed"

    let facility: SignerKey
    /// One per concurrent writer.
    let pharmacists: [SignerKey]

    /// Fixed keys, so every run writes the same kind of ledger.
    init() throws {
        func key(_ n: UInt8) throws -> SignerKey { try SignerKey(seed: [UInt8](repeating: n, count: 32)) }
        facility = try key(1)
        pharmacists = [try key(2), try key(3)]
    }

    /// Entries `create` writes before any statement: the genesis entry and one enrolment per pharmacist.
    var setupEntries: Int { 1 + pharmacists.count }

    /// A new ledger at `path` with the pharmacists enrolled.
    func create(path: String) throws -> Ledger {
        let ledger = try Ledger.create(path: path, origin: Self.origin, facilityName: "Benchmark Clinic",
                                       deaNumber: "BD1234563", facilityKey: facility)
        for (n, key) in pharmacists.enumerated() {
            try ledger.enroll(name: "Pharmacist \(n + 1)", role: .pharmacist, publicKey: key.publicKey,
                              adminKey: facility, facilityKey: facility)
        }
        return ledger
    }

    static let ndcs = ["0409-2051-05", "42023-113-10", "0143-9508-10", "70069-013-25", "0641-6146-25"]
    static let quantities = ["0.5", "1", "2.5", "10", "28", "56.25"]

    /// The body of the `i`th dispensing statement (about 400 bytes once canonical).
    func body(_ i: Int) -> [String: JSONValue] {
        let patient = Hash.sha256(Array("salt-\(i % 4999)|{\"dob\":\"1980-01-01\",\"name\":\"Patient \(i % 4999)\"}".utf8))
        return [
            "rx_number": .string("RX-\(1_000_000 + i)"),
            "fill": .string(String(i % 6)),
            "ndc": .string(Self.ndcs[i % Self.ndcs.count]),
            "lot": .string("K\(23_000 + i % 997)A"),
            "expiry": .string("2027-\(String(1 + i % 9).leftPadded(to: 2))-28"),
            "quantity": .string(Self.quantities[i % Self.quantities.count]),
            "unit": .string("mL"),
            "days_supply": .string(String(7 + i % 24)),
            "patient": .string(patient.hex),
            "prescriber_dea": .string("BD1234563"),
            "directions": .string("1 spray in each nostril under supervision; observe 2 hours"),
        ]
    }

    /// The `i`th statement, signed by pharmacist `signer`.
    func signed(_ i: Int, signer: Int = 0, time: Timestamp) throws -> SignedStatement {
        let key = pharmacists[signer]
        let statement = try Statement(type: Self.statementType, time: time, actor: key.keyID, body: body(i))
        return try SignedStatement(statement: statement, actorKey: key)
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
