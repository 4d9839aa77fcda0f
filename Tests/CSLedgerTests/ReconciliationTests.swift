import Dispensing
import Foundation
import GRDB
import Testing
@testable import CSLedgerKit
@testable import LedgerCore
@testable import LedgerStore
@testable import Reconciliation
import Simulation

@Suite("Reconciliation: planted cases")
struct ReconciliationPlantedTests {
    var planted: PlantedLedger { PlantedLedger.shared }

    func describe(_ f: Finding) -> String { "rule \(f.rule) \(f.check) \(f.severity.rawValue) \(f.entries.prefix(12)): \(f.title)" }

    @Test("each planted case is found, with its severity, pointing at exactly its entries")
    func plantedCasesFound() {
        let report = planted.report
        for e in planted.expected {
            let matches = report.findings.filter { $0.rule == e.rule && $0.check == e.check && $0.entries == e.entries }
            #expect(matches.count == 1, "\(e): not found; findings of the rule: \(report.findings.filter { $0.rule == e.rule }.map(describe))")
            if let f = matches.first {
                #expect(f.severity == e.severity, "\(e.name): severity \(f.severity)")
                #expect(f.status == .open)
                #expect(!f.basis.isEmpty && !f.action.isEmpty && f.expected != nil && f.found != nil, "\(e.name) explains itself")
                #expect(!f.people.isEmpty, "\(e.name) names the people involved")
            }
        }
    }

    @Test("a lasting rise in one clinician's waste is found by the CUSUM, from their own baseline")
    func wastePattern() throws {
        let clin3 = try #require(planted.keys["clin3"])
        let found = planted.report.findings.filter { $0.rule == 8 && $0.check == "waste-pattern" }
        #expect(found.count == 1, "\(found.map(describe))")
        let f = try #require(found.first)
        #expect(f.people == [clin3])
        #expect(Set(f.entries).isSubset(of: planted.doses["clin3"] ?? []))
        #expect(f.entries.last! >= planted.biasSeq, "the alarm comes after the rise began")
        #expect(f.entries.filter { $0 >= planted.biasSeq }.count * 10 >= f.entries.count * 7, "most of the run is after the rise: \(f.entries.count) doses")
        #expect(f.figures.contains { $0.name == "CUSUM at alarm" } && f.figures.contains { $0.name == "threshold" })
    }

    @Test("a clinician who wastes far more than peers is a robust-z outlier, and only they are")
    func outlier() throws {
        let clin5 = try #require(planted.keys["clin5"])
        let found = planted.report.findings.filter { $0.rule == 10 }
        #expect(found.count == 1, "\(found.map(describe))")
        let f = try #require(found.first)
        #expect(f.check == "outlier-waste")
        #expect(f.people == [clin5])
        #expect(Set(f.entries) == planted.doses["clin5"])
        let zText = try #require(f.figures.first { $0.name == "z" }?.value)
        let z = try #require(Double(zText))
        #expect(z > 3.5)
        #expect(f.figures.contains { $0.name == "threshold" && $0.value == "3.5" })
    }

    @Test("time from draw to waste record: each clinician's median, 90th percentile and count, and the peer median, as the entries give them")
    func drawToWaste() throws {
        let db = planted.sim.fx.ledger.database
        var corrected = Set<Int>()
        try db.forEachBatch(type: DispensingType.entryCorrected) { rows in
            for r in rows { if let c = try Entry.decode(canonicalBytes: r.bytes).statement.body["corrects"]?.integerValue { corrected.insert(c) } }
            return true
        }
        // Minutes from the statement's time (the draw) to the entry's logged time, per actor, for doses with waste.
        var minutes: [KeyID: [Double]] = [:]
        try db.forEachBatch(type: DispensingType.doseAdministered) { rows in
            for r in rows {
                let e = try Entry.decode(canonicalBytes: r.bytes)
                guard !corrected.contains(e.seq), let w = e.statement.body["wasted"]?.stringValue, try Quantity(parsing: w).micros > 0 else { continue }
                minutes[e.statement.actor, default: []].append(Double(e.logged.millisecondsSinceEpoch - e.statement.time.millisecondsSinceEpoch) / 60_000)
            }
            return true
        }
        let figures = planted.report.wasteDelays
        let late = try #require(planted.keys["clin6"])
        #expect(Set(figures.map(\.person)) == Set(minutes.keys))
        #expect(minutes.count == 6, "the five clinicians and the one who records the next morning")
        func median(_ v: [Double]) -> Double { let s = v.sorted(); return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2 }
        let medians = minutes.mapValues(median)
        for f in figures {
            let mine = try #require(minutes[f.person]).sorted()
            #expect(f.wastes == mine.count && f.group == "clinician")
            #expect(abs(f.median - medians[f.person]!) < 1e-9)
            #expect(f.p90 == mine[(mine.count * 9 + 9) / 10 - 1], "nearest rank: the ⌈0.9 n⌉-th smallest")
            #expect(f.longest == mine.last! && f.counts.reduce(0, +) == mine.count)
            #expect(abs(f.peerMedian - median(Array(medians.values))) < 1e-9 && f.peers == 6)
            if f.person == late {
                // Doses at 16:45 written the next business morning at 07:30.
                #expect(mine.allSatisfy { $0 == 14.75 * 60 } && mine.count >= 10, "\(mine)")
                #expect(f.median > 2 * f.peerMedian && f.counts.last == 0, "stands out, but under the late-waste limit")
            } else {
                // Doses from 09:00 to 16:30, the day's records written at 18:00: between 1.5 and 9 hours.
                #expect(mine.first! >= 90 && mine.last! <= 540, "\(mine.first!) ... \(mine.last!)")
            }
        }
        #expect(!planted.report.findings.contains { $0.people.contains(late) }, "nothing is found about the one who records late but within the limit")
        #expect(!planted.report.findings.contains { $0.check == "waste-recorded-late" && $0.people.contains { minutes[$0] != nil } },
                "a figure, not a rule: the clinicians' ordinary delays raise nothing")
    }

    @Test("nothing else is found")
    func nothingElse() {
        let expected = planted.expected.map { "\($0.rule)|\($0.check)|\($0.entries)" }
        let other = planted.report.findings.filter { f in
            !expected.contains("\(f.rule)|\(f.check)|\(f.entries)") && !(f.rule == 8 && f.check == "waste-pattern") && f.rule != 10
        }
        #expect(other.isEmpty, "unexpected: \(other.map(describe))")
        #expect(planted.report.integrityChecked)
        #expect(planted.report.findings.count == planted.expected.count + 2)
    }

    @Test("output names patients by reference only, and every finding has a stable-looking id")
    func noPatientNames() throws {
        let text = planted.report.text(all: true)
        let json = JCS.serializeString(planted.report.json(all: true))
        for out in [text, json] {
            #expect(!out.contains("Clinic Patient") && !out.contains("Home Patient") && !out.contains("Delivery Adult"))
        }
        #expect(text.contains("P-"), "patient references are shown")
        for f in planted.report.findings {
            #expect(f.id.count == 14 && f.id.hasPrefix(String(format: "F%02d-", f.rule)), "\(f.id)")
        }
        #expect(Set(planted.report.findings.map(\.id)).count == planted.report.findings.count)
    }

    @Test("the report gates on severity, as a nightly job would")
    func gating() throws {
        // RECON_DUMP=/tmp/planted.txt swift test --filter ReconciliationPlantedTests/gating writes the report to read.
        if let path = ProcessInfo.processInfo.environment["RECON_DUMP"] {
            try Data(planted.report.text(all: true).utf8).write(to: URL(fileURLWithPath: path))
            try Data(JCS.serializeString(planted.report.json(all: true)).utf8).write(to: URL(fileURLWithPath: path + ".json"))
        }
        #expect(planted.report.hasOpen(atLeast: .critical))
        #expect(planted.report.hasOpen(atLeast: .warning))
        #expect(planted.report.open.count == planted.report.findings.count)
    }

    @Test("the same ledger reconciled again gives the same ids and evidence")
    func stableAcrossRuns() throws {
        let again = try planted.sim.fx.reconcile(asOf: planted.sim.end, verify: false)
        let a = planted.report.findings.filter { $0.rule != 11 }.map { "\($0.id) \($0.evidence)" }.sorted()
        #expect(again.findings.map { "\($0.id) \($0.evidence)" }.sorted() == a)
        // Later, time-dependent severities may rise but ids and evidence stay.
        let later = try planted.sim.fx.reconcile(asOf: planted.sim.end.adding(milliseconds: 86_400_000), verify: false)
        for f in planted.report.findings where f.rule != 10 {
            #expect(later.finding(f.id)?.evidence == f.evidence, "\(describe(f))")
        }
    }
}

@Suite("Reconciliation: a clean 10,000-entry ledger")
struct ReconciliationCleanTests {
    @Test("a realistic clean ledger of more than 10,000 entries yields no findings")
    func clean() throws {
        var o = ClinicSim.Options()
        o.businessDays = 90
        o.dosesPerDay = 85
        o.newPrescriptionsPerDay = 3
        o.clinicPatients = 40
        o.homePatients = 60
        o.seed = 7
        let built = Date()
        let sim = try ClinicSim(start: PlantedLedger.start, options: o)
        try sim.run()
        let buildSeconds = Date().timeIntervalSince(built)
        let size = try sim.fx.ledger.database.size()
        #expect(size >= 10_000)
        let started = Date()
        let report = try sim.fx.reconcile(asOf: sim.end)
        let seconds = Date().timeIntervalSince(started)
        let rulesStarted = Date()
        let rulesOnly = try sim.fx.reconcile(asOf: sim.end, verify: false)
        let rulesSeconds = Date().timeIntervalSince(rulesStarted)
        #expect(rulesOnly.findings.isEmpty)
        var counts: [String] = []
        for type in DispensingType.all {
            var n = 0
            try sim.fx.ledger.database.forEachBatch(type: type) { rows in n += rows.count; return true }
            if n > 0 { counts.append("\(type) \(n)") }
        }
        print("reconciliation: clean ledger of \(size) entries (\(counts.joined(separator: ", "))) built in \(String(format: "%.1f", buildSeconds)) s, reconciled in \(String(format: "%.2f", seconds)) s with verification, \(String(format: "%.2f", rulesSeconds)) s without")
        #expect(report.integrityChecked)
        #expect(report.findings.isEmpty, "\(report.findings.map { "rule \($0.rule) \($0.check): \($0.title)" })")
        #expect(!report.hasOpen(atLeast: .info))
        #expect(report.text().contains("No discrepancies found."))
    }
}

/// The seqs of the entries of `type`.
func seqs(_ fx: ReconLedger, _ type: String) throws -> [Int] {
    var out: [Int] = []
    try fx.ledger.database.forEachBatch(type: type) { rows in out += rows.map(\.seq); return true }
    return out
}

@Suite("Reconciliation: rules with their own ledgers")
struct ReconciliationLedgerTests {
    /// A small quiet ledger: receipts and counts only (no doses, no parcels).
    static func quiet(start: Timestamp, days: Int) throws -> ClinicSim {
        var o = ClinicSim.Options()
        o.businessDays = days
        o.dosesPerDay = 0
        o.newPrescriptionsPerDay = 0
        o.clinicPatients = 1
        o.homePatients = 1
        o.quarantineReturnDay = nil
        let sim = try ClinicSim(start: start, options: o)
        try sim.run()
        return sim
    }

    @Test("biennial inventory: overdue when a lot holding stock was not counted within 730 days")
    func biennial() throws {
        let start = Timestamp("2022-01-03T00:00:00Z")!
        let sim = try Self.quiet(start: start, days: 5)  // received Monday, counted Friday 2022-01-07
        let countSeqs = try seqs(sim.fx, DispensingType.countRecorded)
        #expect(countSeqs.count == 4)
        let before = try sim.fx.reconcile(asOf: Timestamp("2023-12-31T00:00:00Z")!, verify: false)
        #expect(before.findings.isEmpty, "\(before.findings.map(\.title))")
        let after = try sim.fx.reconcile(asOf: Timestamp("2024-02-01T00:00:00Z")!, verify: false)
        #expect(after.findings.count == 1, "\(after.findings.map(\.title))")
        let f = try #require(after.findings.first)
        #expect(f.rule == 9 && f.check == "biennial-inventory" && f.severity == .warning)
        #expect(f.entries == countSeqs)
        #expect(f.basis.contains("1304.11"))
        // Never counted: a lot received later is due two years after its receipt.
        let sim2 = try Self.quiet(start: start, days: 2)
        let r2 = try sim2.fx.reconcile(asOf: Timestamp("2024-01-04T00:00:00Z")!, verify: false)
        #expect(r2.findings.map(\.rule) == [9])
        #expect(r2.findings.first?.found?.contains("never counted") == true)
    }

    @Test("integrity: a changed entry becomes critical rule 11 findings at the right seq")
    func integrity() throws {
        var o = ClinicSim.Options()
        o.businessDays = 2
        o.dosesPerDay = 3
        o.newPrescriptionsPerDay = 0
        o.quarantineReturnDay = nil
        let sim = try ClinicSim(start: PlantedLedger.start, options: o)
        try sim.run()
        #expect(try sim.fx.reconcile(asOf: sim.end).findings.isEmpty)
        let target = try #require(try seqs(sim.fx, DispensingType.doseAdministered).first)
        // Someone with the file changes one dose's order number.
        let r = try CLI.run("sqlite3", [sim.fx.ledger.database.path], in: sim.fx.dir.url, stdin: Data("""
            DROP TRIGGER entries_append_only_update;
            UPDATE entries SET bytes = CAST(replace(CAST(bytes AS TEXT), '"ORD-1"', '"ORD-9"') AS BLOB) WHERE seq = \(target);
            """.utf8))
        #expect(r.status == 0, "\(r.stderr)")
        let report = try sim.fx.reconcile(asOf: sim.end)
        #expect(!report.findings.isEmpty)
        #expect(report.findings.allSatisfy { $0.rule == 11 && $0.severity == .critical }, "\(report.findings.map(\.title))")
        #expect(report.findings.contains { $0.check == "signature-invalid" && $0.entries == [target] })
        #expect(report.findings.contains { $0.check == "prev-mismatch" && $0.entries == [target + 1] })
        #expect(report.findings.contains { $0.check == "checkpoint-root-mismatch" })
        #expect(report.hasOpen(atLeast: .critical))
        // Without the full verification, the rules still refuse to run on entries no signed checkpoint covers.
        #expect(throws: LedgerError(.ledgerTampered, "")) { try sim.fx.reconcile(asOf: sim.end, verify: false) }
        // On a sound ledger, skipping the signatures is reported as such.
        let clean = try ClinicSim(start: PlantedLedger.start, options: o)
        try clean.run()
        let unchecked = try clean.fx.reconcile(asOf: clean.end, verify: false)
        #expect(!unchecked.integrityChecked && unchecked.findings.isEmpty)
        #expect(unchecked.text().contains("integrity NOT checked"))
    }

    /// A short clinic period with a short count and a lot taken below zero.
    static func withProblems(seed: UInt64 = 3) throws -> (sim: ClinicSim, count: Int, negative: Int, negLot: String, loss: Int) {
        var o = ClinicSim.Options()
        o.businessDays = 5
        o.dosesPerDay = 4
        o.newPrescriptionsPerDay = 1
        o.quarantineReturnDay = nil
        o.seed = seed
        let sim = try ClinicSim(start: PlantedLedger.start, options: o)
        var count = 0, negative = 0, loss = 0
        var negLot = ""
        sim.plants[1] = [{ s, d in
            let (_, a) = try s.receive(lot: "RCNT", vial: false, containers: 1, at: s.cal.at(d, 8))
            let (_, b) = try s.receive(lot: "RNEG", vial: false, containers: 1, at: s.cal.at(d, 8.1))
            negLot = b
            count = try s.count(lot: a, counted: 27 * ClinicSim.unit, by: "pharm1", witness: "witness1", at: s.cal.at(d, 12))
            negative = try s.waste(lot: b, micros: 32 * ClinicSim.unit, by: "pharm1", witness: "witness1", at: s.cal.at(d, 12.5),
                                   reason: "bottle broken", override: "the shelf holds more")
            loss = try s.loss(kind: "loss", items: [(a, 3 * ClinicSim.unit)], discovered: s.cal.at(d, 13), deaNotified: s.cal.at(d, 14),
                              at: s.cal.at(d, 14.5))
        }]
        try sim.run()
        return (sim, count, negative, negLot, loss)
    }

    @Test("resolutions: resolved findings leave the open list, new evidence reopens them, only compliance may resolve")
    func resolutions() throws {
        let (sim, countSeq, negSeq, negLot, lossSeq) = try Self.withProblems()
        let fx = sim.fx
        let t0 = sim.end
        let r1 = try fx.reconcile(asOf: t0)
        let variance = try #require(r1.findings.first { $0.check == "count-variance" })
        let negative = try #require(r1.findings.first { $0.check == "negative-balance" })
        #expect(variance.entries == [countSeq] && negative.entries == [negSeq])
        #expect(r1.findings.count == 2, "\(r1.findings.map(\.title))")
        #expect(variance.severity == .critical && negative.severity == .critical)
        // A compliance officer resolves the variance.
        let res1 = try fx.stage(ReconciliationType.findingResolved, ["finding_id": .string(variance.id), "reason": "3 tablets lost, reported on Form 106",
                                                                     "loss_report_seq": .number(Double(lossSeq)), "evidence": .string(variance.evidence)],
                                by: "compliance", at: t0.adding(milliseconds: 3_600_000))
        try fx.flush(clock: t0.adding(milliseconds: 3_650_000))
        // A pharmacist may not resolve a finding: the write path refuses it.
        do {
            _ = try fx.stage(ReconciliationType.findingResolved, ["finding_id": .string(negative.id), "reason": "fine"],
                             by: "pharm1", at: t0.adding(milliseconds: 3_700_000))
            try fx.flush(clock: t0.adding(milliseconds: 4_000_000))
            Issue.record("a pharmacist's finding.resolved was recorded; only compliance may resolve findings")
        } catch let e as LedgerError {
            #expect(e.code == .roleNotAllowed, "\(e)")
        }
        let t1 = t0.adding(milliseconds: 5_000_000)
        let r2 = try fx.reconcile(asOf: t1)
        #expect(r2.finding(variance.id)?.status == .resolved)
        #expect(r2.finding(variance.id)?.resolution?.seq == res1)
        #expect(r2.finding(variance.id)?.resolution?.lossReportSeq == lossSeq)
        #expect(!r2.open.contains { $0.id == variance.id })
        #expect(r2.finding(negative.id)?.status == .open)
        #expect(!r2.findings.contains { $0.check == "resolution-not-valid" })
        #expect(r2.text().contains(negative.id) && !r2.text().contains(variance.id))
        #expect(r2.text(all: true).contains(variance.id) && r2.text(all: true).contains("resolved at seq \(res1)"))
        // The same reconciliation as of before the resolution still shows it open.
        #expect(try fx.reconcile(asOf: t0, verify: false).finding(variance.id)?.status == .open)
        // Resolved properly, then new evidence: another entry takes the lot further below zero.
        try fx.stage(ReconciliationType.findingResolved, ["finding_id": .string(negative.id), "reason": "count confirmed 31 on the shelf",
                                                          "evidence": .string(negative.evidence)], by: "compliance", at: t1)
        try fx.flush(clock: t1.adding(milliseconds: 60_000))
        let t2 = t1.adding(milliseconds: 120_000)
        #expect(try fx.reconcile(asOf: t2, verify: false).finding(negative.id)?.status == .resolved)
        let more = try sim.waste(lot: negLot, micros: ClinicSim.unit, by: "pharm1", witness: "witness1", at: t2, reason: "bottle broken",
                                 override: "again")
        try fx.flush(clock: t2.adding(milliseconds: 60_000))
        let r3 = try fx.reconcile(asOf: t2.adding(milliseconds: 120_000), verify: false)
        let reopened = try #require(r3.finding(negative.id))
        #expect(reopened.status == .reopened)
        #expect(reopened.entries == [negSeq, more])
        #expect(r3.open.contains { $0.id == negative.id })
        // The library refuses a resolver who is not a compliance officer, and a loss report that is not one.
        #expect(throws: LedgerError.self) {
            try fx.ledger.resolve(findingID: negative.id, reason: "x", key: fx.keys["pharm1"]!, facilityKey: fx.keys["facility"]!, time: t2)
        }
        #expect(throws: LedgerError.self) {
            try fx.ledger.resolve(findingID: negative.id, reason: "x", lossReportSeq: negSeq, key: fx.keys["compliance"]!,
                                  facilityKey: fx.keys["facility"]!, time: t2)
        }
        let t3 = t2.adding(milliseconds: 600_000)
        let appended = try fx.ledger.resolve(findingID: negative.id, reason: "investigated: breakage", key: fx.keys["compliance"]!,
                                             facilityKey: fx.keys["facility"]!, time: t3)
        let r4 = try fx.reconcile(asOf: t3, verify: false)
        #expect(r4.finding(negative.id)?.status == .resolved)
        #expect(r4.finding(negative.id)?.resolution?.seq == appended.seq)
        #expect(throws: LedgerError.self) {
            try fx.ledger.resolve(findingID: negative.id, reason: "again", key: fx.keys["compliance"]!, facilityKey: fx.keys["facility"]!, time: t3)
        }
    }

    @Test("ids depend only on what a finding is about: two identical ledgers give the same ids")
    func stableIDs() throws {
        let a = try Self.withProblems(seed: 9)
        let b = try Self.withProblems(seed: 9)
        let ra = try a.sim.fx.reconcile(asOf: a.sim.end, verify: false)
        let rb = try b.sim.fx.reconcile(asOf: b.sim.end, verify: false)
        #expect(!ra.findings.isEmpty)
        #expect(ra.findings.map(\.id) == rb.findings.map(\.id))
        #expect(ra.findings.map(\.evidence) == rb.findings.map(\.evidence))
    }
}

@Suite("Reconciliation: statistics, calendar and configuration")
struct ReconciliationUnitTests {
    @Test("median, MAD and robust z-scores")
    func robust() {
        #expect(Stats.median([3, 1, 2]) == 2)
        #expect(Stats.median([4, 1, 2, 3]) == 2.5)
        #expect(Stats.mad([1, 2, 3, 4, 100]) == 1)
        let r = Stats.robustZ([0.10, 0.11, 0.09, 0.10, 0.40], floor: 0.02)
        #expect(r.median == 0.10)
        #expect(abs(r.mad - 0.01) < 1e-12)
        #expect(abs(r.scale - 0.02) < 1e-12, "the floor applies: 1.4826 × 0.01 < 0.02")
        #expect(abs(r.z[4] - 15) < 1e-9)
        #expect(r.z[0] == 0)
    }

    @Test("one-sided CUSUM: runs, alarms and the minimum number of events")
    func cusum() {
        // S: 0, 0.5, 1.0, 1.5 (alarm: above 1), 1.25, 1.0, 0.75, 0.5, 0.25, 0 (run ends), 0.
        let x = [0, 0.75, 0.75, 0.75, 0, 0, 0, 0, 0, 0, 0.125]
        let ex = Stats.cusum(x, reference: 0.25, threshold: 1.0)
        #expect(ex == [Stats.Excursion(start: 1, alarm: 3, end: 9, peak: 1.5, atAlarm: 1.5)])
        let events = [0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 1]
        #expect(Stats.cusum(x, events: events, reference: 0.25, threshold: 1.0, minimumEvents: 3).count == 1)
        #expect(Stats.cusum(x, events: events, reference: 0.25, threshold: 1.0, minimumEvents: 4).isEmpty)
        #expect(Stats.cusum([0.125, 0.125, 0.125], reference: 0.25, threshold: 0.01).isEmpty)
    }

    @Test("the CUSUM stepped one observation at a time, in any split, gives the same runs and statistic as over the whole series")
    func cusumStepwise() {
        var rng = SeededRandom(seed: 77)
        for trial in 0..<200 {
            let n = 1 + Int(rng.next() % 60)
            // Observations around the reference, with bursts above it, and a few events each.
            let x = (0..<n).map { _ in Double(rng.next() % 9) / 8.0 * (rng.next() % 4 == 0 ? 2 : 0.5) }
            let events = (0..<n).map { _ in Int(rng.next() % 3) }
            let (reference, threshold, minimum) = (0.3, Double(rng.next() % 4) / 2 + 0.25, 1 + Int(rng.next() % 3))
            let whole = Self.cusumOverAll(x, events: events, reference: reference, threshold: threshold, minimumEvents: minimum)
            #expect(Stats.cusum(x, events: events, reference: reference, threshold: threshold, minimumEvents: minimum) == whole, "trial \(trial): \(x)")
            // Taken in a piece at a time, asking for the runs between the pieces (as the kept waste patterns do).
            var stepped = Stats.Cusum(reference: reference, threshold: threshold, minimumEvents: minimum)
            var path: [Double] = []
            var i = 0
            while i < n {
                let piece = min(n - i, 1 + Int(rng.next() % 7))
                for k in i..<(i + piece) {
                    stepped.step(x[k], events: events[k])
                    path.append(stepped.statistic)
                }
                i += piece
                _ = stepped.excursions
            }
            #expect(stepped.excursions == whole, "trial \(trial): \(x)")
            var sum = 0.0
            let written = x.map { v in
                sum = max(0, sum + v - reference)
                return sum
            }
            #expect(path == written && Stats.cusumPath(x, reference: reference) == written, "trial \(trial)")
            #expect(stepped.count == n)
        }
    }

    /// The CUSUM's runs worked out over the whole series at once, written out apart from `Stats.Cusum` (the
    /// definition as it stood before the CUSUM could be stepped), for the test above to compare with.
    static func cusumOverAll(_ x: [Double], events: [Int], reference: Double, threshold: Double, minimumEvents: Int) -> [Stats.Excursion] {
        var out: [Stats.Excursion] = []
        var (s, peak, atAlarm, count) = (0.0, 0.0, 0.0, 0)
        var start: Int?, alarm: Int?
        for (i, v) in x.enumerated() {
            let next = max(0, s + v - reference)
            if next > 0, s == 0 { (start, peak, alarm, count) = (i, 0, nil, 0) }
            s = next
            if s > 0 { count += events[i] }
            peak = max(peak, s)
            if alarm == nil, s > threshold, count >= minimumEvents { (alarm, atAlarm) = (i, s) }
            if s == 0 {
                if let a = alarm, let st = start { out.append(Stats.Excursion(start: st, alarm: a, end: i, peak: peak, atAlarm: atAlarm)) }
                (start, alarm) = (nil, nil)
            }
        }
        if let a = alarm, let st = start { out.append(Stats.Excursion(start: st, alarm: a, end: x.count - 1, peak: peak, atAlarm: atAlarm)) }
        return out
    }

    @Test("business-day deadlines: the end of the next business day, skipping weekends and holidays")
    func calendar() {
        let c = BusinessCalendar(holidays: ["2025-01-20"])
        func d(_ s: String) -> Timestamp { Timestamp(s)! }
        #expect(c.deadline(after: d("2025-01-14T15:00:00Z"), businessDays: 1) == d("2025-01-15T23:59:59.999Z"))  // Tue → Wed
        #expect(c.deadline(after: d("2025-01-10T15:00:00Z"), businessDays: 1) == d("2025-01-13T23:59:59.999Z"))  // Fri → Mon
        #expect(c.deadline(after: d("2025-01-11T15:00:00Z"), businessDays: 1) == d("2025-01-13T23:59:59.999Z"))  // Sat → Mon
        #expect(c.deadline(after: d("2025-01-17T15:00:00Z"), businessDays: 1) == d("2025-01-21T23:59:59.999Z"))  // Fri, Mon holiday → Tue
        #expect(c.businessDays(from: d("2025-01-10T09:00:00Z"), to: d("2025-01-15T09:00:00Z")) == 3)
    }

    @Test("configuration: defaults, overrides from JSON, unknown or wrong settings refused")
    func config() throws {
        let d = ReconciliationConfig()
        #expect(d.earlyRefillFraction == 0.75 && d.inTransitDays == 5 && d.outlierZ == 3.5 && d.openedContainerHours == 672)
        let c = try ReconciliationConfig.parse(try JSONParser.parse(#"{"in_transit_days": 3, "holidays": ["2025-12-25"], "outlier_minimum_peers": 4}"#))
        #expect(c.inTransitDays == 3 && c.holidays == ["2025-12-25"] && c.outlierMinimumPeers == 4 && c.lateWasteHours == 24)
        #expect(throws: LedgerError.self) { try ReconciliationConfig.parse(try JSONParser.parse(#"{"in_transit_dayz": 3}"#)) }
        #expect(throws: LedgerError.self) { try ReconciliationConfig.parse(try JSONParser.parse(#"{"in_transit_days": "3"}"#)) }
        #expect(throws: LedgerError.self) { try ReconciliationConfig.parse(try JSONParser.parse(#"{"early_refill_fraction": 2}"#)) }
        // Every setting round-trips through its JSON form.
        #expect(try ReconciliationConfig.parse(d.json) == d)
    }
}

@Suite("Reconciliation: reading entries in place")
struct RecordDecoderTests {
    var planted: PlantedLedger { PlantedLedger.shared }

    /// Every stored entry of the planted ledger, with its seq.
    func stored() throws -> [(Int, [UInt8])] {
        try planted.sim.fx.ledger.database.read { db in
            try Row.fetchAll(db, sql: "SELECT seq, bytes FROM entries ORDER BY seq").map { ($0[0], Array(($0[1] as Data))) }
        }
    }

    @Test("the in-place reader gives what the full entry decoder gives, for every entry, and reads them all itself")
    func agreesWithEntryDecoder() throws {
        let signers = try planted.sim.fx.ledger.database.signers().map(\.keyID)
        let rows = try stored()
        // Every type in the ledger (the enrolments and the genesis too); some keys not shared.
        let types = try Set(rows.map { try Entry.decode(canonicalBytes: $0.1).statement.type })
        let decoder = RecordDecoder(keys: Array(signers.dropLast(2)), types: Array(types))
        #expect(rows.count > 1_000)
        for (seq, bytes) in rows {
            let entry = try Entry.decode(canonicalBytes: bytes)
            let fast = bytes.withUnsafeBufferPointer { decoder.fast(seq: seq, b: $0) }
            let r = try #require(fast, "seq \(seq) (\(entry.statement.type)) should take the fast path")
            #expect(try r.seq == entry.seq && r.logged == entry.logged && r.statement() == entry.statement, "seq \(seq)")
            // Every member the rules could ask for, found in the bytes, is what the parser read.
            for (key, value) in entry.statement.body {
                #expect(r.value(key) == value, "seq \(seq) \(key)")
                #expect(r.string(key) == value.stringValue, "seq \(seq) \(key)")
                #expect(r.integer(key) == value.integerValue, "seq \(seq) \(key)")
            }
            #expect(r.value("no_such_member") == nil && r.string("no_such_member") == nil)
            #expect(r.patientRef == entry.statement.body["patient"]?["ref"]?.stringValue, "seq \(seq)")
        }
    }

    @Test("a body is read in place only in the plain canonical form; other bodies go through the parser and read the same")
    func bodyForms() throws {
        func end(_ text: String) -> Int? { Array(text.utf8).withUnsafeBufferPointer { RecordBody.canonicalEnd($0, object: 0) } }
        let plain = #"{"a":"x","b":[1,-20,{"c":true,"d":null}],"e":false,"f":{}}"#
        #expect(end(plain) == plain.utf8.count)
        #expect(end(plain + "}") == plain.utf8.count)  // what follows is the caller's
        for other in [#"{"b":1,"a":2}"#, #"{"a":1,"a":2}"#, #"{"a":"x"y"}"#, #"{"a":"é"}"#, #"{"a":1.5}"#, #"{"a":1e3}"#,
                      #"{"a":01}"#, #"{ "a":1}"#, #"{"a":1234567890123456}"#, #"{"a":tru}"#, #"{"a":[1,]}"#, #"{"a":1"#, "{"] {
            #expect(end(other) == nil, "\(other)")
        }
        // Escapes and non-ASCII, from the parser's dictionary: the members read back unescaped.
        let object = try #require(try JSONParser.parse(#"{"note":"said \"hi\", café","patient":{"ref":"P-1\n"},"n":3,"ok":true}"#).objectValue)
        let body = RecordBody(object)
        #expect(body.string("note") == "said \"hi\", café")
        #expect(body.string("patient", "ref") == "P-1\n")
        #expect(body.integer("n") == 3 && body.integer("note") == nil && body.integer("ok") == nil)
        let numbers = RecordBody(["a": .number(-12), "b": .number(1e20), "c": .number(2.5), "d": .number(0)])
        #expect(numbers.integer("a") == -12 && numbers.integer("b") == JSONValue.number(1e20).integerValue && numbers.integer("c") == nil && numbers.integer("d") == 0)
        #expect(body["n"]?.integerValue == 3 && body.isTrue("ok") && !body.isTrue("n") && !body.isTrue("none"))
        #expect(body.object == object)
        // Array items that are not objects are passed over.
        let list = RecordBody(["lots": .array([.number(1), .object(["lot_id": .string("A")]), .string("x"), .object(["lot_id": .string("B")])])])
        #expect(list.objects("lots").map { $0.string("lot_id") } == ["A", "B"] && list.objects("none").isEmpty)
    }

    @Test("bytes not in canonical shape go to the full parser; bytes that do not decode are left out")
    func otherShapes() throws {
        let decoder = RecordDecoder(keys: [], types: Facts.types)
        let (seq, bytes) = try #require(try stored().first { (_, b) in String(decoding: b, as: UTF8.self).contains("\"witnesses\"") })
        let entry = try Entry.decode(canonicalBytes: bytes)
        // The same entry with a space after the first colon: not canonical, still the same JSON.
        var spaced = bytes
        spaced.insert(0x20, at: #"{"logged":"#.utf8.count)
        #expect(spaced.withUnsafeBufferPointer { decoder.fast(seq: seq, b: $0) } == nil)
        let viaParser = try #require(spaced.withUnsafeBufferPointer { decoder.decode(seq: seq, bytes: $0) })
        #expect(try viaParser.statement() == entry.statement && viaParser.logged == entry.logged)
        // A type the reader was not told of: the full parser reads it.
        let otherType = RecordDecoder(keys: [], types: [])
        #expect(bytes.withUnsafeBufferPointer { otherType.fast(seq: seq, b: $0) } == nil)
        #expect(try bytes.withUnsafeBufferPointer { otherType.decode(seq: seq, bytes: $0) }?.statement() == entry.statement)
        // Cut short, or a witness id that is not hex: nothing.
        for broken in [Array(bytes.dropLast(3)), Array(String(decoding: bytes, as: UTF8.self)
            .replacingOccurrences(of: "\"witnesses\":[\"", with: "\"witnesses\":[\"Z").utf8)] {
            #expect(broken.withUnsafeBufferPointer { decoder.decode(seq: seq, bytes: $0) } == nil)
        }
    }
}
