import Foundation
import Testing
@testable import CSLedgerKit
@testable import LedgerCore

/// Issue 20, point 5, through the built `csledger`: the registrant's NPI, NCPDP number, address and state licence,
/// recorded at `init`, changed by a signed `facility.updated`, and shown where the ASAP file, the inspection cover
/// and the DEA forms ask for them.
@Suite("Registrant identity")
struct RegistrantIdentityTests {
    typealias D = DispensingLedger
    static let npi = "1234567893", ncpdp = "0312345", address = "12 Main St, Suite 4, Austin, TX 78701", licence = "TX-PH-30211"

    @Test("init records NPI, NCPDP, address and state licence in the genesis entry; a bad NPI or NCPDP is refused and no file is made")
    func initFlags() throws {
        let dir = try TempDir()
        try #require(try CLI.csledger(["keys", "generate", "facility"], in: dir.url).status == 0)
        let base = ["init", "--origin", "test.example.org/ledger", "--facility-name", "Test Pharmacy", "--dea-number", CLILedger.dea,
                    "--key", "Keys/facility.pem", "--address", Self.address, "--state-licence", Self.licence]
        for (flag, value, says) in [("--npi", "1234567890", "--npi 1234567890 has a wrong check digit (expected 3)"),
                                    ("--npi", "12345", "--npi 12345 must be 10 digits"), ("--ncpdp", "03123", "--ncpdp 03123 must be 7 digits")] {
            let r = try CLI.csledger(base + [flag, value], in: dir.url)
            #expect(r.status == 2 && r.stderr.contains(says) && r.stderr.hasSuffix("[invalid-argument]\n"), "\(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir.path("ledger.sqlite")))
        }
        let r = try CLI.csledger(base + ["--npi", Self.npi, "--ncpdp", Self.ncpdp], in: dir.url)
        try #require(r.status == 0, "\(r.stderr)")
        let log = try CLI.csledger(["log", "--from", "0", "--to", "0"], in: dir.url)
        let body = try #require(try JSONParser.parse(log.stdout.trimmingCharacters(in: .whitespacesAndNewlines))["statement"]?["body"])
        #expect(body["npi"] == .string(Self.npi) && body["ncpdp"] == .string(Self.ncpdp))
        #expect(body["address"] == .string(Self.address) && body["state_license"] == .string(Self.licence))
        #expect(try CLI.csledger(["verify"], in: dir.url).status == 0)
    }

    @Test("facility update: admin only, checked; ASAP PHA, inspection cover and DEA 41/106 show the new details")
    func updateAndExports() throws {
        let s = try ExportScenario()
        let f = s.f
        // Before: PHA has no NPI or NCPDP.
        var pha = try Self.pha(s)
        #expect(pha[1] == "" && pha[2] == "" && pha[3] == CLILedger.dea, "\(pha)")
        let update = ["facility", "update", "--npi", Self.npi, "--ncpdp", Self.ncpdp, "--address", Self.address, "--state-license", Self.licence,
                      "--reason", "recorded for the state PMP"]
        let before = try f.checkpoint()
        try f.expectRefusal(try f.csledger(update + D.pharmacist), "role-not-allowed", ["only a admin may record facility.updated"])
        try f.expectRefusal(try f.csledger(["facility", "update", "--npi", "1234567890", "--key", "Keys/facility.pem"]), "invalid-argument",
                            ["--npi 1234567890 has a wrong check digit"])
        try f.expectRefusal(try f.csledger(["facility", "update", "--key", "Keys/facility.pem"]), "invalid-argument", ["give at least one of"])
        #expect(try f.checkpoint() == before)
        let seq = try f.record(update + ["--key", "Keys/facility.pem"])
        #expect(try f.entry(seq)["statement"]?["type"]?.stringValue == "facility.updated")

        pha = try Self.pha(s)
        #expect(Array(pha.prefix(10)) == ["PHA", Self.npi, Self.ncpdp, CLILedger.dea, "Test Clinic", "12 Main St", "Suite 4", "Austin", "TX", "78701"], "\(pha)")
        let inspection = try s.export(["inspection", "--from", "2026-03-01", "--to", "2026-03-31"])
        let html = String(decoding: try BundleFiles.read(inspection, "report.html"), as: UTF8.self)
        for text in [Self.npi, Self.ncpdp, "12 Main St, Suite 4, Austin, TX 78701", Self.licence] { #expect(html.contains(text), "cover shows \(text)") }
        #expect(try BundleFiles.verify(inspection, in: f.root).status == 0)
        for (form, flag, name) in [("dea41", "--destruction", "destruction"), ("dea106", "--loss", "theft")] {
            let b = try s.export([form, flag, String(s.seqs[name]!)])
            let rows = ExportInspectionTests().parseCSV(String(decoding: try BundleFiles.read(b, "\(form).csv"), as: UTF8.self))
            let row = Dictionary(uniqueKeysWithValues: zip(rows[0], rows[1]))
            #expect(row["registrant_address"] == Self.address && row["registrant_state_license"] == Self.licence, "\(form): \(row)")
        }
        try f.expectVerifies()
    }

    /// The PHA segment of the Arizona file of 2026-03-04, split into elements.
    static func pha(_ s: ExportScenario) throws -> [String] {
        let out = s.f.dir.path("AZ-\(UUID().uuidString.prefix(6)).txt")
        try s.f.ok(["export", "asap", "--state", "AZ", "--date", "2026-03-04", "--out", out])
        let text = try String(contentsOfFile: out, encoding: .utf8)
        let checker = ASAPChecker(text, state: "AZ", date: "20260304")
        #expect(checker.problems.isEmpty, "\(checker.problems)")
        return try #require(checker.segments.first { $0[0] == "PHA" })
    }
}
