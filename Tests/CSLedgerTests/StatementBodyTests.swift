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

    @Test("every dispensing statement type, finding.resolved and every core type has exactly one body type")
    func everyTypeHasABody() {
        let types = StatementBodies.dispensing.map { $0.type }
        #expect(Set(types) == Set(DispensingType.all + [DispensingType.findingResolved]))
        #expect(types.count == Set(types).count)
        let core = StatementBodies.core.map { $0.type }
        #expect(Set(core) == CoreStatementType.all)
        #expect(core.count == Set(core).count)
        #expect(StatementBodies.all.count == types.count + core.count)
        for t in types + core { #expect(StatementBodies.bodyType(of: t)?.type == t) }
        #expect(StatementBodies.bodyType(of: "test.note") == nil)
    }

    @Test("every core statement the commands record (init, actor enroll and revoke, facility rotate, migrate) reads as its type and writes back unchanged")
    func coreCommands() throws {
        let f = try DispensingLedger.make()
        try f.ok(["keys", "generate", "extra"])
        try f.ok(["actor", "enroll", "--name", "Extra Signer", "--role", "witness", "--public-key", "Keys/extra.pub.pem", "--key", "Keys/facility.pem"])
        try f.ok(["actor", "revoke", try f.keyID("extra"), "--reason", "left the clinic", "--key", "Keys/facility.pem"])
        try f.ok(["actor", "revoke", try f.keyID("witness"), "--key", "Keys/facility.pem"])
        try f.ok(["keys", "generate", "facility2"])
        try f.ok(["facility", "rotate", "--key", "Keys/facility.pem", "--new-key", "Keys/facility2.pem", "--reason", "scheduled rotation"])
        let db = try LedgerDatabase.open(path: f.ledgerPath, readOnly: true)
        let result = try Self.roundTrip(db)
        print("typed bodies, core commands: \(result.checked.filter { CoreStatementType.all.contains($0.key) }.sorted { $0.key < $1.key })")
        #expect(result.problems.isEmpty, "\(result.problems.prefix(20))")
        for t in [CoreStatementType.ledgerCreated, CoreStatementType.actorEnrolled, CoreStatementType.actorRevoked, CoreStatementType.facilityKeyRotated] {
            #expect(result.checked[t, default: 0] > 0, "no \(t) read")
        }
        // The fields give what the commands were told.
        var revocations: [ActorRevoked] = [], rotations: [FacilityKeyRotated] = []
        for seq in 0..<(try db.size()) {
            let st = try db.entry(seq).statement
            if st.type == ActorRevoked.type { revocations.append(try ActorRevoked(statement: st)) }
            if st.type == FacilityKeyRotated.type { rotations.append(try FacilityKeyRotated(statement: st)) }
        }
        let (oldFacility, newFacility) = (try f.keyID("facility"), try f.keyID("facility2"))
        #expect(revocations.map(\.reason) == ["left the clinic", nil])
        #expect(rotations.map(\.previousKey.hex) == [oldFacility])
        #expect(rotations.map(\.publicKey.keyID.hex) == [newFacility])
        let genesis = try LedgerCreated(statement: try db.entry(0).statement)
        #expect(genesis.publicKey.keyID.hex == oldFacility)
        #expect(genesis.deaNumber != nil && genesis.facilityName != nil)
        #expect(try CLI.csledger(["verify", "--ledger", f.ledgerPath], in: f.root).status == 0)

        // ledger.upgraded: a ledger written before v2, migrated by the command.
        let dir = try TempDir()
        #expect(try CLI.csledger(["keys", "generate", "facility"], in: dir.url).status == 0)
        let facility = try KeyFiles.loadPrivateKey(path: dir.path("Keys/facility.pem"))
        let path = dir.path("old.sqlite")
        do {
            let old = try LedgerDatabase.create(path: path)
            let signer = CheckpointSigner(origin: "old.example.org/ledger", key: facility)
            let genesis = try Statement(type: CoreStatementType.ledgerCreated, time: .now(), actor: facility.keyID, body: [
                "origin": "old.example.org/ledger", "public_key": .string(facility.publicKey.base64),
                "facility_name": "Old Clinic", "dea_number": "BD1234563"])
            try old.append([try SignedStatement(statement: genesis, actorKey: facility)], checkpointSigner: signer)
            try old.close()
        }
        let m = try CLI.csledger(["migrate", "--ledger", path, "--facility-key", "Keys/facility.pem"], in: dir.url)
        #expect(m.status == 0, "\(m.stderr)")
        let upgraded = try LedgerDatabase.open(path: path, readOnly: true)
        let r2 = try Self.roundTrip(upgraded)
        #expect(r2.problems.isEmpty, "\(r2.problems)")
        #expect(r2.checked == [CoreStatementType.ledgerCreated: 1, CoreStatementType.ledgerUpgraded: 1])
        let upgrade = try LedgerUpgraded(statement: try upgraded.entry(1).statement)
        #expect(upgrade.version == 2 && upgrade.logRequiredFrom == 1)
        #expect(String(decoding: JCS.serialize(.object(upgrade.body)), as: UTF8.self) == #"{"log_required_from":1,"version":2}"#)
    }

    @Test("a core body built to be signed writes the members csledger has always written")
    func coreBuilt() throws {
        let key = SignerKey()
        let pk = key.publicKey.base64
        func json(_ b: some StatementBody) -> String { String(decoding: JCS.serialize(.object(b.body)), as: UTF8.self) }
        #expect(json(LedgerCreated(origin: "c.example.org/l", publicKey: key.publicKey, facilityName: "Clinic", deaNumber: "BD1234563"))
                == #"{"dea_number":"BD1234563","facility_name":"Clinic","origin":"c.example.org/l","public_key":"\#(pk)"}"#)
        #expect(json(try ActorEnrolled.enrolling(name: "  Ana Ruiz ", role: .pharmacist, publicKey: key.publicKey))
                == #"{"name":"Ana Ruiz","public_key":"\#(pk)","role":"pharmacist"}"#)
        #expect(json(ActorRevoked(key: key.keyID, reason: "")) == #"{"key":"\#(key.keyID.hex)"}"#)
        #expect(json(ActorRevoked(key: key.keyID, reason: "left")) == #"{"key":"\#(key.keyID.hex)","reason":"left"}"#)
        #expect(json(FacilityKeyRotated(publicKey: key.publicKey, previousKey: key.keyID))
                == #"{"previous_key":"\#(key.keyID.hex)","public_key":"\#(pk)"}"#)
        #expect(json(LedgerUpgraded(logRequiredFrom: 7)) == #"{"log_required_from":7,"version":2}"#)
        // Members the verifier never checked are kept as signed: a role in capitals, a facility name that is not text.
        let odd: [String: JSONValue] = ["name": "N", "role": "Admin", "public_key": .string(pk), "note": "x"]
        let enrolled = try ActorEnrolled(body: odd)
        #expect(enrolled.role == .admin && enrolled.asWritten == ["role": "Admin", "note": "x"])
        #expect(JCS.serialize(.object(enrolled.body)) == JCS.serialize(.object(odd)))
        let genesis: [String: JSONValue] = ["origin": "c.example.org/l", "public_key": .string(pk), "facility_name": .number(3)]
        let created = try LedgerCreated(body: genesis)
        #expect(created.facilityName == nil && created.deaNumber == nil)
        #expect(JCS.serialize(.object(created.body)) == JCS.serialize(.object(genesis)))
    }

    @Test("reading a core body refuses what the signer registry refused, with the same sentence; the registry still names the key and seq it expects")
    func coreRefusals() throws {
        func refusal(_ make: () throws -> Any) -> String {
            switch Result(catching: make) {
            case .success: return "accepted"
            case .failure(let error): return (error as? LedgerError)?.message ?? "\(error)"
            }
        }
        let key = SignerKey(), other = SignerKey()
        let pk = JSONValue.string(key.publicKey.base64)
        #expect(refusal { try LedgerCreated(body: ["origin": "has space", "public_key": pk]) }
                == "ledger.created needs an \"origin\" (a name without spaces, such as clinic.example.org/ledger)")
        #expect(refusal { try LedgerCreated(body: ["origin": "c.example.org/l"]) } == "ledger.created needs the facility \"public_key\"")
        #expect(refusal { try ActorEnrolled(body: ["name": "", "role": "admin", "public_key": pk]) } == "actor.enrolled needs the signer's \"name\"")
        #expect(refusal { try ActorEnrolled(body: ["name": "N", "public_key": pk]) } == "actor.enrolled needs a \"role\"")
        #expect(refusal { try ActorEnrolled(body: ["name": "N", "role": "admin"]) } == "actor.enrolled needs the signer's \"public_key\"")
        #expect(refusal { try ActorRevoked(body: ["key": .string(key.keyID.hex.uppercased())]) } == "actor.revoked needs the \"key\" id to revoke")
        #expect(refusal { try FacilityKeyRotated(body: ["public_key": "AAAA", "previous_key": .string(key.keyID.hex)]) }
                == "facility.key_rotated needs the new key's \"public_key\" (base64 of 32 bytes)")
        #expect(refusal { try FacilityKeyRotated(body: ["public_key": pk]) } == "facility.key_rotated must name the key it replaces in \"previous_key\"")
        #expect(refusal { try LedgerUpgraded(body: ["version": 1, "log_required_from": 3]) }
                == "ledger.upgraded needs \"version\": 2 and \"log_required_from\": its own seq")
        #expect(refusal { try ActorEnrolled.enrolling(name: "  ", role: .admin, publicKey: key.publicKey) } == "the signer's name must be 1 to 200 characters")

        // The registry, which knows the ledger, gives the sentences it always gave.
        let t = Timestamp(millisecondsSinceEpoch: 1_760_000_000_000)
        var registry = SignerRegistry()
        try registry.apply(try Statement(type: CoreStatementType.ledgerCreated, time: t, actor: key.keyID,
                                         body: LedgerCreated(origin: "c.example.org/l", publicKey: key.publicKey, facilityName: "C", deaNumber: "BD1234563").body), at: 0)
        try registry.apply(try Statement(type: CoreStatementType.actorEnrolled, time: t, actor: key.keyID,
                                         body: ActorEnrolled(name: "Next", role: .admin, publicKey: other.publicKey).body), at: 1)
        let noPrevious = try Statement(type: CoreStatementType.facilityKeyRotated, time: t, actor: key.keyID, witnesses: [other.keyID],
                                       body: ["public_key": .string(other.publicKey.base64)])
        #expect(registry.problem(applying: noPrevious, at: 2) == "facility.key_rotated must name the key it replaces in \"previous_key\" (\(key.keyID.short))")
        let wrongPrevious = try Statement(type: CoreStatementType.facilityKeyRotated, time: t, actor: key.keyID, witnesses: [other.keyID],
                                          body: FacilityKeyRotated(publicKey: other.publicKey, previousKey: other.keyID).body)
        #expect(registry.problem(applying: wrongPrevious, at: 2) == "facility.key_rotated must name the key it replaces in \"previous_key\" (\(key.keyID.short))")
        let badKey = try Statement(type: CoreStatementType.facilityKeyRotated, time: t, actor: key.keyID, witnesses: [other.keyID],
                                   body: ["public_key": "AAAA", "previous_key": "nope"])
        #expect(registry.problem(applying: badKey, at: 2) == "facility.key_rotated needs the new key's \"public_key\" (base64 of 32 bytes)")
        let rotation = try Statement(type: CoreStatementType.facilityKeyRotated, time: t, actor: key.keyID, witnesses: [other.keyID],
                                     body: FacilityKeyRotated(publicKey: other.publicKey, previousKey: key.keyID, reason: "r").body)
        #expect(registry.problem(applying: rotation, at: 2) == nil)
        let upgrade = try Statement(type: CoreStatementType.ledgerUpgraded, time: t, actor: key.keyID, log: "c.example.org/l",
                                    body: LedgerUpgraded(logRequiredFrom: 5).body)
        #expect(registry.problem(applying: upgrade, at: 2) == "ledger.upgraded needs \"version\": 2 and \"log_required_from\": its own seq (2)")
        #expect(registry.problem(applying: upgrade, at: 5) == nil)
        let revokeFacility = try Statement(type: CoreStatementType.actorRevoked, time: t, actor: key.keyID, body: ActorRevoked(key: key.keyID).body)
        #expect(registry.problem(applying: revokeFacility, at: 2) == "the facility key cannot be revoked; it signs the ledger's checkpoints")
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
