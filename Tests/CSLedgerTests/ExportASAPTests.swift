import Foundation
import Testing
@testable import LedgerCore

/// An independent reading of an ASAP 4.2A file against the segment rules: delimiters, order, mandatory elements,
/// 11-digit NDCs, CCYYMMDD dates, TP and TT counts, the zero report.
struct ASAPChecker {
    var problems: [String] = []
    var segments: [[String]] = []

    static func validDate(_ s: String) -> Bool {
        s.count == 8 && s.allSatisfy(\.isNumber) && Timestamp("\(s.prefix(4))-\(s.dropFirst(4).prefix(2))-\(s.suffix(2))", allowDate: true) != nil
    }

    static func validDEA(_ s: String) -> Bool {
        let u = Array(s)
        guard u.count == 9, u[0].isLetter, u[1].isLetter, u[2...].allSatisfy(\.isNumber) else { return false }
        let d = u[2...].map { Int(String($0))! }
        return (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10 == d[6]
    }

    init(_ text: String, state: String, date: String) {
        // TH ends with its own terminator character (TH09 = "~") and the segment terminator.
        guard text.hasPrefix("TH*"), let thEnd = text.range(of: "~~") else { problems.append("the file does not start with a TH segment ending ~~"); return }
        let th = String(text[..<thEnd.lowerBound]) + "~"
        let thElements = th.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
        segments.append(thElements)
        let rest = text[thEnd.upperBound...]
        guard rest.hasSuffix("~\n") || rest.hasSuffix("~") else { problems.append("the last segment is not terminated by ~"); return }
        for raw in rest.split(separator: "~", omittingEmptySubsequences: false).dropLast() {
            let s = raw.hasPrefix("\n") ? raw.dropFirst() : raw[...]
            if s.contains("\n") || s.contains("\r") { problems.append("a line break inside segment \(s.prefix(10))") }
            segments.append(s.split(separator: "*", omittingEmptySubsequences: false).map(String.init))
        }
        func el(_ seg: [String], _ i: Int) -> String { i < seg.count ? seg[i] : "" }
        func need(_ cond: Bool, _ what: String) { if !cond { problems.append(what) } }
        let ids = segments.map { $0[0] }
        need(Set(ids).isSubset(of: ["TH", "IS", "PHA", "PAT", "DSP", "PRE", "CDI", "AIR", "TP", "TT"]), "unknown segment in \(ids)")
        need(ids.count >= 6 && Array(ids.prefix(3)) == ["TH", "IS", "PHA"] && Array(ids.suffix(2)) == ["TP", "TT"], "order TH IS PHA ... TP TT: \(ids)")
        guard ids.count >= 6 else { return }
        let t = segments[0]
        need(el(t, 1) == "4.2A", "TH01 version 4.2A")
        need(!el(t, 2).isEmpty, "TH02 control number")
        need(el(t, 3) == "01", "TH03 transaction type 01")
        need(Self.validDate(el(t, 5)), "TH05 creation date CCYYMMDD")
        need(el(t, 6).count == 6 && el(t, 6).allSatisfy(\.isNumber), "TH06 creation time HHMMSS")
        need(["P", "T"].contains(el(t, 7)), "TH07 file type")
        need(el(t, 9) == "~" && t.count == 10, "TH09 segment terminator ~")
        let isSeg = segments[1]
        need(!el(isSeg, 1).isEmpty && !el(isSeg, 2).isEmpty, "IS01 and IS02")
        need(Self.validDEA(el(segments[2], 3)), "PHA03 DEA number")
        let tp = segments[segments.count - 2], tt = segments[segments.count - 1]
        need(el(tp, 1) == String(segments.count - 1 - 2), "TP01 = segments PHA..TP (\(segments.count - 3)), found \(el(tp, 1))")
        need(el(tt, 1) == el(t, 2), "TT01 = TH02")
        need(el(tt, 2) == String(segments.count), "TT02 = all segments (\(segments.count)), found \(el(tt, 2))")
        let detail = Array(segments[3..<(segments.count - 2)])
        if detail.first.map({ el($0, 7) == "REPORT" && el($0, 8) == "ZERO" }) == true {
            need(detail.map { $0[0] } == ["PAT", "DSP", "PRE", "CDI", "AIR"], "zero report segments")
            need(el(detail[1], 5) == date, "zero report DSP05 = report date")
            need(el(isSeg, 3) == "#\(date)#-#\(date)#", "zero report IS03 date range")
            return
        }
        var i = 0
        while i < detail.count {
            let pat = detail[i]
            guard pat[0] == "PAT", i + 2 < detail.count, detail[i + 1][0] == "DSP", detail[i + 2][0] == "PRE" else {
                problems.append("a record must be PAT DSP PRE: \(detail[i...].prefix(3).map { $0[0] })"); return
            }
            let dsp = detail[i + 1], pre = detail[i + 2]
            need(!el(pat, 7).isEmpty && !el(pat, 8).isEmpty, "PAT07/PAT08 patient name")
            need(el(pat, 15) == state, "PAT15 state \(state), found \(el(pat, 15))")
            need(Self.validDate(el(pat, 18)), "PAT18 date of birth CCYYMMDD")
            need(!el(pat, 12).isEmpty && !el(pat, 14).isEmpty && el(pat, 16).count >= 5, "PAT12/14/16 address")
            need(["00", "01", "02"].contains(el(dsp, 1)), "DSP01 reporting status")
            need(!el(dsp, 2).isEmpty, "DSP02 Rx number")
            need(Self.validDate(el(dsp, 3)) && Self.validDate(el(dsp, 5)), "DSP03/DSP05 dates CCYYMMDD")
            need(Int(el(dsp, 4)).map { (0...5).contains($0) } ?? false, "DSP04 refills authorized")
            need(Int(el(dsp, 6)) != nil, "DSP06 refill number")
            need(el(dsp, 7) == "01" || el(dsp, 7) == "06", "DSP07 product id qualifier")
            need(el(dsp, 8).count == 11 && el(dsp, 8).allSatisfy(\.isNumber), "DSP08 11-digit NDC, found \(el(dsp, 8))")
            need((try? Quantity(parsing: el(dsp, 9)))?.isPositive ?? false, "DSP09 quantity")
            need((Int(el(dsp, 10)) ?? 0) > 0, "DSP10 days supply")
            need(["01", "02", "03"].contains(el(dsp, 11)), "DSP11 dosage units code")
            need(Self.validDEA(el(pre, 2)) || !el(pre, 1).isEmpty, "PRE01 NPI or PRE02 DEA")
            need(!el(pre, 5).isEmpty, "PRE05 prescriber last name")
            i += 3
            var cdi = 0
            while i < detail.count, detail[i][0] == "CDI" {
                cdi += 1
                need(el(detail[i], 3).count == 11 && el(detail[i], 3).allSatisfy(\.isNumber), "CDI03 11-digit NDC")
                i += 1
            }
            need(el(dsp, 7) == "06" ? cdi >= 2 : cdi == 0, "CDI segments only for compounds")
            if i < detail.count, detail[i][0] == "AIR" {
                need(!el(detail[i], 7).isEmpty && !el(detail[i], 8).isEmpty, "AIR07/08")
                // No ID shown: AIR03-05 all empty; an ID: its qualifier.
                need(!el(detail[i], 4).isEmpty || (el(detail[i], 3).isEmpty && el(detail[i], 5).isEmpty), "AIR04 with AIR03/05")
                i += 1
            }
        }
    }

    var records: [[String]] { segments.filter { $0[0] == "DSP" } }
}

@Suite("Export ASAP")
struct ExportASAPTests {
    typealias D = DispensingLedger

    func asap(_ s: ExportScenario, state: String, date: String) throws -> (text: String, checker: ASAPChecker, bundle: URL) {
        let out = s.f.dir.path("\(state)-\(date).txt")
        try s.f.ok(["export", "asap", "--state", state, "--date", date, "--out", out])
        let text = try String(contentsOfFile: out, encoding: .utf8)
        let checker = ASAPChecker(text, state: state, date: date.replacingOccurrences(of: "-", with: ""))
        #expect(checker.problems.isEmpty, "\(state) \(date): \(checker.problems)\n\(text)")
        let bundle = URL(fileURLWithPath: out + ".bundle")
        let v = try BundleFiles.verify(bundle, in: s.f.root)
        #expect(v.status == 0, "\(v.failures)")
        #expect(try BundleFiles.read(bundle, "\(state)-\(date.replacingOccurrences(of: "-", with: "")).asap.txt") == Data(text.utf8))
        return (text, checker, bundle)
    }

    @Test("a realistic week: new fills per state with AIR for the delivered parcel, a revision, a void, and zero reports", arguments: Backend.allCases)
    func segmentRules(_ backend: Backend) throws {
        guard let s = try ExportScenario.make(backend) else { return }
        // 03-04, Arizona: patient A's first fill, shipped and delivered (AIR names the adult who signed).
        let az = try asap(s, state: "AZ", date: "2026-03-04")
        #expect(az.checker.records.count == 1)
        let dsp = try #require(az.checker.records.first)
        #expect(dsp[1] == "00" && dsp[2] == "RX-1001" && dsp[5] == "20260304" && dsp[6] == "0" && dsp[8] == "70000045630" && dsp[9] == "6")
        #expect(az.text.contains("*Quixote-Marchetti*Zebulon*"), "PAT names patient A")
        #expect(az.text.contains("*Tucson*AZ*85701*"))
        #expect(!az.text.contains("Wrenbourne"), "patient B lives in Texas")
        let air = try #require(az.checker.segments.first { $0[0] == "AIR" })
        #expect(air[4] == "06" && air[5] == "4821" && air[6] == "01" && air[7] == "Quixote-Marchetti", "\(air)")
        // The personal data ships with its salt; verify-report checked the commitment.
        let pd = String(decoding: try BundleFiles.read(az.bundle, "personal-data.jsonl"), as: UTF8.self)
        #expect(pd.split(separator: "\n").count == 2, "patient and delivery signer")
        #expect(pd.contains(s.f.patientA.commitment))
        // 03-04, Texas: patient B's fill, not shipped.
        let tx = try asap(s, state: "TX", date: "2026-03-04")
        #expect(tx.checker.records.map { $0[2] } == ["RX-2002"])
        #expect(!tx.checker.segments.contains { $0[0] == "AIR" })
        #expect(!tx.text.contains("Quixote"))
        // 03-06, Arizona: fill 1 corrected and dispensed again the same day: a revision of the record sent on 03-04.
        let revise = try asap(s, state: "AZ", date: "2026-03-06")
        #expect(revise.checker.records.map { [$0[1], $0[2], $0[5]] } == [["01", "RX-1001", "20260306"]])
        // 03-07, Texas: RX-2002 fill 1 corrected, nothing in its place: a void of the record of 03-04.
        let void = try asap(s, state: "TX", date: "2026-03-07")
        #expect(void.checker.records.map { [$0[1], $0[2], $0[5]] } == [["02", "RX-2002", "20260304"]])
        // Days without fills for the state: zero reports.
        for (state, date) in [("AZ", "2026-03-07"), ("TX", "2026-03-05"), ("NM", "2026-03-04")] {
            let zero = try asap(s, state: state, date: date)
            #expect(zero.checker.records.count == 1 && zero.text.contains("*REPORT*ZERO"), "\(state) \(date)")
            #expect(!FileManager.default.fileExists(atPath: zero.bundle.appendingPathComponent("personal-data.jsonl").path))
        }
    }

    @Test("disclosed personal data is bound to the ledger: a changed name is caught even when the manifest is signed again", arguments: Backend.allCases)
    func personalDataTamper(_ backend: Backend) throws {
        guard let s = try ExportScenario.make(backend) else { return }
        let az = try asap(s, state: "AZ", date: "2026-03-04")
        let copy = try BundleFiles.copy(az.bundle, "pd")
        let pd = String(decoding: try BundleFiles.read(copy, "personal-data.jsonl"), as: UTF8.self)
        try BundleFiles.write(copy, "personal-data.jsonl", Data(pd.replacingOccurrences(of: "Zebulon", with: "Zachary").utf8))
        try BundleFiles.resign(copy, with: try s.f.key("facility"))
        let v = try BundleFiles.verify(copy, in: s.f.root)
        #expect(v.status == 1)
        #expect(v.failures.contains { $0.file == "personal-data.jsonl" && $0.message.contains("commitment") }, "\(v.failures)")
    }

    @Test("refusals: erased personal data, a state that is not two letters, a malformed date; nothing written, no personal data in the message", arguments: Backend.allCases)
    func refusals(_ backend: Backend) throws {
        guard let s = try ExportScenario.make(backend) else { return }
        let out = s.f.dir.path("az.txt")
        var r = try s.f.csledger(["export", "asap", "--state", "Texas", "--date", "2026-03-04", "--out", out])
        try s.f.expectRefusal(r, "invalid-argument", ["--state", "two-letter"])
        r = try s.f.csledger(["export", "asap", "--state", "AZ", "--date", "2026-3-4", "--out", out])
        try s.f.expectRefusal(r, "invalid-argument", ["--date", "2026-3-4"])
        try s.f.ok(["patient", "erase", "$PA"])
        r = try s.f.csledger(["export", "asap", "--state", "AZ", "--date", "2026-03-04", "--out", out])
        try s.f.expectRefusal(r, "not-found", ["erased", s.f.patientA.ref])
        for p in [out, out + ".bundle"] { #expect(!FileManager.default.fileExists(atPath: p), "\(p) written") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: s.f.root.path).filter { $0.contains("partial") }.isEmpty)
        // An existing file is never overwritten.
        try Data("earlier upload".utf8).write(to: URL(fileURLWithPath: out))
        r = try s.f.csledger(["export", "asap", "--state", "TX", "--date", "2026-03-04", "--out", out])
        try s.f.expectRefusal(r, "invalid-argument", ["already exists"])
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "earlier upload")
    }
}
