import Dispensing
import Foundation
import LedgerCore

extension Run {
    // MARK: Rule 5: opened containers and waste

    /// A simple model of opened containers, for lots that doses are drawn from (vials).
    ///
    /// Containers are used one at a time: the lot's outflows (doses, wastes, destructions, losses, in
    /// event-time order; corrected entries left out) fill containers of `units_per_container` in turn. The
    /// outflow that first leaves a container partly used opens it; it must be used up or its rest wasted
    /// within `openedContainerHours`. A container still partly full after that is a finding.
    mutating func openedContainers() {
        /// An opened container: the `k`th of its lot (from 0), opened by the first of `seqs`.
        struct Open: Sendable { let k: Int64; let at: Timestamp; let deadline: Timestamp; var seqs: [Int] }
        /// One lot's containers walked through its outflows: those left partly full past their deadline by a
        /// later outflow, and the one still open after the last outflow (late only once the time passes its deadline).
        struct Walk: Sendable {
            let lot: String
            let size: Int64
            var late: [(open: Open, usedAtDeadline: Int64)] = []
            var last: (open: Open, used: Int64)?
        }
        /// A lot's walk so far: the outflows looked at (corrected or not) and walked, and where it stands.
        struct LotWalk: Sendable {
            var walk: Walk
            var raw = 0
            var lastKey: (time: Timestamp, seq: Int)?
            var open: Open?
            var reported = Set<Int64>()
            var cum: Int64 = 0

            mutating func step(_ ev: (time: Timestamp, seq: Int, micros: Int64), hours: Double) {
                let size = walk.size
                if let o = open, ev.time > o.deadline {
                    walk.late.append((o, cum))
                    reported.insert(o.k)
                    open = nil
                }
                cum += ev.micros
                if let o = open {
                    if cum >= (o.k + 1) * size { open = nil } else { open?.seqs.append(ev.seq) }
                }
                let k = cum / size
                if cum % size != 0, open == nil, !reported.contains(k) {
                    open = Open(k: k, at: ev.time, deadline: ev.time.adding(hours: hours), seqs: [ev.seq])
                }
                lastKey = (ev.time, ev.seq)
            }
        }
        /// Every lot's walk, with how many seqs were corrected (or were corrections) when they were walked.
        struct LotWalks: Sendable {
            var lots: [String: LotWalk] = [:]
            var excluded = 0
        }
        let hours = config.openedContainerHours
        // The lots with doses: in the kept reconciliation only the doses appended since are looked at (all of them
        // again after a dose was corrected: its lot may have no other).
        var doseLots = keptValue("opened-containers.dose-lots", as: DoseLots.self) ?? DoseLots()
        let firstNew = dosesAppended(since: doseLots.doses, lastSeq: doseLots.lastSeq)
        if firstNew == nil { doseLots = DoseLots() }
        for d in facts.doses[(firstNew ?? 0)...] { if let lot = d.lotID { doseLots.lots.insert(lot) } }
        (doseLots.doses, doseLots.lastSeq) = (facts.doses.count, facts.doses.last?.record.seq ?? -1)
        keep(value: doseLots, as: "opened-containers.dose-lots")
        let lotsWithDoses = doseLots.lots
        let (corrected, corrections, lots) = (facts.corrected, facts.corrections, facts.lots)
        // Each lot's outflows (an entry's netted), in seq order, corrected or not: only the movements appended
        // since the last answer are added (`foldMovements`).
        let outflows = foldMovements("opened-containers.outflows", from: [String: [(time: Timestamp, seq: Int, micros: Int64)]]()) { o, m in
            // In place: copying a lot's list out and back would copy all of it for every dose with waste.
            if m.micros < 0 { o[m.lotID, default: []].withLast(seq: m.seq, time: m.time, add: -m.micros) }
        }
        // A lot's walk goes on from where the last answer left it when its new outflows all come after the ones
        // walked (in time, then seq) and no entry was corrected since; otherwise the lot is walked again.
        let excluded = corrected.count + corrections.count
        let before = keptValue("opened-containers.walks", as: LotWalks.self).flatMap { $0.excluded == excluded ? $0 : nil }
        // The walks kept (taken out, so changed in place): a lot with no new outflow keeps its walk as it is.
        var now = before ?? LotWalks(excluded: excluded)
        for (lot, all) in outflows where lotsWithDoses.contains(lot) {
            guard let size = lots[lot]?.unitsPerContainer, size > 0 else {
                now.lots[lot] = nil
                continue
            }
            if let w = now.lots[lot], w.walk.size == size, w.raw == all.count { continue }
            let counted = { (ev: (time: Timestamp, seq: Int, micros: Int64)) in !corrected.contains(ev.seq) && !corrections.contains(ev.seq) }
            if var w = now.lots[lot], w.walk.size == size, w.raw <= all.count {
                let new = all[w.raw...].filter(counted).sorted { ($0.time, $0.seq) < ($1.time, $1.seq) }
                if let last = w.lastKey, let first = new.first, (first.time, first.seq) < last {
                    // A late outflow: walked again below.
                } else {
                    for ev in new { w.step(ev, hours: hours) }
                    w.raw = all.count
                    now.lots[lot] = w
                    continue
                }
            }
            var w = LotWalk(walk: Walk(lot: lot, size: size))
            for ev in all.filter(counted).sorted(by: { ($0.time, $0.seq) < ($1.time, $1.seq) }) { w.step(ev, hours: hours) }
            w.raw = all.count
            now.lots[lot] = w
        }
        keep(value: now, as: "opened-containers.walks")
        // The lots with a container to report: one left late by a later outflow, or the open one past its deadline.
        let at = asOf
        let walks = now.lots.values.filter { w in !w.walk.late.isEmpty || (w.open.map { at > $0.deadline } ?? false) }.map { w -> Walk in
            var walk = w.walk
            walk.last = w.open.map { ($0, w.cum) }
            return walk
        }
        for walk in walks {
            let (lot, size) = (walk.lot, walk.size)
            func report(_ run: inout Run, _ o: Open, usedAtDeadline: Int64) {
                let left = (o.k + 1) * size - usedAtDeadline
                let doses = o.seqs.compactMap { run.facts[seq: $0] }
                let patients = Set(doses.compactMap(\.patientRef))
                run.add(rule: 5, check: "opened-container-not-wasted", subject: "\(lot)|\(o.k)|\(o.seqs[0])", severity: .warning,
                        title: "Opened container of lot \(lot) not used up or wasted within \(fmt(hours)) hours",
                        detail: "Container \(o.k + 1) of lot \(lot) (\(run.facts.quantity(size, lot)) each) was opened by seq \(o.seqs[0]) at \(o.at.short). By \(o.deadline.short) it still held \(run.facts.quantity(left, lot)) that was neither used nor recorded as waste.",
                        time: o.at, entries: o.seqs, lot: lot, patient: patients.count == 1 ? patients.first : nil, people: doses.flatMap(\.people),
                        expected: "the rest of the opened container used or wasted (with a witness) by \(o.deadline.short)",
                        found: "\(run.facts.quantity(left, lot)) left in it",
                        figures: [Figure("container size", run.facts.quantity(size, lot)), Figure("opened", o.at.short),
                                  Figure("beyond-use limit (hours)", fmt(hours)), Figure("left at the limit", run.facts.quantity(left, lot))],
                        basis: "USP <797> beyond-use time of an opened container; 21 CFR 1304.22(c) (records of every quantity administered or wasted); ASHP Guidelines on Preventing Diversion of Controlled Substances (2022)",
                        action: "Find the opened container. If it is empty, the rest was used or discarded without a record: record the waste with a witness (csledger waste) or, if it cannot be explained, treat it as a loss. If it is still on the shelf past its beyond-use time, waste the rest with a witness now.")
            }
            for (o, used) in walk.late { report(&self, o, usedAtDeadline: used) }
            if let (o, used) = walk.last, asOf > o.deadline { report(&self, o, usedAtDeadline: used) }
        }
    }

    /// Wastes (standalone, or the rest of a dose) need one independent witness.
    mutating func wasteWitnesses() {
        // One record at a time: only the wastes appended since the last answer are checked (`eachRecord`).
        eachRecord("waste-witnesses.wastes", facts.live(DispensingType.wasteRecorded), seq: \.seq) { run, e in run.wasteWitness(e) }
        eachRecord("waste-witnesses.doses", facts.doses, seq: \.record.seq) { run, d in
            if d.wasted > 0 { run.wasteWitness(d.record) }
        }
    }

    private mutating func wasteWitness(_ e: Record) {
        let (count, problems) = independentWitnesses(e)
        guard count < 1 else { return }
        let lot = e.string(WasteRecorded.Member.lotID)
        let amount = e.micros(e.type == DispensingType.wasteRecorded ? WasteRecorded.Member.quantity : DoseAdministered.Member.wasted) ?? 0
        let why = problems.isEmpty ? "it has no witness" : problems.joined(separator: "; ")
        add(rule: 5, check: "waste-without-independent-witness", subject: "\(e.seq)", severity: .critical,
            title: "Waste at seq \(e.seq) has no independent witness",
            detail: "The waste of \(lot.map { facts.quantity(amount, $0) } ?? "\(Quantity(micros: amount))") at seq \(e.seq) (\(e.type), recorded by \(who(e.actor))) needs a second licensed person who saw it: \(why).",
            time: e.time, entries: [e.seq], lot: lot, patient: e.patientRef, people: e.people,
            expected: "one witness who is a different person, enrolled to witness", found: why,
            basis: "21 CFR 1304.22(c) (records of controlled substances wasted); ASHP Guidelines on Preventing Diversion of Controlled Substances (2022): waste witnessed by a second licensed person; state board rules",
            action: "Interview the person who recorded the waste and the named witness separately. If the waste cannot be confirmed, treat the quantity as unaccounted for (loss investigation, Form 106 if significant). Make sure each person has one key only.")
    }

    /// A waste recorded (logged) long after it happened: the ledger's own clock, which the person cannot set.
    mutating func lateWaste() {
        eachRecord("late-waste.wastes", facts.live(DispensingType.wasteRecorded), seq: \.seq) { run, e in run.lateWaste(e) }
        eachRecord("late-waste.doses", facts.doses, seq: \.record.seq) { run, d in
            if d.wasted > 0 { run.lateWaste(d.record) }
        }
    }

    private mutating func lateWaste(_ e: Record) {
        let delay = e.logged.hours(since: e.time)
        guard delay > config.lateWasteHours else { return }
        let lot = e.string(WasteRecorded.Member.lotID)
        add(rule: 5, check: "waste-recorded-late", subject: "\(e.seq)", severity: .warning,
            title: "Waste at seq \(e.seq) recorded \(fmt(delay, 1)) hours after it happened",
            detail: "The \(e.type) entry at seq \(e.seq) says the waste happened at \(e.time.short), but it was written to the ledger at \(e.logged.short), \(fmt(delay, 1)) hours later.",
            time: e.time, entries: [e.seq], lot: lot, patient: e.patientRef, people: e.people,
            expected: "recorded within \(fmt(config.lateWasteHours)) hours", found: "recorded at \(e.logged.short)",
            figures: [Figure("delay (hours)", fmt(delay, 1)), Figure("limit (hours)", fmt(config.lateWasteHours))],
            basis: "21 CFR 1304.21(a) (records kept current and accurate); ASHP Guidelines on Preventing Diversion of Controlled Substances (2022): waste documented at the time it happens",
            action: "Ask the person and the witness why the waste was recorded late and whether the witness saw it at the time; late waste documentation is a common sign of diversion when it repeats.")
    }

    /// Per person, the minutes from each draw to the record of its waste (`WasteDelay`), beside peers of the
    /// same role: a figure for the dashboard, no finding.
    mutating func drawToWaste() {
        // Each person's wastes sorted by minutes from the dose to its record. In the kept reconciliation the sorted
        // lists are kept (`DrawToWaste`): doses appended since are put in place, and only their people's figures
        // are worked out again; a dose corrected since (or other bounds) sorts every dose again.
        let bounds = Array(Set([1, 4, 8, config.lateWasteHours])).sorted()
        var state = keptValue("draw-to-waste", as: DrawToWaste.self) ?? DrawToWaste()
        let first = state.bounds == bounds ? dosesAppended(since: state.doses, lastSeq: state.lastSeq) : nil
        if first == nil { state = DrawToWaste(bounds: bounds) }
        let ds = facts.doses
        var added: [KeyID: [DrawToWaste.Waste]] = [:]
        for d in ds[(first ?? 0)...] where d.wasted > 0 {
            let r = d.record
            added[r.actor, default: []].append(DrawToWaste.Waste(minutes: Double(r.logged.millisecondsSinceEpoch - r.time.millisecondsSinceEpoch) / 60_000,
                                                                 seq: r.seq))
        }
        for (key, wastes) in added {
            state.people[key, default: DrawToWaste.Person()].insert(contentsOf: wastes)
            state.people[key]!.summarize(bounds: bounds)
        }
        state.doses = ds.count
        state.lastSeq = ds.last?.record.seq ?? -1
        keep(value: state, as: "draw-to-waste")
        // Each person against the others of their role: worked out again at every answer (a few dozen people).
        let people = state.people.map { (key: $0.key, group: facts.signers[$0.key]?.role?.rawValue ?? "unknown", p: $0.value) }
        let groups = Dictionary(grouping: people, by: \.group).mapValues { ($0.count, Stats.median($0.map(\.p.median))) }
        for (key, group, p) in people {
            let s = p.sorted, n = s.count
            let (peers, peerMedian) = groups[group]!
            wasteDelays.append(WasteDelay(person: key, group: group, wastes: n, median: p.median,
                                          p90: s[Int((0.9 * Double(n)).rounded(.up)) - 1].minutes, longest: s[n - 1].minutes,
                                          longestSeq: s[n - 1].seq, boundsHours: bounds, counts: p.counts, peerMedian: peerMedian, peers: peers))
        }
    }

    // MARK: Rule 7: destruction witnesses

    mutating func destructions() {
        for e in facts.live(DispensingType.destructionRecorded) {
            let (count, problems) = independentWitnesses(e)
            guard count < 2 else { continue }
            let items = e.lotItems
            let what = items.map { facts.quantity($0.micros, $0.lotID) + " of lot " + $0.lotID }.joined(separator: ", ")
            let why = (["\(count) independent witness\(count == 1 ? "" : "es") of the \(e.witnesses.count) named"] + problems).joined(separator: "; ")
            add(rule: 7, check: "destruction-witnesses", subject: "\(e.seq)", severity: .critical,
                title: "Destruction at seq \(e.seq) has fewer than two independent witnesses",
                detail: "The destruction of \(what) at seq \(e.seq) (recorded by \(who(e.actor))) needs two witnesses who are different people: \(why).",
                time: e.time, entries: [e.seq], lot: items.count == 1 ? items[0].lotID : nil, people: e.people,
                expected: "two witnesses, different people from the one recording it", found: why,
                basis: "21 CFR 1317.95(d) (destruction witnessed by two authorized employees); 21 CFR 1304.21(e) (DEA Form 41 record)",
                action: "Confirm with each person named that they saw the destruction. If it cannot be confirmed, treat the quantity as unaccounted for and investigate; correct the Form 41 record.")
        }
    }
}

extension Array where Element == (time: Timestamp, seq: Int, micros: Int64) {
    /// Adds `add` to the last element when it is the same entry (a dose's use and its waste), else appends.
    mutating func withLast(seq: Int, time: Timestamp, add: Int64) {
        if let last = indices.last, self[last].seq == seq {
            self[last].micros += add
        } else {
            append((time, seq, add))
        }
    }
}

/// What the draw-to-waste figures keep between answers of the kept reconciliation: each person's wastes sorted by
/// the minutes from the dose to its record, with their median and counts per bound.
struct DrawToWaste: Sendable {
    var bounds: [Double] = []
    /// How many of the facts' doses were taken in (all those up to `lastSeq`).
    var doses = 0
    var lastSeq = -1
    var people: [KeyID: Person] = [:]

    init(bounds: [Double] = []) { self.bounds = bounds }

    /// One waste: minutes from the dose to its record, and the dose's seq (which tells equal minutes apart).
    struct Waste: Sendable, Equatable {
        let minutes: Double
        let seq: Int

        static func < (a: Waste, b: Waste) -> Bool { (a.minutes, a.seq) < (b.minutes, b.seq) }
    }

    struct Person: Sendable {
        var sorted: [Waste] = []
        var median = 0.0
        var counts: [Int] = []

        /// Puts wastes in their places, in (minutes, seq) order. A few (the doses of one answer) go in one at a
        /// time, each by a binary search and one move of the list's tail; more (a first build, or every dose taken
        /// in again) are sorted among themselves and merged with the list in one pass. Put in one at a time, a
        /// person's hundreds of thousands of wastes moved the list's tail for each: quadratic, minutes of
        /// `memmove` at three million entries.
        mutating func insert(contentsOf new: [Waste]) {
            if new.count <= 16 {
                for w in new { sorted.insert(w, at: position(of: w)) }
                return
            }
            let added = new.sorted(by: <)
            guard !sorted.isEmpty else {
                sorted = added
                return
            }
            var merged: [Waste] = []
            merged.reserveCapacity(sorted.count + added.count)
            var i = 0, j = 0
            while i < sorted.count, j < added.count {
                if added[j] < sorted[i] {
                    merged.append(added[j])
                    j += 1
                } else {
                    merged.append(sorted[i])
                    i += 1
                }
            }
            merged += sorted[i...]
            merged += added[j...]
            sorted = merged
        }

        /// Where `w` goes: the index of the first waste not before it.
        private func position(of w: Waste) -> Int {
            var lo = 0, hi = sorted.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if sorted[mid] < w { lo = mid + 1 } else { hi = mid }
            }
            return lo
        }

        mutating func summarize(bounds: [Double]) {
            // `Stats.median` of the minutes, read off the list already in order.
            let n = sorted.count
            median = n % 2 == 1 ? sorted[n / 2].minutes : (sorted[n / 2 - 1].minutes + sorted[n / 2].minutes) / 2
            counts = Array(repeating: 0, count: bounds.count + 1)
            for m in sorted { counts[bounds.firstIndex { m.minutes <= $0 * 60 } ?? bounds.count] += 1 }
        }
    }
}

/// The lots the doses taken in so far drew from (how many doses, up to which seq): kept by the opened containers' rule.
struct DoseLots: Sendable {
    var doses = 0
    var lastSeq = -1
    var lots: Set<String> = []
}
