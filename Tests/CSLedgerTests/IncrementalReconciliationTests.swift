import Dispensing
import Foundation
import Testing
@testable import CSLedgerKit
@testable import LedgerCore
@testable import LedgerStore
@testable import Reconciliation
import Simulation

/// Issue 24 item 3 and issue 22: the reconciliation kept as entries are appended (`ReconciliationState`, what
/// the daemon's route and dashboard answer from) gives exactly the findings of a full recomputation
/// (`reconcile --full`, `Reconciler.run`) after every round of random appends.
@Suite("Reconciliation: kept as entries are appended")
struct IncrementalReconciliationTests {
    /// Both reports in every form a reader sees: the JSON (all findings, resolved ones too), the text, and
    /// the series the dashboard draws.
    static func expectSame(_ kept: ReconciliationReport, _ full: ReconciliationReport, _ round: String) {
        let a = JCS.serializeString(kept.json(all: true)), b = JCS.serializeString(full.json(all: true))
        #expect(a == b, "round \(round): the kept reconciliation's JSON differs from the full one")
        #expect(kept.text(all: true, ledger: "x") == full.text(all: true, ledger: "x"), "round \(round): the text differs")
        #expect(kept.findings.map(\.id) == full.findings.map(\.id), "round \(round)")
        // The series come in the order of the rules' dictionaries (no order a reader relies on): compared as sets.
        #expect(kept.cusums.map { "\($0)" }.sorted() == full.cusums.map { "\($0)" }.sorted(), "round \(round): the CUSUM series differ")
        #expect(kept.peers.map { "\($0)" }.sorted() == full.peers.map { "\($0)" }.sorted(), "round \(round): the peer comparisons differ")
        #expect(kept.wasteDelays.map { "\($0)" }.sorted() == full.wasteDelays.map { "\($0)" }.sorted(), "round \(round): the draw-to-waste figures differ")
        #expect(!full.wasteDelays.isEmpty, "round \(round): the clinic's doses with waste give draw-to-waste figures")
    }

    /// The planted clinic's first three business days, and a kept reconciliation that has not answered yet.
    static func plantedFirstDays() throws -> (ClinicSim, LedgerDatabase, ReconciliationState) {
        let (sim, _) = try PlantedLedger.planted()
        sim.o.businessDays = 3
        try sim.run()
        return (sim, sim.fx.ledger.database, ReconciliationState())
    }

    @Test("random appends in rounds (the planted clinic, plus corrections, late waste, counts, losses, transfers, recalls, resolutions): after each round the kept findings equal a full recomputation")
    func keptEqualsFull() throws {
        let (sim, db, state) = try Self.plantedFirstDays()
        var rng = SeededRandom(seed: 2412)
        let u = ClinicSim.unit
        var day = 3
        var round = 0
        var findingsSeen = Set<String>()
        var resolved = 0
        var toCorrect: [(seq: Int, actor: String, lot: String, micros: Int64)] = []
        var corrected = 0
        var monitored: (seq: Int, lot: String)?
        var monitoredCorrected = false
        // The first answer builds the state from every entry so far.
        Self.expectSame(try state.run(db, now: sim.cal.at(2, 19)), try Reconciler().run(db, now: sim.cal.at(2, 19)), "0")
        while day < 40 {
            round += 1
            let days = 1 + Int(rng.next() % 5)
            for d in day..<min(day + days, 40) {
                sim.day = d
                try sim.businessDay(d)
            }
            day = min(day + days, 40)
            let d = day - 1
            // Extra entries of the kinds the simulation writes rarely, dated within the round's last day (some earlier).
            let t = { (h: Double) in sim.cal.at(d, h) }
            // Entries of an earlier round corrected in this one (what the kept facts already hold leaves them).
            for (seq, actor, lot, micros) in toCorrect {
                try sim.fx.stage(DispensingType.entryCorrected, ["corrects": .number(Double(seq)), "reason": "recorded on the wrong patient"],
                                 by: actor, at: t(18.04))
                sim.balance[lot, default: 0] += micros
                corrected += 1
            }
            toCorrect = []
            if rng.next() % 2 == 0 {  // a dose recorded, then corrected at once (its movement reversed) or in the next round
                let lot = sim.vialQueue[0]
                if sim.balance[lot, default: 0] >= u {
                    let seq = try sim.dose(lot: lot, by: "clin2", patient: sim.clinicPatients[1], given: 500_000, wasted: 100_000, at: t(18.05),
                                           witness: "witness1")
                    if rng.next() % 2 == 0 {
                        try sim.fx.stage(DispensingType.entryCorrected, ["corrects": .number(Double(seq)), "reason": "recorded twice"],
                                         by: "clin2", at: t(18.06))
                        sim.balance[lot, default: 0] += 600_000
                    } else {
                        toCorrect.append((seq, "clin2", lot, 600_000))
                    }
                }
            }
            if rng.next() % 2 == 0 {  // a dose entered late: dated in the morning, after the afternoon's doses of its vial lot
                let lot = sim.vialQueue[0]
                if sim.balance[lot, default: 0] >= u {
                    _ = try sim.dose(lot: lot, by: "clin1", patient: sim.clinicPatients[0], given: 300_000, wasted: 0, at: t(9.25),
                                     witness: "witness2")
                }
            }
            if d >= 33, monitored == nil {  // a dose with its own end of monitoring: from it on, every dose needs a discharge
                let lot = sim.vialQueue[0]
                if sim.balance[lot, default: 0] >= u {
                    let body = DoseAdministered(lotID: lot, patient: sim.clinicPatients[3], order: "ORD-MON-\(round)", drawn: ClinicSim.q(u / 2),
                                                given: ClinicSim.q(u / 2), monitoredUntil: t(18.07).adding(milliseconds: -3_600_000))
                    monitored = (try sim.fx.stage(body, by: "clin3", at: t(17.07)), lot)
                    sim.balance[lot, default: 0] -= u / 2
                }
            } else if let (seq, lot) = monitored, !monitoredCorrected {  // ... corrected in the next round: no dose has one again
                try sim.fx.stage(DispensingType.entryCorrected, ["corrects": .number(Double(seq)), "reason": "recorded on the wrong patient"],
                                 by: "clin3", at: t(18.08))
                sim.balance[lot, default: 0] += u / 2
                monitoredCorrected = true
            }
            if rng.next() % 2 == 0, d >= 2 {  // a waste recorded two days late, sometimes corrected in the next round
                let lot = try sim.tabletLot(need: u, at: sim.cal.at(d - 2, 12))
                let seq = try sim.waste(lot: lot, micros: u, by: "pharm2", witness: "witness2", at: sim.cal.at(d - 2, 12), reason: "tablet dropped, entered late")
                if rng.next() % 2 == 0 { toCorrect.append((seq, "pharm2", lot, u)) }
            }
            if rng.next() % 3 == 0 {  // a count one tablet short
                let lot = try sim.tabletLot(need: 2 * u, at: t(18.1))
                try sim.count(lot: lot, counted: sim.balance[lot, default: 0] - u, by: "pharm1", witness: "witness1", at: t(18.1))
            }
            if rng.next() % 3 == 0 {  // a loss reported
                let lot = try sim.tabletLot(need: 2 * u, at: t(18.15))
                try sim.loss(kind: "loss", items: [(lot, u)], discovered: t(9), deaNotified: rng.next() % 2 == 0 ? t(12) : nil, at: t(18.15))
            }
            if rng.next() % 3 == 0 {  // a transfer out to another registrant
                let lot = try sim.tabletLot(need: 2 * u, at: t(18.2))
                try sim.fx.stage(TransferOut(to: Party(name: "Sister Clinic", address: "400 North Loop, Austin, TX 78751", deaNumber: "RS7654329"),
                                             invoice: "TR-\(round)", items: [LotQuantity(lotID: lot, quantity: ClinicSim.q(u))]),
                                 by: "pharm1", at: t(18.2))
                sim.balance[lot, default: 0] -= u
            }
            if rng.next() % 3 == 0 {  // a quarantine dated in the past and lifted an hour later (rule 3 looks back)
                let lot = sim.vialQueue[0]
                try sim.fx.stage(DispensingType.lotStatusChanged, ["lot_id": .string(lot), "status": "quarantined", "reason": .string("supplier notice \(round)")],
                                 by: "compliance", at: sim.cal.at(max(d - 1, 0), 9))
                try sim.fx.stage(DispensingType.lotStatusChanged, ["lot_id": .string(lot), "status": "active", "reason": "notice withdrawn"],
                                 by: "compliance", at: sim.cal.at(max(d - 1, 0), 10))
            }
            // A resolution of a finding seen so far (the rules read resolutions too).
            let before = try Reconciler().run(db, now: t(18.3))
            if let f = before.open.first(where: { !findingsSeen.contains($0.id) && $0.rule != 11 }), rng.next() % 2 == 0 {
                findingsSeen.insert(f.id)
                try sim.fx.stage(ReconciliationType.findingResolved, ["finding_id": .string(f.id), "reason": .string("checked in round \(round)"),
                                                                      "evidence": .string(f.evidence)], by: "compliance", at: t(18.35))
                resolved += 1
            }
            try sim.fx.flush(clock: t(18.5))

            let now = t(19)
            Self.expectSame(try state.run(db, now: now), try Reconciler().run(db, now: now), "\(round)")
            // As of a time before some of the kept facts: the same report either way.
            let asOf = sim.cal.at(max(d - 1, 0), 12)
            Self.expectSame(try state.run(db, asOf: asOf, now: now), try Reconciler().run(db, asOf: asOf, now: now), "\(round) as of \(asOf)")
            // Asked again with nothing new: nothing read, and no rule run again (nothing any rule read changed,
            // not even the time).
            let added = state.counters.entriesAdded, ran = state.counters.rulesRun
            Self.expectSame(try state.run(db, now: now), try Reconciler().run(db, now: now), "\(round) again")
            #expect(state.counters.entriesAdded == added)
            #expect(state.counters.rulesRun == ran, "round \(round): a rule ran again with nothing new")
            // A minute later, nothing new: only the rules that read the time run again, with the same findings.
            let later = now.adding(milliseconds: 60_000)
            Self.expectSame(try state.run(db, now: later), try Reconciler().run(db, now: later), "\(round) a minute later")
            let reran = state.counters.rulesRun - ran
            #expect(reran > 0 && reran < Reconciler.ruleNames.count, "round \(round): \(reran) rules ran again a minute later")
            // One more dose, by one clinician: the kept state takes it in alone, and every other person's series and
            // findings (the waste patterns') come from what it kept.
            let lot = sim.vialQueue[0]
            if sim.balance[lot, default: 0] >= u {
                _ = try sim.dose(lot: lot, by: "clin1", patient: sim.clinicPatients[0], given: 500_000, wasted: 500_000, at: t(19.5),
                                 witness: "witness1")
                try sim.fx.flush(clock: t(19.6))
                Self.expectSame(try state.run(db, now: t(20)), try Reconciler().run(db, now: t(20)), "\(round) one more dose")
            }
        }
        #expect(round >= 8)
        #expect(resolved >= 2)
        #expect(corrected >= 2, "entries of earlier rounds were corrected")
        #expect(state.size == sim.fx.nextSeq)
        // Every entry after the first build was read once, by an extension.
        #expect(state.counters.entriesAdded == sim.fx.nextSeq - sim.dayFirstSeq[3]!)
        #expect(state.counters.incremental >= 3 * round && state.counters.filtered >= round && state.counters.builds == 1 && state.counters.full == 0)
        // Rules whose reads did not change were answered from their kept output, after appends too.
        #expect(state.counters.rulesReused > round * Reconciler.ruleNames.count, "\(state.counters)")
        let final = try state.run(db, now: sim.cal.at(39, 19))
        #expect(final.findings.count > 15, "the planted cases are found: \(final.findings.count)")
        #expect(final.findings.contains { $0.check == "waste-pattern" }, "the planted waste pattern is found")
        #expect(monitoredCorrected, "a dose with its own end of monitoring was recorded, then corrected")
    }

    @Test("a dose entered late, dated before the doses of its lot the kept state already walked: the opened container's walk starts again, as a full walk orders it")
    func lateOutflowWalkedAgain() throws {
        let (sim, db, state) = try Self.plantedFirstDays()
        let u = ClinicSim.unit
        // A vial lot (10 mL containers) opened by one 4 mL dose on day 3, read by the kept state.
        let (_, lot) = try sim.receive(lot: "SPARSE-1", vial: true, containers: 2, at: sim.cal.at(3, 8))
        let first = try sim.dose(lot: lot, by: "clin1", patient: sim.clinicPatients[0], given: 4 * u, wasted: 0, at: sim.cal.at(3, 10))
        try sim.fx.flush(clock: sim.cal.at(3, 18))
        Self.expectSame(try state.run(db, now: sim.cal.at(3, 19)), try Reconciler().run(db, now: sim.cal.at(3, 19)), "first dose")
        // Then a 3 mL dose of it entered late, dated an hour before the first: in time order it opened the container.
        let late = try sim.dose(lot: lot, by: "clin2", patient: sim.clinicPatients[1], given: 3 * u, wasted: 0, at: sim.cal.at(3, 9))
        try sim.fx.flush(clock: sim.cal.at(4, 18))
        // Past the container's beyond-use time (28 days): the finding names the late dose as the one that opened it.
        let now = sim.cal.at(40, 12)
        let kept = try state.run(db, now: now)
        Self.expectSame(kept, try Reconciler().run(db, now: now), "late dose")
        let opened = kept.findings.filter { $0.check == "opened-container-not-wasted" && $0.lot == lot }
        #expect(opened.count == 1 && opened.first?.detail.contains("was opened by seq \(late) ") == true,
                "\(opened.map(\.detail)) (the late dose is seq \(late), the first \(first))")
        #expect(state.counters.builds == 1, "the late dose was taken in by extending the kept state, not by building it again")
    }

    @Test("a person's draw-to-waste list: wastes put in one at a time, in batches and all at once (merged) come out as sorting every one")
    func drawToWasteInsertMatchesSort() {
        var rng = SeededRandom(seed: 2412)
        for round in 0..<40 {
            var person = DrawToWaste.Person()
            var all: [DrawToWaste.Waste] = []
            var seq = 0
            // Batches of 1 to 200 (one at a time up to 16, merged above), minutes with many ties between doses.
            for _ in 0..<Int.random(in: 1...12, using: &rng) {
                let batch = (0..<Int.random(in: 1...200, using: &rng)).map { _ -> DrawToWaste.Waste in
                    seq += Int.random(in: 1...3, using: &rng)
                    return DrawToWaste.Waste(minutes: Double(Int.random(in: 0...30, using: &rng)) / 2, seq: seq)
                }.shuffled(using: &rng)
                person.insert(contentsOf: batch)
                all += batch
                #expect(person.sorted == all.sorted(by: <), "round \(round): \(all.count) wastes in")
            }
        }
    }

    @Test("csledgerd answers reconcile from its kept state, and the same as --full and as the file, before and after appends through it",
          arguments: Backend.allCases)
    func daemonKeptEqualsFull(_ backend: Backend) throws {
        typealias D = DispensingLedger
        guard let f = try D.make(backend) else { return }
        // On PostgreSQL "the file" read by the CLI is the ledger through the CLI's own mirror, not the daemon's.
        let (daemon, tokens, _) = try f.startDaemon(tokensFor: ["pharmacist", "clinician", "compliance"])
        func viaServer(_ args: [String], as signer: String = "compliance") throws -> CLI.Result {
            try CLI.csledger(["--server", daemon.url] + (try f.resolve(args)), in: f.root, env: ["CSLEDGER_TOKEN": tokens[signer]!])
        }
        /// The findings (and summary) of the kept answer, of `--full`, and of the file read by the CLI (from scratch).
        var findingsExpected = false
        func expectSame(_ extra: [String], _ step: String) throws {
            let args = ["reconcile", "--json", "--all", "--no-verify", "--fail-on", "never"] + extra
            let kept = try viaServer(args), full = try viaServer(args + ["--full"]), file = try f.csledger(args)
            #expect(kept.status == 0 && full.status == 0 && file.status == 0, "\(step): \(kept.stderr) \(full.stderr) \(file.stderr)")
            let k = try JSONParser.parse(kept.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
            let u = try JSONParser.parse(full.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
            let l = try JSONParser.parse(file.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
            #expect(k["findings"] == u["findings"] && k["summary"] == u["summary"] && k["entries"] == u["entries"], "\(step): kept and --full differ")
            #expect(k["findings"] == l["findings"] && k["entries"] == l["entries"], "\(step): the daemon and the file differ")
            if findingsExpected { #expect((k["findings"]?.arrayValue?.count ?? 0) > 0, "\(step): the short count is a finding") }
        }
        try expectSame([], "before any append")
        try expectSame(["--as-of", "2026-03-10"], "as of a past date")
        // Appends through the daemon: a dose with waste, a waste, a count one tablet short (a finding), then the waste corrected.
        var seqs: [Int] = []
        for (args, signer) in [(D.administer(time: "2026-03-04T11:00:00Z"), "clinician"),
                               (D.waste(quantity: "0.5", time: "2026-03-04T12:00:00Z"), "pharmacist"),
                               (["count", "--lot", D.tabletLot, "--counted", "83", "--time", "2026-03-05T09:00:00Z"] + D.pharmacist + D.witnessed, "pharmacist")] {
            let r = try viaServer(args + ["--json"], as: signer)
            #expect(r.status == 0, "\(args[0]): \(r.stderr)")
            seqs.append(try #require(try JSONParser.parse(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines))["seq"]?.integerValue))
            findingsExpected = args[0] == "count"
            try expectSame([], "after \(args[0])")
        }
        let c = try viaServer(["correct", "--seq", String(seqs[1]), "--reason", "entered twice", "--time", "2026-03-05T10:00:00Z"] + D.pharmacist,
                              as: "pharmacist")
        #expect(c.status == 0, "\(c.stderr)")
        try expectSame([], "after a correction")
        findingsExpected = false
        try expectSame(["--as-of", "2026-03-04T11:30:00Z"], "as of between the appends")
        #expect(daemon.stop() == 0)
        try f.expectVerifies()
    }
}
