import Foundation
import Testing
@testable import CSLedgerKit
@testable import LedgerCore

/// Issue 20, point 7 (inspection package completeness), through the built `csledger`: corrected receipts with GTIN and
/// serial, shipments and deliveries, counts with their resolution and approver, DEA 106 discovery and recording dates,
/// ASAP AIR03 and an ID type of `none`.
@Suite("Inspection package completeness")
struct InspectionCompletenessTests {
    typealias D = DispensingLedger

    static func rows(_ dir: URL, _ name: String) throws -> [[String: String]] {
        let r = ExportInspectionTests().parseCSV(String(decoding: try BundleFiles.read(dir, name), as: UTF8.self))
        return r.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(r[0], $0)) }
    }

    @Test("receipts.csv marks a corrected receipt and shows GTIN and serial; shipments.csv; counts.csv shows the resolution and its approver", arguments: Backend.allCases)
    func inspectionFiles(_ backend: Backend) throws {
        guard let s = try ExportScenario.make(backend) else { return }
        let f = s.f
        let gtin = try GTIN.make(ndc10digits: "7000012310").digits
        let scanned = try f.record(D.receiveScanned(D.scan(gtin: gtin, lot: "KV2612S"), time: "2026-03-05T08:00:00Z"))
        let fix = try f.record(["correct", "--seq", String(scanned), "--reason", "received into the wrong ledger", "--time", "2026-03-05T08:30:00Z"] + D.pharmacist)
        // The count variance (98.3 counted, 98.5 expected) resolved by the compliance officer.
        let rec = try f.ok(["reconcile", "--as-of", "2026-03-06T23:00:00Z", "--json", "--no-verify", "--fail-on", "never"])
        let finding = try #require((try JSONParser.parse(rec.stdout)["findings"]?.arrayValue ?? []).first { $0["check"]?.stringValue == "count-variance" })
        let id = try #require(finding["id"]?.stringValue)
        let resolved = try f.record(["resolve", id, "--reason", "0.2 mL spilled while drawing; witnessed", "--time", "2026-03-07T10:00:00Z"] + D.compliance)

        let dir = try s.export(["inspection", "--from", "2026-03-01", "--to", "2026-03-31"])
        #expect(try BundleFiles.verify(dir, in: f.root).status == 0)
        let receipts = try Self.rows(dir, "receipts.csv")
        let r = try #require(receipts.first { $0["seq"] == String(scanned) })
        #expect(r["gtin"] == gtin && r["serial"] == "SN000417" && r["corrected_by_seq"] == String(fix), "\(r)")
        // The receipts that stand add up to what accountability.csv says was received, lot by lot.
        let accountability = try Self.rows(dir, "accountability.csv")
        for a in accountability {
            let standing = receipts.filter { $0["lot"] == a["lot"] && $0["corrected_by_seq"] == "" }
            let sum = Quantity(micros: standing.reduce(Int64(0)) { $0 + ((try? Quantity(parsing: $1["quantity"] ?? ""))?.micros ?? 0) })
            #expect(sum.description == a["received"], "lot \(a["lot"] ?? ""): receipts \(sum), accountability \(a["received"] ?? "")")
        }
        let shipments = try Self.rows(dir, "shipments.csv")
        #expect(shipments.count == 1)
        let p = try #require(shipments.first)
        let image = try Data(contentsOf: URL(fileURLWithPath: f.dir.path("pod.png")))
        #expect(p["tracking"] == "1Z999AA10123456784" && p["carrier"] == "UPS" && p["service"] == "Next Day Air" && p["fills"] == "RX-1001/1")
        #expect(p["adult_signature_required"] == "true" && p["status"] == "delivered" && p["closed_seq"] == String(s.seqs["delivery"]!))
        #expect(p["delivered"] == "2026-03-05T15:00:00Z" && p["age_verified"] == "true" && p["id_type"] == "drivers_license")
        #expect(p["signer_ref"]?.hasPrefix("S-") == true || p["signer_ref"]?.isEmpty == false, "\(p)")
        #expect(p["signature_image_sha256"] == Hash.sha256(Array(image)).hex)
        let counts = try Self.rows(dir, "counts.csv")
        let c = try #require(counts.first { $0["seq"] == String(s.seqs["count"]!) })
        #expect(c["variance"] == "-0.2" && c["finding_id"] == id, "\(c)")
        #expect(c["resolution"] == "0.2 mL spilled while drawing; witnessed" && c["resolution_seq"] == String(resolved))
        #expect(c["approved_by"]?.hasPrefix("Compliance (") == true, "\(c)")
    }

    @Test("DEA 106 shows the discovery date and the date the ledger recorded it", arguments: Backend.allCases)
    func dea106Dates(_ backend: Backend) throws {
        guard let s = try ExportScenario.make(backend) else { return }
        let b = try s.export(["dea106", "--loss", String(s.seqs["theft"]!)])
        let row = try #require(try Self.rows(b, "dea106.csv").first)
        let logged = try #require(try s.f.entry(s.seqs["theft"]!)["logged"]?.stringValue)
        #expect(row["discovered_date"] == "2026-03-06" && row["recorded"] == "2026-03-06T11:00:00.000Z", "\(row)")
        #expect(row["recorded_date"] == String(logged.prefix(10)) && row["logged"] == logged, "\(row)")
    }

    @Test("ASAP AIR03 carries the ID's issuing state; an ID type of none sends no ID qualifier", arguments: Backend.allCases)
    func asapAIR(_ backend: Backend) throws {
        func air(idType: String, jurisdiction: String?) throws -> [String]? {
            guard let f = try D.make(backend) else { return nil }
            _ = try f.writeImage()
            try f.record(D.dispense(time: "2026-03-03T10:00:00Z"))
            try f.record(D.ship(tracking: "1Z999AA10123456784", time: "2026-03-03T11:00:00Z"))
            try f.record(D.deliver(tracking: "1Z999AA10123456784", delivered: "2026-03-04T15:00:00Z", time: "2026-03-04T16:00:00Z",
                                   extra: jurisdiction.map { ["--id-jurisdiction", $0] } ?? []).map { $0 == "drivers_license" ? idType : $0 })
            let out = f.dir.path("AZ.txt")
            try f.ok(["export", "asap", "--state", "AZ", "--date", "2026-03-03", "--out", out])
            let checker = ASAPChecker(try String(contentsOfFile: out, encoding: .utf8), state: "AZ", date: "20260303")
            #expect(checker.problems.isEmpty, "\(checker.problems)")
            return try #require(checker.segments.first { $0[0] == "AIR" })
        }
        guard let licence = try air(idType: "drivers_license", jurisdiction: "AZ") else { return }
        #expect(licence[3] == "AZ" && licence[4] == "06" && licence[5] == "4821", "\(licence)")
        let none = try #require(try air(idType: "none", jurisdiction: nil))
        #expect(none[3] == "" && none[4] == "" && none[5] == "" && none[7] == "Quixote-Marchetti", "\(none)")
        // A jurisdiction that is not two capital letters is refused before anything is kept.
        let f = try #require(try D.make(backend))
        _ = try f.writeImage()
        try f.record(D.dispense(time: "2026-03-03T10:00:00Z"))
        try f.record(D.ship(tracking: "1Z999AA10123456784", time: "2026-03-03T11:00:00Z"))
        try f.expectRefusal(try f.csledger(D.deliver(tracking: "1Z999AA10123456784", delivered: "2026-03-04T15:00:00Z", time: "2026-03-04T16:00:00Z",
                                                     extra: ["--id-jurisdiction", "Arizona"])), "invalid-argument", ["--id-jurisdiction must be the two-letter code"])
    }
}
