import Foundation
import Testing
@testable import CSLedgerKit
@testable import LedgerCore
import Reconciliation
import Simulation

@Suite("Reconciliation: the command line")
struct ReconciliationCLITests {
    /// The simulated clinic's ledger is made in a file; on PostgreSQL the commands use a copy of it there (`store copy`).
    @Test("reconcile prints findings, gates the exit status on --fail-on, and resolve closes a finding", arguments: Backend.allCases)
    func reconcileAndResolve(_ backend: Backend) throws {
        let (sim, countSeq, _, _, _) = try ReconciliationLedgerTests.withProblems()
        let fx = sim.fx
        try fx.writeKeyFiles()
        guard let place = try backend.place(copying: fx.ledger.database.path, in: fx.dir) else { return }
        defer { place.release() }
        let ledger = place.arguments
        let asOf = sim.end.description
        func run(_ args: [String]) throws -> CLI.Result { try CLI.csledger(args, in: fx.dir.url) }

        // JSON: every finding with its fields; exit 1 because critical findings are open.
        let r = try run(["reconcile", "--as-of", asOf, "--json"] + ledger)
        #expect(r.status == 1, "\(r.stderr)")
        let json = try JSONParser.parse(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        let findings = try #require(json["findings"]?.arrayValue)
        #expect(json["summary"]?["critical"]?.integerValue == 2)
        #expect(json["integrity_checked"] == .bool(true))
        let variance = try #require(findings.first { $0["check"]?.stringValue == "count-variance" })
        let id = try #require(variance["id"]?.stringValue)
        #expect(variance["rule"]?.integerValue == 1)
        #expect(variance["severity"]?.stringValue == "critical")
        #expect(variance["entries"]?.arrayValue == [.number(Double(countSeq))])
        #expect(variance["people"]?.arrayValue?.count == 2)
        for key in ["rule_name", "title", "detail", "lot", "expected", "found", "basis", "action", "evidence", "time"] {
            #expect(variance[key]?.stringValue?.isEmpty == false, "\(key)")
        }
        // Text; no patient names anywhere.
        let text = try run(["reconcile", "--as-of", asOf] + ledger)
        #expect(text.status == 1)
        #expect(text.stdout.contains(id) && text.stdout.contains("Rule 1 Lot balance and physical counts"))
        #expect(!text.stdout.contains("Patient") && !r.stdout.contains("Patient"))
        // The gate: never, and a date as the cut-off (end of that day, before anything happened).
        #expect(try run(["reconcile", "--as-of", asOf, "--fail-on", "never", "--no-verify"] + ledger).status == 0)
        let early = try run(["reconcile", "--as-of", "2025-01-06", "--fail-on", "info"] + ledger)
        #expect(early.status == 0, "\(early.stdout)")
        #expect(early.stdout.contains("No discrepancies found."))
        #expect(try run(["reconcile", "--fail-on", "sometimes"] + ledger).status == 2)

        // Only a compliance officer may resolve.
        let t = sim.end.adding(milliseconds: 3_600_000).description
        let refused = try run(["resolve", id, "--reason", "recounted", "--key", "Keys/pharm1.pem", "--facility-key", "Keys/facility.pem", "--time", t] + ledger)
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("compliance"), "\(refused.stderr)")
        let ok = try run(["resolve", id, "--reason", "3 tablets found in the returns bin; recounted with a witness",
                          "--key", "Keys/compliance.pem", "--facility-key", "Keys/facility.pem", "--time", t, "--json"] + ledger)
        #expect(ok.status == 0, "\(ok.stderr)")
        let after = sim.end.adding(milliseconds: 7_200_000).description
        let open = try JSONParser.parse(try run(["reconcile", "--as-of", after, "--json", "--no-verify"] + ledger).stdout)
        #expect(!(open["findings"]?.arrayValue ?? []).contains { $0["id"]?.stringValue == id })
        #expect(open["summary"]?["resolved"]?.integerValue == 1)
        let all = try JSONParser.parse(try run(["reconcile", "--as-of", after, "--json", "--all", "--no-verify"] + ledger).stdout)
        let resolved = try #require((all["findings"]?.arrayValue ?? []).first { $0["id"]?.stringValue == id })
        #expect(resolved["status"]?.stringValue == "resolved")
        #expect(resolved["resolution"]?["reason"]?.stringValue?.hasPrefix("3 tablets found") == true)
        // Resolving it again is refused; an unknown id is refused.
        #expect(try run(["resolve", id, "--reason", "again", "--key", "Keys/compliance.pem", "--facility-key", "Keys/facility.pem"] + ledger).status == 2)
        #expect(try run(["resolve", "F01-0000000000", "--reason", "x", "--key", "Keys/compliance.pem", "--facility-key", "Keys/facility.pem"] + ledger).status == 2)
        // The ledger still verifies with the resolution in it.
        #expect(try run(["verify"] + ledger).status == 0)
    }

    @Test("--config overrides thresholds; a bad configuration is refused with the setting named", arguments: Backend.allCases)
    func config(_ backend: Backend) throws {
        let (sim, _, _, _, _) = try ReconciliationLedgerTests.withProblems()
        let fx = sim.fx
        guard let place = try backend.place(copying: fx.ledger.database.path, in: fx.dir) else { return }
        defer { place.release() }
        let ledger = place.arguments + ["--as-of", sim.end.description, "--json", "--no-verify", "--fail-on", "never"]
        func late(_ extra: [String]) throws -> Int {
            let r = try CLI.csledger(["reconcile"] + ledger + extra, in: fx.dir.url)
            #expect(r.status == 0, "\(r.stderr)")
            return (try JSONParser.parse(r.stdout)["findings"]?.arrayValue ?? []).filter { $0["check"]?.stringValue == "waste-recorded-late" }.count
        }
        #expect(try late([]) == 0)
        let path = fx.dir.path("recon.json")
        try Data(#"{"late_waste_hours": 1}"#.utf8).write(to: URL(fileURLWithPath: path))
        #expect(try late(["--config", path]) > 0, "wastes are logged up to 9 hours after they happen in the fixture")
        try Data(#"{"late_waste_hourz": 1}"#.utf8).write(to: URL(fileURLWithPath: path))
        let bad = try CLI.csledger(["reconcile", "--config", path] + ledger, in: fx.dir.url)
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("late_waste_hourz"), "\(bad.stderr)")
    }
}
