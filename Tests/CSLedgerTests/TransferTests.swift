import Foundation
import Testing
@testable import CSLedgerKit
@testable import LedgerCore

/// Issue 20, point 6 of the issue (transfers between registrants), through the built `csledger`: a transfer out to
/// another DEA number with its invoice, a transfer in received from one, and both in the inventory, the biennial
/// inventory and the inspection package.
@Suite("Transfers between registrants")
struct TransferTests {
    typealias D = DispensingLedger
    static let sisterDEA = "RS7654329"  // (7+5+3) + 2*(6+4+2) = 39 → 9
    static let out = ["transfer-out", "--to-name", "Demo Clinic North", "--to-address", "400 North Loop, Austin, TX 78751",
                      "--to-dea", sisterDEA, "--invoice", "TR-2026-0042", "--reason", "stock moved to the sister clinic"]

    @Test("a transfer out takes stock off the lot; refused to our own DEA number, beyond the balance, or by a clinician", arguments: Backend.allCases)
    func transferOut(_ backend: Backend) throws {
        guard let f = try D.make(backend) else { return }
        let before = try f.checkpoint()
        try f.expectRefusal(try f.csledger(Self.out.map { $0 == Self.sisterDEA ? CLILedger.dea : $0 } + ["--lot", "\(D.tabletLot)=20", "--time", "2026-03-04T10:00:00Z"] + D.pharmacist),
                            "invalid-body", ["transfer.out: to.dea_number is this registrant's own DEA number"])
        try f.expectRefusal(try f.csledger(Self.out + ["--lot", "\(D.tabletLot)=91", "--time", "2026-03-04T10:00:00Z"] + D.pharmacist),
                            "invalid-body", ["transfer.out: lot \(D.tabletLotID) holds 90 tablet, less than the 91 tablet taken"])
        try f.expectRefusal(try f.csledger(Self.out + ["--lot", "\(D.tabletLot)=20", "--time", "2026-03-04T10:00:00Z"] + D.clinician),
                            "role-not-allowed", ["only a compliance or pharmacist may record transfer.out"])
        try f.expectRefusal(try f.csledger(Self.out.map { $0 == Self.sisterDEA ? "RS7654321" : $0 } + ["--lot", "\(D.tabletLot)=20"] + D.pharmacist),
                            "invalid-body", ["to.dea_number is not valid"])
        #expect(try f.checkpoint() == before)
        let seq = try f.record(Self.out + ["--lot", "\(D.tabletLot)=20", "--lot", "\(D.vialLot)=10", "--time", "2026-03-04T10:00:00Z"] + D.pharmacist)
        let body = try #require(try f.entry(seq)["statement"]?["body"])
        #expect(body["to"]?["dea_number"]?.stringValue == Self.sisterDEA && body["invoice"]?.stringValue == "TR-2026-0042")
        try f.expectLot(D.tabletLot, ["received": "90", "transferred": "20", "on_hand": "70"])
        try f.expectLot(D.vialLot, ["received": "100", "transferred": "10", "on_hand": "90"])
        // Corrected: the stock comes back.
        try f.record(["correct", "--seq", String(seq), "--reason", "the parcel never left", "--time", "2026-03-04T11:00:00Z"] + D.pharmacist)
        try f.expectLot(D.tabletLot, ["received": "90", "on_hand": "90"])
        try f.expectVerifies()
    }

    @Test("transfers in and out appear in transfers.csv and accountability; the biennial inventory counts what is left", arguments: Backend.allCases)
    func inReports(_ backend: Backend) throws {
        guard let f = try D.make(backend) else { return }
        let outSeq = try f.record(Self.out + ["--lot", "\(D.tabletLot)=20", "--time", "2026-03-04T10:00:00Z"] + D.pharmacist)
        let inSeq = try f.record(D.receive(lot: "KT2611T", containers: 1, dea: Self.sisterDEA, time: "2026-03-05T09:00:00Z", extra: ["--transfer-in"]))
        #expect(try f.entry(inSeq)["statement"]?["body"]?["transfer_in"] == .bool(true))
        let s = ExportScenarioless(f: f)
        let dir = try s.export(["inspection", "--from", "2026-03-01", "--to", "2026-03-31"])
        #expect(try BundleFiles.verify(dir, in: f.root).status == 0)
        let transfers = try InspectionCompletenessTests.rows(dir, "transfers.csv")
        #expect(transfers.map { [$0["seq"] ?? "", $0["direction"] ?? "", $0["registrant_dea"] ?? "", $0["lot"] ?? "", $0["quantity"] ?? ""] }
                == [[String(outSeq), "out", Self.sisterDEA, D.tabletLot, "20"], [String(inSeq), "in", Self.sisterDEA, "KT2611T", "30"]], "\(transfers)")
        #expect(transfers.first?["invoice"] == "TR-2026-0042")
        let acc = try #require(try InspectionCompletenessTests.rows(dir, "accountability.csv").first { $0["lot"] == D.tabletLot })
        #expect(acc["received"] == "90" && acc["transferred"] == "20" && acc["closing"] == "70", "\(acc)")
        let bi = try s.export(["biennial-inventory", "--date", "2026-03-06"])
        let row = try #require(try InspectionCompletenessTests.rows(bi, "biennial-inventory.csv").first { $0["lot"] == D.tabletLot })
        #expect(row["on_hand"] == "70", "\(row)")
    }

    @Test("reconcile --with the receiving registrant's bundle: a transfer out with no receipt there, and a receipt there with no transfer out here", arguments: Backend.allCases)
    func reconcileWith(_ backend: Backend) throws {
        // The receiving registrant: its own ledger, keys and DEA number; it records the transfer in as a receipt.
        let other = try TempDir()
        func run(_ args: [String]) throws {
            let r = try CLI.csledger(args, in: other.url)
            try #require(r.status == 0, "\(args.prefix(2)): \(r.stderr)")
        }
        for name in ["facility", "pharmacist", "witness"] { try run(["keys", "generate", name]) }
        try run(["init", "--origin", "north.example.org/ledger", "--facility-name", "Demo Clinic North", "--dea-number", Self.sisterDEA,
                 "--key", "Keys/facility.pem"])
        for (name, role) in [("pharmacist", "pharmacist"), ("witness", "witness")] {
            try run(["actor", "enroll", "--name", name.capitalized, "--role", role, "--public-key", "Keys/\(name).pub.pem", "--key", "Keys/facility.pem"])
        }
        func received(invoice: String, time: String) -> [String] {
            D.receive(lot: D.tabletLot, containers: 2, perContainer: "10", dea: CLILedger.dea, time: time, extra: ["--transfer-in"])
                .map { $0 == "INV-\(D.tabletLot)" ? invoice : $0 }
        }
        try run(received(invoice: "TR-2026-0042", time: "2026-03-05T09:00:00Z"))
        try run(received(invoice: "TR-2026-0099", time: "2026-03-06T09:00:00Z"))
        try run(["export", "inspection", "--from", "2026-03-01", "--to", "2026-03-31", "--out", "north-bundle"])

        guard let f = try D.make(backend) else { return }
        let matched = try f.record(Self.out + ["--lot", "\(D.tabletLot)=20", "--time", "2026-03-04T10:00:00Z"] + D.pharmacist)
        let lost = try f.record(Self.out.map { $0 == "TR-2026-0042" ? "TR-2026-0043" : $0 } + ["--lot", "\(D.vialLot)=10", "--time", "2026-03-04T11:00:00Z"] + D.pharmacist)
        let bundle = other.path("north-bundle")
        let r = try f.ok(["reconcile", "--with", bundle, "--as-of", "2026-03-10T00:00:00Z", "--json", "--no-verify", "--fail-on", "never"])
        let findings = (try JSONParser.parse(r.stdout)["findings"]?.arrayValue ?? []).filter { $0["rule"]?.integerValue == 13 }
        let byCheck = Dictionary(grouping: findings) { $0["check"]?.stringValue ?? "" }
        #expect(byCheck["transfer-not-received"]?.map { $0["entries"] } == [.array([.number(Double(lost))])], "\(findings)")
        #expect(byCheck["transfer-not-received"]?.first?["lot"]?.stringValue == D.vialLotID)
        #expect(byCheck["receipt-without-transfer-out"]?.count == 1 && byCheck["receipt-without-transfer-out"]?.first?["detail"]?.stringValue?.contains("TR-2026-0099") == true,
                "\(findings)")
        #expect(!findings.contains { ($0["entries"]?.arrayValue ?? []).contains(.number(Double(matched))) }, "the matched transfer is not reported")
        // Without --with, rule 13 says nothing; a folder that is not a verifying bundle is refused.
        let plain = try f.ok(["reconcile", "--as-of", "2026-03-10T00:00:00Z", "--json", "--no-verify", "--fail-on", "never"])
        #expect(!(try JSONParser.parse(plain.stdout)["findings"]?.arrayValue ?? []).contains { $0["rule"]?.integerValue == 13 })
        try BundleFiles.write(URL(fileURLWithPath: bundle), "receipts.csv", Data("changed".utf8))
        let bad = try f.csledger(["reconcile", "--with", bundle, "--no-verify"])
        #expect(bad.status == 2 && bad.stderr.contains("does not verify"), "\(bad.stderr)")
    }

    /// `export ... --out <new folder>` on a fixture ledger.
    struct ExportScenarioless {
        let f: DispensingLedger
        func export(_ args: [String]) throws -> URL {
            let out = f.dir.path("bundle-\(UUID().uuidString.prefix(8))")
            try f.ok(["export"] + args + ["--out", out, "--json"])
            return URL(fileURLWithPath: out)
        }
    }
}
