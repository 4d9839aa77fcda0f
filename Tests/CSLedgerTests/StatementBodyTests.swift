import Dispensing
import Foundation
import Testing
@testable import CSLedgerKit
@testable import LedgerCore
@testable import LedgerStore
import Simulation

/// The typed statement bodies (LedgerCore/Statements) against real ledgers: every body csledger wrote reads as
/// its type and writes back to the same canonical bytes, with every member given back by a field.
@Suite("Typed statement bodies")
struct StatementBodyTests {
    /// What reading every entry of a ledger found.
    struct RoundTrip {
        var checked: [String: Int] = [:]
        var problems: [String] = []
    }

    /// Members a body (or an object in it) kept in `asWritten`: members its type does not define (`unknown`),
    /// and members a field reads in another spelling than it writes (`respelled`).
    static func unmodelled(_ value: any BodyObject, path: String = "") -> (unknown: [String], respelled: [String]) {
        var unknown: [String] = [], respelled: [String] = []
        let members = value.members
        for key in value.asWritten.keys.sorted() {
            if members[key] == nil { unknown.append(path + key) } else { respelled.append(path + key) }
        }
        for child in Mirror(reflecting: value).children {
            var inner: [any BodyObject] = []
            if let o = child.value as? any BodyObject { inner = [o] }
            if let a = child.value as? [any BodyObject] { inner = a }
            // Optionals come through Mirror as Optional<T>; unwrap one level.
            let m = Mirror(reflecting: child.value)
            if m.displayStyle == .optional, let some = m.children.first?.value {
                if let o = some as? any BodyObject { inner = [o] }
                if let a = some as? [any BodyObject] { inner = a }
            }
            for (i, o) in inner.enumerated() {
                let name = (child.label ?? "?") + (inner.count > 1 || child.value is [any BodyObject] ? "[\(i + 1)]" : "")
                let (u, r) = unmodelled(o, path: path + name + ".")
                unknown += u
                respelled += r
            }
        }
        return (unknown, respelled)
    }

    /// Reads the body of every entry of `database` that has a body type, writes it again and compares the JCS bytes.
    static func roundTrip(_ database: LedgerDatabase) throws -> RoundTrip {
        var out = RoundTrip()
        for seq in 0..<(try database.size()) {
            let statement = try database.entry(seq).statement
            guard let type = StatementBodies.bodyType(of: statement.type) else { continue }
            let body: any StatementBody
            do { body = try type.init(body: statement.body) } catch {
                out.problems.append("seq \(seq) \(statement.type): does not read: \(error)")
                continue
            }
            out.checked[statement.type, default: 0] += 1
            if JCS.serialize(.object(body.body)) != JCS.serialize(.object(statement.body)) {
                out.problems.append("seq \(seq) \(statement.type): written again differs")
            }
            let (unknown, respelled) = unmodelled(body)
            if !unknown.isEmpty { out.problems.append("seq \(seq) \(statement.type): members the type does not define: \(unknown)") }
            if !respelled.isEmpty { out.problems.append("seq \(seq) \(statement.type): fields that do not give back the member as written: \(respelled)") }
        }
        return out
    }

    @Test("every body of the demo ledger reads as its type and writes back to the same bytes")
    func demo() throws {
        let d = try TempDir()
        let r = try CLI.csledger(["demo", "--dir", "demo"], in: d.url)
        try #require(r.status == 0, "\(r.stderr)")
        let result = try Self.roundTrip(try LedgerDatabase.open(path: d.path("demo/ledger.sqlite"), readOnly: true))
        print("typed bodies, demo: \(result.checked.sorted { $0.key < $1.key })")
        #expect(result.problems.isEmpty, "\(result.problems.prefix(20))")
        #expect(result.checked.count >= 8, "the demo records most types: \(result.checked.keys.sorted())")
    }

    @Test("every body of a simulated clinic and the planted reconciliation ledger reads and writes back unchanged")
    func simulation() throws {
        var o = ClinicSim.Options()
        o.businessDays = 15
        o.dosesPerDay = 10
        let sim = try ClinicSim(start: PlantedLedger.start, options: o)
        try sim.run()
        var checked: [String: Int] = [:]
        for database in [sim.fx.ledger.database, PlantedLedger.shared.sim.fx.ledger.database] {
            let result = try Self.roundTrip(database)
            #expect(result.problems.isEmpty, "\(result.problems.prefix(20))")
            checked.merge(result.checked, uniquingKeysWith: +)
        }
        print("typed bodies, simulation: \(checked.sorted { $0.key < $1.key })")
        #expect(checked[DispensingType.doseAdministered, default: 0] > 100)
    }

    @Test("every command that records writes a body its type reads and writes back unchanged")
    func commands() throws {
        let fx = try DispensingLedger.make()
        try DispensingLedger.recordEveryType(fx)
        let result = try Self.roundTrip(try LedgerDatabase.open(path: fx.ledgerPath, readOnly: true))
        print("typed bodies, commands: \(result.checked.sorted { $0.key < $1.key })")
        #expect(result.problems.isEmpty, "\(result.problems.prefix(20))")
        let missing = StatementBodies.dispensing.map { $0.type }.filter { result.checked[$0] == nil }
        #expect(missing.isEmpty, "types no command recorded here: \(missing)")
    }

    @Test("every dispensing statement type, and finding.resolved, has exactly one body type")
    func everyTypeHasABody() {
        let types = StatementBodies.dispensing.map { $0.type }
        #expect(Set(types) == Set(DispensingType.all + [DispensingType.findingResolved]))
        #expect(types.count == Set(types).count)
        for t in types { #expect(StatementBodies.bodyType(of: t)?.type == t) }
        #expect(StatementBodies.bodyType(of: CoreStatementType.actorEnrolled) == nil)
    }

    @Test("a body a command would build writes the members csledger has always written")
    func built() throws {
        let dose = DoseAdministered(lotID: "70000012310:KV2611A", patient: PersonalDataReference(ref: "P-1", commitment: String(repeating: "a", count: 64)),
                                    order: "ORD-1", drawn: Quantity(micros: 1_000_000), given: Quantity(micros: 800_000),
                                    wasted: Quantity(micros: 200_000), wasteMethod: "drug disposal container")
        #expect(String(decoding: JCS.serialize(.object(dose.body)), as: UTF8.self) == #"{"drawn":"1","given":"0.8","lot_id":"70000012310:KV2611A","order":"ORD-1","patient":{"commitment":"\#(String(repeating: "a", count: 64))","ref":"P-1"},"waste_method":"drug disposal container","wasted":"0.2"}"#)
        let again = try DoseAdministered(body: dose.body)
        #expect(again == dose)
    }

    @Test("a body keeps members its type does not define, and null ones, as signed")
    func unknownMembers() throws {
        let body: [String: JSONValue] = ["lot_id": "70000012310:KV2611A", "counted": "12.5", "note": "shelf B", "unit": .null]
        let count = try CountRecorded(body: body)
        #expect(count.counted == Quantity(micros: 12_500_000))
        #expect(count.unit == nil)
        #expect(count.asWritten == ["note": "shelf B", "unit": .null])
        #expect(JCS.serialize(.object(count.body)) == JCS.serialize(.object(body)))
    }

    @Test("a body read with a value in another spelling writes back what was signed")
    func respelled() throws {
        let body: [String: JSONValue] = ["lot_id": " 70000012310:KV2611A", "counted": "12.50"]
        let count = try CountRecorded(body: body)
        #expect(count.lotID == "70000012310:KV2611A")
        #expect(count.asWritten == body)
        #expect(JCS.serialize(.object(count.body)) == JCS.serialize(.object(body)))
        // A body built from fields has nothing kept aside.
        #expect(CountRecorded(lotID: "70000012310:KV2611A", counted: Quantity(micros: 12_500_000)).body
                == ["lot_id": "70000012310:KV2611A", "counted": "12.5"])
    }

    @Test("reading refuses what the projection refused, with the same sentence")
    func refusals() throws {
        func refusal(_ make: () throws -> Any) -> String {
            switch Result(catching: make) {
            case .success: return "accepted"
            case .failure(let error): return (error as? LedgerError)?.message ?? "\(error)"
            }
        }
        #expect(refusal { try CountRecorded(body: ["lot_id": "L:1", "counted": .number(3)]) }
                == "count.recorded: counted must be a decimal string such as \"2.5\", not a JSON number")
        #expect(refusal { try DoseAdministered(body: ["lot_id": "L:1", "patient": ["ref": "P-1", "commitment": .string(String(repeating: "a", count: 64))],
                                                      "order": "O-1", "drawn": "1", "given": "0.5"]) }
                == "dose.administered: amount drawn (1) must equal amount given (0.5) plus amount wasted (0)")
        #expect(refusal { try DestructionRecorded(body: ["method": "m", "location": "l", "items": [["lot_id": "L:1", "quantity": "0"]]]) }
                == "destruction.recorded: items[1].quantity must be greater than zero")
        #expect(refusal { try FacilityUpdated(body: ["reason": "moved"]) }
                == "facility.updated: name at least one of facility_name, address, npi, ncpdp, state_license to change")
        #expect(refusal { try LotStatusChanged(statement: Statement(type: "count.recorded", time: Timestamp(millisecondsSinceEpoch: 0),
                                                                    actor: KeyID(publicKey: [UInt8](repeating: 1, count: 32)), body: [:])) }
                == "expected a lot.status_changed statement, not count.recorded")
    }
}

extension DispensingLedger {
    /// Records every dispensing statement type through its command, on top of the template (which received the
    /// lots and added RX-1001), so each body is as the CLI writes it.
    static func recordEveryType(_ f: DispensingLedger) throws {
        typealias D = DispensingLedger
        _ = try f.writeImage()
        try f.record(D.receive(lot: "KT2610C", time: "2026-03-03T08:00:00Z", extra: ["--transfer-in", "--invoice-quantity", "61", "--serial", "SN1"]))
        try f.record(["lot-status", "--lot", "KT2610C", "--status", "quarantined", "--reason", "label check", "--time", "2026-03-03T08:10:00Z"] + D.pharmacist)
        try f.record(["lot-status", "--lot", "KT2610C", "--status", "active", "--reason", "label fine", "--time", "2026-03-03T08:20:00Z"] + D.pharmacist)
        try f.record(D.rxAdd("RX-2002", patient: "$PB", refills: 1, time: "2026-03-03T09:10:00Z"))
        try f.record(D.dispense(fill: 1, time: "2026-03-03T10:00:00Z"))
        try f.record(D.ship(["\(D.rx)/1"], tracking: "1ZTYPED0000000001", time: "2026-03-03T10:30:00Z"))
        try f.record(D.deliver(tracking: "1ZTYPED0000000001", delivered: "2026-03-04T11:00:00Z", time: "2026-03-04T12:00:00Z"))
        try f.record(D.dispense(fill: 2, time: "2026-03-04T10:00:00Z"))
        try f.record(D.ship(["\(D.rx)/2"], tracking: "1ZTYPED0000000002", time: "2026-03-04T10:30:00Z"))
        try f.record(["return", "--tracking", "1ZTYPED0000000002", "--disposition", "restock", "--reason", "no adult available",
                      "--time", "2026-03-05T09:00:00Z"] + D.pharmacist)
        try f.record(D.dispense(fill: 3, quantity: "2", lots: ["\(D.tabletLot)=1", "KT2610C=1"], time: "2026-03-05T10:00:00Z"))
        try f.record(D.ship(["\(D.rx)/3"], tracking: "1ZTYPED0000000003", time: "2026-03-05T10:30:00Z",
                            extra: ["--no-adult-signature", "--override-reason", "patient is bedbound; carrier leaves with caregiver"]))
        try f.record(["lost-in-transit", "--tracking", "1ZTYPED0000000003", "--reason", "carrier reports parcel missing at hub",
                      "--time", "2026-03-06T09:00:00Z"] + D.pharmacist)
        try f.record(["loss", "--kind", "in_transit", "--tracking", "1ZTYPED0000000003", "--carrier", "UPS", "--discovered", "2026-03-06T08:00:00Z",
                      "--time", "2026-03-06T09:30:00Z"] + D.compliance)
        try f.record(["loss", "--kind", "theft", "--discovered", "2026-03-06T08:30:00Z", "--lot", "\(D.tabletLot)=1", "--description", "drawer forced",
                      "--police-report", "APD-26-1", "--time", "2026-03-06T09:40:00Z"] + D.compliance)
        let dose = try f.record(D.administer(drawn: "1", given: "0.8", time: "2026-03-06T10:00:00Z"))
        try f.record(D.administer(drawn: "1", given: "1", time: "2026-03-06T10:10:00Z", extra: ["--monitored-until", "2026-03-06T12:10:00Z"]))
        try f.record(["discharge", "--dose", String(dose), "--time", "2026-03-06T12:00:00Z"] + D.clinician)
        let waste = try f.record(D.waste(quantity: "0.5", time: "2026-03-06T13:00:00Z"))
        try f.record(["correct", "--seq", String(waste), "--reason", "recorded against the wrong lot", "--time", "2026-03-06T13:05:00Z"] + D.pharmacist)
        try f.record(["count", "--lot", D.vialLot, "--counted", "95.5", "--time", "2026-03-06T18:00:00Z"] + D.pharmacist + D.witnessed)
        try f.record(D.destroy(["\(D.vialLot)=1", "\(D.tabletLot)=1"], time: "2026-03-07T09:00:00Z"))
        try f.record(["transfer-out", "--to-name", "Demo Clinic North", "--to-address", "400 North Loop, Austin, TX 78751", "--to-dea", "BN7654329",
                      "--invoice", "TR-1", "--reason", "stock moved", "--lot", "KT2610C=5", "--time", "2026-03-07T10:00:00Z"] + D.pharmacist)
        try f.record(["patient", "policy", "$PA", "--in-clinic-only", "--reason", "misuse_risk", "--time", "2026-03-07T11:00:00Z"] + D.clinician)
        try f.record(["facility", "update", "--npi", "1245319599", "--ncpdp", "1234567", "--reason", "registered", "--key", "Keys/facility.pem"])
        // A finding to resolve: the count above differs from the balance.
        let recon = try f.csledger(["reconcile", "--json", "--as-of", "2026-03-08T00:00:00Z", "--fail-on", "never"])
        let findings = try JSONParser.parse(recon.stdout)["findings"]?.arrayValue ?? []
        let ids = findings.compactMap { $0["id"]?.stringValue }
        let id = try #require(ids.first, "no finding to resolve: \(recon.stdout.prefix(400))")
        try f.record(["resolve", id, "--reason", "recounted with a witness", "--time", "2026-03-08T09:00:00Z", "--key", "Keys/compliance.pem"])
    }
}
