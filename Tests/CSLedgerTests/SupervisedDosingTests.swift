import Foundation
import Testing
@testable import CSLedgerKit
@testable import LedgerCore

/// Issue 20, points 1-3, through the built `csledger`: a fill's days supply, a patient's supervised-dosing
/// policy, in-clinic-only products, and the discharge after a monitored clinic dose.
@Suite("Supervised dosing, in-clinic-only products, monitored sessions")
struct SupervisedDosingTests {
    typealias D = DispensingLedger

    /// `reconcile --json` as of `asOf`, without verification and never failing: the findings of `check`.
    static func findings(_ f: D, _ check: String, asOf: String, config: String? = nil) throws -> [JSONValue] {
        var args = ["reconcile", "--as-of", asOf, "--json", "--no-verify", "--fail-on", "never"]
        if let config {
            let path = f.dir.path("recon.json")
            try Data(config.utf8).write(to: URL(fileURLWithPath: path))
            args += ["--config", path]
        }
        let r = try f.ok(args)
        return (try JSONParser.parse(r.stdout)["findings"]?.arrayValue ?? []).filter { $0["check"]?.stringValue == check }
    }

    static func seqs(_ finding: JSONValue) -> [Int] { (finding["entries"]?.arrayValue ?? []).compactMap(\.integerValue) }

    @Test("an in-clinic-only patient: dispense and ship refused naming the policy entry; take-home allowed again lifts it", arguments: Backend.allCases)
    func patientPolicy(_ backend: Backend) throws {
        guard let f = try D.make(backend) else { return }
        let policy = ["patient", "policy", "$PA", "--in-clinic-only", "--reason", "substance_use_history"]
        // Only a clinician records it; the reason is a code from the list.
        try f.expectRefusal(try f.csledger(policy + ["--time", "2026-03-03T09:30:00Z"] + D.pharmacist), "role-not-allowed",
                            ["only a clinician may record patient.policy_set"])
        try f.expectRefusal(try f.csledger(["patient", "policy", "$PA", "--in-clinic-only", "--reason", "relapsed in January"] + D.clinician),
                            "invalid-argument", ["--reason must be one of: substance_use_history"])
        try f.expectRefusal(try f.csledger(["patient", "policy", "$PA", "--in-clinic-only", "--take-home-allowed", "--reason", "misuse_risk"] + D.clinician),
                            "invalid-argument", ["exactly one of --in-clinic-only and --take-home-allowed"])
        let seq = try f.record(policy + ["--time", "2026-03-03T09:30:00Z"] + D.clinician)
        let body = try #require(try f.entry(seq)["statement"]?["body"]?.objectValue)
        #expect(Set(body.keys) == ["patient", "policy", "reason"])
        #expect(body["policy"] == .string("in_clinic_only") && body["reason"] == .string("substance_use_history"))
        #expect(body["patient"]?["ref"]?.stringValue == f.patientA.ref && body["patient"]?["commitment"]?.stringValue == f.patientA.commitment)

        let before = try f.checkpoint()
        try f.expectRefusal(try f.csledger(D.dispense(time: "2026-03-03T10:00:00Z")), "invalid-body",
                            ["rx.dispensed: patient \(f.patientA.ref) is in-clinic-only (policy entry seq \(seq))"])
        #expect(try f.checkpoint() == before, "nothing was appended")
        // A dose in the clinic is still fine.
        try f.record(D.administer(patient: "$PA", time: "2026-03-03T11:00:00Z"))

        let allowed = try f.record(["patient", "policy", "$PA", "--take-home-allowed", "--reason", "stable_on_treatment",
                                    "--time", "2026-03-04T09:00:00Z"] + D.clinician)
        #expect(allowed == seq + 2)
        let fill = try f.record(D.dispense(time: "2026-03-04T10:00:00Z"))
        // In-clinic-only again before the parcel leaves: the shipment is refused.
        let again = try f.record(policy + ["--time", "2026-03-04T10:30:00Z"] + D.clinician)
        let beforeShip = try f.checkpoint()
        try f.expectRefusal(try f.csledger(D.ship(tracking: "1Z999AA10123456784", time: "2026-03-04T11:00:00Z")), "invalid-body",
                            ["shipment.sent: patient \(f.patientA.ref) is in-clinic-only (policy entry seq \(again))"])
        #expect(try f.checkpoint() == beforeShip)
        // The reconciliation flags the fill the policy left on the shelf.
        let open = try Self.findings(f, "open-fill-after-in-clinic-policy", asOf: "2026-03-05T12:00:00Z")
        #expect(open.count == 1, "\(open)")
        #expect(open.first.map(Self.seqs) == [fill, again])
        #expect(open.first?["rule"]?.integerValue == 12 && open.first?["patient"]?.stringValue == f.patientA.ref)
        #expect(open.first?["action"]?.stringValue?.contains("csledger correct --seq \(fill)") == true)
        try f.expectVerifies()
    }

    @Test("a policy recorded while a parcel is in transit: flagged; critical once it is delivered, cleared if it comes back", arguments: Backend.allCases)
    func policyAfterShipment(_ backend: Backend) throws {
        guard let f = try D.make(backend) else { return }
        _ = try f.writeImage()
        let fill = try f.record(D.dispense(time: "2026-03-03T10:00:00Z"))
        let ship = try f.record(D.ship(tracking: "1Z999AA10123456784", time: "2026-03-03T11:00:00Z"))
        let policy = try f.record(["patient", "policy", "$PA", "--in-clinic-only", "--reason", "misuse_risk", "--time", "2026-03-03T12:00:00Z"] + D.clinician)
        var found = try Self.findings(f, "open-fill-after-in-clinic-policy", asOf: "2026-03-03T13:00:00Z")
        #expect(found.count == 1 && found.first.map(Self.seqs) == [fill, ship, policy], "\(found)")
        #expect(found.first?["severity"]?.stringValue == "warning")
        #expect(found.first?["found"]?.stringValue?.contains("still in transit") == true)

        let copy = try #require(try D.make(backend))  // the same, but the parcel comes back: nothing to flag
        _ = try copy.writeImage()
        for args in [D.dispense(time: "2026-03-03T10:00:00Z"), D.ship(tracking: "1Z999AA10123456784", time: "2026-03-03T11:00:00Z"),
                     ["patient", "policy", "$PA", "--in-clinic-only", "--reason", "misuse_risk", "--time", "2026-03-03T12:00:00Z"] + D.clinician,
                     ["return", "--tracking", "1Z999AA10123456784", "--disposition", "restock", "--reason", "intercepted at the prescriber's request",
                      "--time", "2026-03-03T15:00:00Z"] + D.pharmacist] {
            try copy.record(args)
        }
        #expect(try Self.findings(copy, "open-fill-after-in-clinic-policy", asOf: "2026-03-04T13:00:00Z").isEmpty)

        let delivered = try f.record(D.deliver(tracking: "1Z999AA10123456784", delivered: "2026-03-04T15:00:00Z", time: "2026-03-04T16:00:00Z"))
        found = try Self.findings(f, "open-fill-after-in-clinic-policy", asOf: "2026-03-04T17:00:00Z")
        #expect(found.count == 1 && found.first.map(Self.seqs) == [fill, ship, policy, delivered], "\(found)")
        #expect(found.first?["severity"]?.stringValue == "critical")
    }

    @Test("esketamine nasal spray is received only as in-clinic-only; a lot of it is administered, never dispensed", arguments: Backend.allCases)
    func inClinicOnlyProduct(_ backend: Backend) throws {
        guard let f = try D.make(backend) else { return }
        let spray = D.receive(lot: "ES2601", ndc: "50458-028-02", strength: "28 mg/device", form: "spray, nasal", expiry: "2027-06-30",
                              containers: 4, perContainer: "1", unit: "device", time: "2026-03-03T08:00:00Z")
            .map { $0 == "Ketamine HCl" ? "Esketamine HCl (Spravato)" : $0 }
        let before = try f.checkpoint()
        try f.expectRefusal(try f.csledger(spray), "invalid-body", ["lot.received: in_clinic_only must be true", "REMS", "--in-clinic-only"])
        #expect(try f.checkpoint() == before)
        let received = try f.record(spray + ["--in-clinic-only"])
        #expect(try f.entry(received)["statement"]?["body"]?["in_clinic_only"] == .bool(true))
        try f.record(D.rxAdd("RX-ES1", quantity: "1", time: "2026-03-03T09:00:00Z").map { $0 == "tablet" ? "device" : $0 })
        let beforeFill = try f.checkpoint()
        try f.expectRefusal(try f.csledger(D.dispense("RX-ES1", quantity: "1", lots: ["ES2601"], time: "2026-03-03T10:00:00Z")), "invalid-body",
                            ["lots[1].lot_id lot 50458002802:ES2601 is of an in-clinic-only product (marked at seq \(received))"])
        #expect(try f.checkpoint() == beforeFill)
        // Administered under observation: fine (nothing drawn is wasted for a single-use device).
        try f.record(D.administer(lot: "ES2601", drawn: "1", given: "1", time: "2026-03-03T11:00:00Z", witnesses: [])
            .filter { $0 != "--waste-method" && $0 != "drug disposal container" })
        try f.expectVerifies()
    }

    @Test("a monitored dose: discharged inline or by a later entry; missing and short monitoring flagged by clinician", arguments: Backend.allCases)
    func monitoredSessions(_ backend: Backend) throws {
        guard let f = try D.make(backend) else { return }
        let inline = try f.record(D.administer(time: "2026-03-03T10:00:00Z", extra: ["--monitored-until", "2026-03-03T12:05:00Z"]))
        #expect(try f.entry(inline)["statement"]?["body"]?["monitored_until"]?.stringValue == "2026-03-03T12:05:00.000Z")
        let early = try f.record(D.administer(time: "2026-03-03T13:00:00Z"))
        let never = try f.record(D.administer(time: "2026-03-03T14:00:00Z"))

        // Refusals: before the dose, not a dose, twice, by a pharmacist, monitored until before the dose.
        let before = try f.checkpoint()
        try f.expectRefusal(try f.csledger(["discharge", "--dose", String(early), "--time", "2026-03-03T12:59:00Z"] + D.clinician), "invalid-body",
                            ["dose.discharged: the discharge is timed before dose \(early) was given"])
        try f.expectRefusal(try f.csledger(["discharge", "--dose", "3", "--time", "2026-03-03T14:00:00Z"] + D.clinician), "invalid-body",
                            ["dose.discharged: dose_seq must name an earlier dose.administered entry"])
        try f.expectRefusal(try f.csledger(["discharge", "--dose", String(inline), "--time", "2026-03-03T14:00:00Z"] + D.clinician), "invalid-body",
                            ["the patient of dose \(inline) was already discharged (seq \(inline))"])
        try f.expectRefusal(try f.csledger(["discharge", "--dose", String(early), "--time", "2026-03-03T14:00:00Z"] + D.pharmacist), "role-not-allowed",
                            ["only a clinician may record dose.discharged"])
        try f.expectRefusal(try f.csledger(D.administer(time: "2026-03-03T15:00:00Z", extra: ["--monitored-until", "2026-03-03T14:00:00Z"])),
                            "invalid-body", ["dose.administered: monitored_until is before the dose was given"])
        try f.expectRefusal(try f.csledger(D.administer(time: "2026-03-03T15:00:00Z", extra: ["--monitored-until", "soon"])),
                            "invalid-argument", ["--monitored-until must be a UTC time"])
        #expect(try f.checkpoint() == before)

        let discharged = try f.record(["discharge", "--dose", String(early), "--time", "2026-03-03T14:10:00Z"] + D.clinician)
        #expect(try f.entry(discharged)["statement"]?["body"]?.objectValue == ["dose_seq": .number(Double(early))])

        // No minimum configured: only the dose without a discharge, once its 24 hours have passed.
        #expect(try Self.findings(f, "dose-without-discharge", asOf: "2026-03-04T13:00:00Z").isEmpty)
        let missing = try Self.findings(f, "dose-without-discharge", asOf: "2026-03-05T09:00:00Z")
        #expect(missing.map(Self.seqs) == [[never]], "\(missing)")
        #expect(missing.first?["title"]?.stringValue?.contains("by Clinician (") == true, "the clinician is named: \(missing)")
        #expect(missing.first?["people"]?.arrayValue?.compactMap { $0["key_id"]?.stringValue } == [try f.keyID("clinician")])
        #expect(try Self.findings(f, "monitoring-too-short", asOf: "2026-03-05T09:00:00Z").isEmpty)

        // A 2-hour minimum for this product: the dose discharged after 70 minutes is flagged, the one after 125 is not.
        let short = try Self.findings(f, "monitoring-too-short", asOf: "2026-03-05T09:00:00Z", config: #"{"monitoring_minimum_minutes": {"70000-123-10": 120}}"#)
        #expect(short.map(Self.seqs) == [[early, discharged]], "\(short)")
        #expect(short.first?["found"]?.stringValue == "discharged after 70 minutes")
        #expect(short.first?["expected"]?.stringValue == "monitored at least 120 minutes")
        // Another product's minimum does not apply; a bad setting is refused.
        #expect(try Self.findings(f, "monitoring-too-short", asOf: "2026-03-05T09:00:00Z", config: #"{"monitoring_minimum_minutes": {"50458-028-02": 120}}"#).isEmpty)
        let path = f.dir.path("bad.json")
        try Data(#"{"monitoring_minimum_minutes": {"ketamine": 120}}"#.utf8).write(to: URL(fileURLWithPath: path))
        let bad = try f.csledger(["reconcile", "--config", path, "--no-verify"])
        #expect(bad.status == 2 && bad.stderr.contains("monitoring_minimum_minutes"), "\(bad.stderr)")
        try f.expectVerifies()
    }

    @Test("the demo shows an in-clinic-only patient and a monitored dose with its discharge, and reconciles without a rule 12 finding")
    func demo() throws {
        let dir = try TempDir()
        let r = try CLI.csledger(["demo", "--dir", "demo"], in: dir.url)
        try #require(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("in-clinic-only") && r.stdout.contains("discharged by the clinician"), "\(r.stdout)")
        let ledger = ["--ledger", "demo/ledger.sqlite"]
        let log = try CLI.csledger(["log"] + ledger, in: dir.url)
        let types = log.stdout.split(separator: "\n").compactMap { try? JSONParser.parse(String($0))["statement"]?["type"]?.stringValue }
        #expect(types.filter { $0 == "patient.policy_set" }.count == 1 && types.filter { $0 == "dose.discharged" }.count == 1, "\(types)")
        let rec = try CLI.csledger(["reconcile", "--json", "--no-verify", "--fail-on", "never"] + ledger, in: dir.url)
        let rules = (try JSONParser.parse(rec.stdout)["findings"]?.arrayValue ?? []).compactMap { $0["rule"]?.integerValue }
        #expect(!rules.contains(12), "\(rec.stdout)")
    }

    @Test("patient policy, discharge and transfer-out work through csledgerd as on the file, refusals included", arguments: Backend.allCases)
    func throughTheDaemon(_ backend: Backend) throws {
        guard let p = try ServerModeTests.Pair.make(backend) else { return }
        let steps: [([String], String, Int32)] = [
            (["patient", "policy", "$PA", "--in-clinic-only", "--reason", "substance_use_history", "--time", "2026-03-03T09:30:00Z"] + D.clinician, "clinician", 0),
            (D.dispense(time: "2026-03-03T10:00:00Z"), "pharmacist", 2),
            (D.administer(patient: "$PA", time: "2026-03-03T11:00:00Z"), "clinician", 0),
            (["discharge", "--dose", "10", "--time", "2026-03-03T13:00:00Z"] + D.clinician, "clinician", 0),
            (TransferTests.out + ["--lot", "\(D.tabletLot)=20", "--time", "2026-03-04T10:00:00Z"] + D.pharmacist, "pharmacist", 0),
        ]
        for (args, signer, status) in steps {
            let (l, r) = try p.both(args, as: signer)
            #expect(l.status == status && r.status == status, "\(args[0]): \(l.stderr) | \(r.stderr)")
            #expect(l.stdout == r.stdout && l.stderr == r.stderr, "\(args[0]): \(l.stdout)\(l.stderr) vs \(r.stdout)\(r.stderr)")
        }
        #expect(p.daemon.stop() == 0)
        #expect(try p.local.inventory() == p.remote.inventory())
        try p.remote.expectVerifies()
    }
}
