import Foundation
import Testing
@testable import CSLedgerKit
@testable import LedgerCore

@Suite("Export inspection and DEA forms")
struct ExportInspectionTests {
    typealias D = DispensingLedger

    /// accountability.csv by lot number: every column as written.
    func accountability(_ dir: URL) throws -> [String: [String: String]] {
        let rows = parseCSV(String(decoding: try BundleFiles.read(dir, "accountability.csv"), as: UTF8.self))
        let header = try #require(rows.first)
        var out: [String: [String: String]] = [:]
        for r in rows.dropFirst() { out[r[header.firstIndex(of: "lot")!]] = Dictionary(uniqueKeysWithValues: zip(header, r)) }
        return out
    }

    /// A plain CSV reader for the test (quotes, doubled quotes, CRLF).
    func parseCSV(_ text: String) -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], field = "", quoted = false, prev: Character = " "
        for c in text {
            if quoted {
                if c == "\"" { quoted = false } else { field.append(c) }
            } else if c == "\"" {
                if prev == "\"" { field.append("\"") }
                quoted = true
            } else if c == "," { row.append(field); field = "" }
            else if c == "\r\n" || c == "\n" { row.append(field); rows.append(row); row = []; field = "" }
            else { field.append(c) }
            prev = c
        }
        return rows
    }

    @Test("accountability equals `inventory --as-of` at the period's start and end, and each flow is the difference", arguments: Backend.allCases)
    func accountabilityEqualsInventory(_ backend: Backend) throws {
        guard let s = try ExportScenario.make(backend) else { return }
        for (from, to) in [("2026-03-04", "2026-03-06"), ("2026-03-01", "2026-03-31"), ("2026-03-05", "2026-03-05")] {
            let dir = try s.export(["inspection", "--from", from, "--to", to])
            let acc = try accountability(dir)
            let dayBefore = try #require(Timestamp(from, allowDate: true)).adding(milliseconds: -86_400_000).dateString
            let opening = try s.f.inventory(["--as-of", dayBefore])
            let closing = try s.f.inventory(["--as-of", to])
            #expect(Set(acc.keys) == Set(closing.keys), "lots \(from)..\(to)")
            for (lot, row) in acc {
                let c = try #require(closing[lot])
                let o = opening[lot]
                #expect(row["closing"] == c["on_hand"], "\(lot) closing \(from)..\(to)")
                #expect(row["opening"] == (o?["on_hand"] ?? "0"), "\(lot) opening \(from)..\(to)")
                for flow in ["received", "returned", "adjusted", "dispensed", "administered", "wasted", "destroyed", "lost"] {
                    let expected = try Quantity(parsing: c[flow] ?? "0", allowNegative: true) - Quantity(parsing: o?[flow] ?? "0", allowNegative: true)
                    #expect(row[flow] == expected.description, "\(lot) \(flow) \(from)..\(to)")
                }
                // opening + in − out = closing, exactly.
                let q = { (k: String) in try Quantity(parsing: row[k] ?? "", allowNegative: true).micros }
                let sum = try q("opening") + q("received") + q("returned") + q("adjusted") - q("dispensed") - q("administered")
                    - q("wasted") - q("destroyed") - q("lost")
                #expect(sum == (try q("closing")), "\(lot) balances")
            }
            let html = String(decoding: try BundleFiles.read(dir, "report.html"), as: UTF8.self)
            #expect(html.contains("Accountability per drug") && html.contains("OK: every entry, signature and checkpoint"))
            #expect(html.contains(try s.f.checkpoint().split(separator: "\n")[2]), "the checkpoint root is shown")
            #expect(!html.contains("<script"), "self-contained, no scripts")
        }
        // The week's figures, from the scenario: 3 mL in the vial lot wasted (0.2 with the dose, 0.5, and not the count), 2 destroyed.
        let week = try accountability(try s.export(["inspection", "--from", "2026-03-04", "--to", "2026-03-06"]))
        #expect(week[D.vialLot]?["administered"] == "0.8" && week[D.vialLot]?["wasted"] == "0.7" && week[D.vialLot]?["destroyed"] == "2")
        #expect(week[D.tabletLot]?["lost"] == "2" && week[D.tabletLot]?["dispensed"] == "14", "fills of 6 and 8, then the 6 reversed by its correction and dispensed again")
    }

    @Test("the inspection logs name every entry by seq: the dose, the waste, the count with its variance, the correction", arguments: Backend.allCases)
    func logs(_ backend: Backend) throws {
        guard let s = try ExportScenario.make(backend) else { return }
        let dir = try s.export(["inspection", "--from", "2026-03-01", "--to", "2026-03-31"])
        func rows(_ name: String) throws -> [[String: String]] {
            let r = parseCSV(String(decoding: try BundleFiles.read(dir, name), as: UTF8.self))
            return r.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(r[0], $0)) }
        }
        #expect(try rows("administrations.csv").map { $0["seq"] } == [String(s.seqs["dose"]!)])
        #expect(try rows("wastes.csv").compactMap { $0["seq"] } == [String(s.seqs["dose"]!), String(s.seqs["waste"]!)])
        let count = try #require(try rows("counts.csv").first)
        #expect(count["expected"] == "98.5" && count["counted"] == "98.3" && count["variance"] == "-0.2")
        let fills = try rows("dispensing.csv")
        #expect(fills.first { $0["seq"] == String(s.seqs["fillA"]!) }?["corrected_by_seq"] == String(s.seqs["correctA"]!))
        #expect(try rows("corrections.csv").map { $0["corrects_seq"] } == [String(s.seqs["fillA"]!), String(s.seqs["fillB"]!)])
        #expect(try rows("receipts.csv").count == 2)
    }

    // File only: the demo makes a ledger file.
    @Test("the demo week exports and verifies offline; time it")
    func demo() throws {
        let dir = try TempDir()
        let demo = try CLI.csledger(["demo", "--dir", "demo"], in: dir.url)
        try #require(demo.status == 0, "\(demo.stderr)")
        let ledger = dir.path("demo/ledger.sqlite")
        let today = Timestamp.now()
        let out = dir.path("inspection")
        let e = try CLI.csledger(["export", "inspection", "--ledger", ledger, "--from", today.adding(milliseconds: -7 * 86_400_000).dateString,
                                  "--to", today.dateString, "--out", out], in: dir.url)
        try #require(e.status == 0, "\(e.stderr)")
        let started = Date()
        let v = try BundleFiles.verify(URL(fileURLWithPath: out), in: dir.url)
        let seconds = Date().timeIntervalSince(started)
        #expect(v.status == 0, "\(v.failures)")
        print("demo inspection bundle: \(v.json["entries"]?.integerValue ?? 0) entries verified by verify-report in \(String(format: "%.3f", seconds)) s (process included)")
        #expect(seconds < 10)
    }

    @Test("DEA 41 and DEA 106 (theft and lost in transit) name the lots, quantities, witnesses and carrier", arguments: Backend.allCases)
    func deaForms(_ backend: Backend) throws {
        guard let s = try ExportScenario.make(backend) else { return }
        let d41 = try s.export(["dea41", "--destruction", String(s.seqs["destruction"]!)])
        let r41 = parseCSV(String(decoding: try BundleFiles.read(d41, "dea41.csv"), as: UTF8.self))
        #expect(r41.count == 2)
        let row41 = Dictionary(uniqueKeysWithValues: zip(r41[0], r41[1]))
        #expect(row41["lot"] == D.vialLot && row41["quantity"] == "2" && row41["ndc11"] == "70000012310" && row41["dea_number"] == CLILedger.dea)
        #expect(row41["witness_1"]?.hasPrefix("Witness ") == true && row41["witness_2"]?.hasPrefix("Witness2 ") == true)
        #expect(try BundleFiles.verify(d41, in: s.f.root).status == 0)
        let d106 = try s.export(["dea106", "--loss", String(s.seqs["theft"]!)])
        let r106 = parseCSV(String(decoding: try BundleFiles.read(d106, "dea106.csv"), as: UTF8.self))
        #expect(r106.count == 2 && r106[1][r106[0].firstIndex(of: "kind")!] == "theft" && r106[1][r106[0].firstIndex(of: "quantity")!] == "2")
        #expect(try BundleFiles.verify(d106, in: s.f.root).status == 0)
        // Lost in transit: the parcel's lots and the carrier.
        try s.f.record(D.dispense("RX-1001", fill: 2, time: "2026-03-08T10:00:00Z"))
        try s.f.record(D.ship(["RX-1001/2"], tracking: "1Z999AA10123456806", time: "2026-03-08T11:00:00Z"))
        try s.f.ok(["lost-in-transit", "--tracking", "1Z999AA10123456806", "--reason", "missing at hub", "--time", "2026-03-10T09:00:00Z"] + D.pharmacist)
        let lost = try s.f.record(["loss", "--kind", "in_transit", "--tracking", "1Z999AA10123456806", "--carrier", "UPS",
                                   "--discovered", "2026-03-10T08:30:00Z", "--time", "2026-03-10T10:00:00Z"] + D.compliance)
        let transit = try s.export(["dea106", "--loss", String(lost)])
        let rt = parseCSV(String(decoding: try BundleFiles.read(transit, "dea106.csv"), as: UTF8.self))
        let row = Dictionary(uniqueKeysWithValues: zip(rt[0], rt[1]))
        #expect(rt.count == 2 && row["kind"] == "in_transit" && row["carrier"] == "UPS" && row["tracking"] == "1Z999AA10123456806"
                && row["lot"] == D.tabletLot && row["quantity"] == "6", "\(rt)")
        #expect(try BundleFiles.verify(transit, in: s.f.root).status == 0)
        // The biennial inventory at close of business equals `inventory --as-of` that day.
        let bi = try s.export(["biennial-inventory", "--date", "2026-03-06"])
        let rb = parseCSV(String(decoding: try BundleFiles.read(bi, "biennial-inventory.csv"), as: UTF8.self))
        let inv = try s.f.inventory(["--as-of", "2026-03-06"])
        for r in rb.dropFirst() {
            let o = Dictionary(uniqueKeysWithValues: zip(rb[0], r))
            #expect(o["on_hand"] == inv[o["lot"] ?? ""]?["on_hand"], "\(o)")
        }
        #expect(try BundleFiles.verify(bi, in: s.f.root).status == 0)
    }

    @Test("refusals: a seq that is not a destruction or loss, an unknown seq, malformed dates; one line, nothing written", arguments: Backend.allCases)
    func refusals(_ backend: Backend) throws {
        guard let s = try ExportScenario.make(backend) else { return }
        let out = s.f.dir.path("never")
        let cases: [([String], String, [String])] = [
            (["dea41", "--destruction", String(s.seqs["waste"]!)], "invalid-argument", ["entry \(s.seqs["waste"]!) is a waste.recorded", "not a destruction"]),
            (["dea41", "--destruction", "99999"], "not-found", ["no entry 99999"]),
            (["dea41", "--destruction", "seven"], "invalid-argument", ["--destruction", "seq"]),
            (["dea106", "--loss", String(s.seqs["destruction"]!)], "invalid-argument", ["destruction.recorded", "not a theft or loss"]),
            (["dea106", "--loss", "99999"], "not-found", ["no entry 99999"]),
            (["inspection", "--from", "2026-13-01", "--to", "2026-03-31"], "invalid-argument", ["--from", "2026-13-01"]),
            (["inspection", "--from", "2026-03-31", "--to", "2026-03-01"], "invalid-argument", ["after"]),
            (["biennial-inventory", "--date", "yesterday"], "invalid-argument", ["--date"]),
        ]
        for (args, code, says) in cases {
            let r = try s.f.csledger(["export"] + args + ["--out", out])
            try s.f.expectRefusal(r, code, says)
            #expect(!FileManager.default.fileExists(atPath: out), "\(args) wrote \(out)")
        }
    }
}
