import Dispensing
import Foundation
import LedgerCore

extension Run {
    // MARK: Rule 8: theft and loss reporting, and patterns of small losses

    /// DEA must be notified within one business day of discovering a theft or significant loss.
    /// The time the report was written is the ledger's logged time (which the reporter cannot set).
    mutating func lossReportTimeliness() {
        let basis = "21 CFR 1301.76(b) (practitioners) and 1301.74(c): notify the DEA Field Division in writing within one business day of discovering a theft or significant loss; DEA Form 106"
        for e in facts.live(DispensingType.lossReported) {
            guard let discovered = e.time(LossReported.Member.discovered) else { continue }
            let kind = e.string(LossReported.Member.kind) ?? "loss"
            let deadline = calendar.deadline(after: discovered, businessDays: config.lossReportBusinessDays)
            let items = e.lotItems
            let what = kind == LossReported.Kind.inTransit.rawValue ? "parcel \(e.string(LossReported.Member.tracking) ?? "?")"
                : items.map { facts.quantity($0.micros, $0.lotID) + " of lot " + $0.lotID }.joined(separator: ", ")
            let lot = items.count == 1 ? items[0].lotID : nil
            let common = [Figure("discovered", discovered.short), Figure("due by", deadline.short), Figure("recorded", e.logged.short)]
            if let notified = e.time(LossReported.Member.deaNotified) {
                guard notified > deadline else { continue }
                let late = calendar.businessDays(from: discovered, to: notified)
                add(rule: 8, check: "dea-notified-late", subject: "\(e.seq)", severity: .critical,
                    title: "DEA notified of the \(kind.replacingOccurrences(of: "_", with: " ")) at seq \(e.seq) \(late) business days after discovery",
                    detail: "The \(kind.replacingOccurrences(of: "_", with: " ")) of \(what) was discovered at \(discovered.short); DEA was notified at \(notified.short), after the deadline of \(deadline.short).",
                    time: discovered, entries: [e.seq], lot: lot, people: e.people,
                    expected: "DEA notified by \(deadline.short)", found: "DEA notified at \(notified.short)",
                    figures: common + [Figure("DEA notified", notified.short), Figure("business days after discovery", "\(late)")],
                    basis: basis,
                    action: "Document why the notification was late in the Form 106 file, and review the reporting procedure so the next one goes out within one business day.")
            } else if e.logged > deadline {
                let late = calendar.businessDays(from: discovered, to: e.logged)
                add(rule: 8, check: "loss-reported-late", subject: "\(e.seq)", severity: .critical,
                    title: "The \(kind.replacingOccurrences(of: "_", with: " ")) at seq \(e.seq) was recorded \(late) business days after discovery, with no DEA notification",
                    detail: "The \(kind.replacingOccurrences(of: "_", with: " ")) of \(what) was discovered at \(discovered.short) but recorded only at \(e.logged.short), after the one-business-day deadline (\(deadline.short)), and the entry records no DEA notification.",
                    time: discovered, entries: [e.seq], lot: lot, people: e.people,
                    expected: "reported and DEA notified by \(deadline.short)", found: "recorded at \(e.logged.short), DEA notification not recorded",
                    figures: common + [Figure("business days after discovery", "\(late)")],
                    basis: basis,
                    action: "Notify DEA now (Form 106 online) and record the notification time; document why it was late.")
            } else if asOf > deadline {
                add(rule: 8, check: "dea-notification-not-recorded", subject: "\(e.seq)", severity: .warning,
                    title: "No DEA notification recorded for the \(kind.replacingOccurrences(of: "_", with: " ")) at seq \(e.seq)",
                    detail: "The \(kind.replacingOccurrences(of: "_", with: " ")) of \(what) was recorded in time, but the entry does not say when DEA was notified, and the deadline (\(deadline.short)) has passed.",
                    time: discovered, entries: [e.seq], lot: lot, people: e.people,
                    expected: "DEA notified by \(deadline.short)", found: "no notification time recorded", figures: common,
                    basis: basis,
                    action: "Check the Form 106 file. If DEA was notified, resolve this finding with the date and confirmation number; if not, notify DEA now.")
            }
        }
    }

    /// Days since 1970-01-01 → week number (weeks start on Monday).
    static func week(_ t: Timestamp) -> Int64 {
        let day = BusinessCalendar.day(t)
        let shifted = day + 3
        return shifted >= 0 ? shifted / 7 : (shifted - 6) / 7
    }

    /// Per lot, a one-sided CUSUM over weekly losses in containers: new count shortfalls (the part of a count's
    /// shortage not already seen at the lot's previous count) and reported thefts and losses. Each week earns
    /// back the allowance; an alarm needs the running excess above the threshold and at least the minimum
    /// number of losses in the run.
    mutating func lotLossPatterns() {
        // The series run to the week of the answer's time, and nothing else in them depends on the time: in the kept
        // reconciliation the whole output is kept for that week while no count, loss report or lot changes (a dose
        // changes none of them), instead of every lot's series being drawn again at every answer.
        let endWeek = Self.week(asOf)
        let (config, calendar, counterparts, ownDEA) = (self.config, self.calendar, self.counterparts, self.ownDEA)
        let found: Output = derived("lot-loss-patterns", key: endWeek) { facts in
            var run = Run(facts: facts, config: config, calendar: calendar, counterparts: counterparts, ownDEA: ownDEA)
            run.lotLossPatterns(endWeek: endWeek)
            return run.output
        }
        take(found)
    }

    /// `lotLossPatterns` up to the week `endWeek` (it reads no time but that).
    private mutating func lotLossPatterns(endWeek: Int64) {
        var events: [String: [(time: Timestamp, seq: Int, micros: Int64)]] = [:]
        var countsByLot: [String: [CountRow]] = [:]
        // The records a finding may cite, by seq (looked up here rather than in every entry, which every append changes).
        var cited: [Int: Record] = [:]
        for e in facts.live(DispensingType.countRecorded) {
            if let c = facts.counts[e.seq] {
                countsByLot[c.lotID, default: []].append(c)
                cited[e.seq] = e
            }
        }
        for (lot, counts) in countsByLot {
            var prevShort: Int64 = 0
            for c in counts.sorted(by: { ($0.time, $0.seq) < ($1.time, $1.seq) }) {
                let short = max(0, c.expected - c.counted)
                if short > prevShort { events[lot, default: []].append((c.time, c.seq, short - prevShort)) }
                prevShort = short
            }
        }
        for e in facts.live(DispensingType.lossReported) where e.string(LossReported.Member.kind) != LossReported.Kind.inTransit.rawValue {
            for item in e.lotItems { events[item.lotID, default: []].append((e.time, e.seq, item.micros)) }
            cited[e.seq] = e
        }
        for (lot, list) in events {
            guard let size = facts.lots[lot]?.unitsPerContainer, size > 0 else { continue }
            let sorted = list.sorted { ($0.time, $0.seq) < ($1.time, $1.seq) }
            let firstWeek = Self.week(sorted[0].time)
            guard endWeek >= firstWeek else { continue }
            let n = Int(endWeek - firstWeek + 1)
            var x = [Double](repeating: 0, count: n)
            var counts = [Int](repeating: 0, count: n)
            var inWeek = [[Int]](repeating: [], count: n)
            for ev in sorted {
                let w = Int(Self.week(ev.time) - firstWeek)
                guard w >= 0, w < n else { continue }
                x[w] += Double(ev.micros) / Double(size)
                counts[w] += 1
                inWeek[w].append(ev.seq)
            }
            let excursions = Stats.cusum(x, events: counts, reference: config.lotLossAllowancePerWeek, threshold: config.lotLossThreshold,
                                         minimumEvents: config.lotLossMinimumEvents)
            cusums.append(CusumSeries(
                check: "lot-loss-pattern", subject: lot,
                labels: (0..<n).map { w in
                    let monday = (firstWeek + Int64(w)) * 7 - 3
                    return String(Timestamp(millisecondsSinceEpoch: monday * BusinessCalendar.msPerDay).description.prefix(10))
                },
                entries: inWeek, values: x, statistic: Stats.cusumPath(x, reference: config.lotLossAllowancePerWeek),
                reference: config.lotLossAllowancePerWeek, threshold: config.lotLossThreshold,
                alarms: excursions.compactMap { ex in
                    guard let first = (ex.start...ex.alarm).lazy.flatMap({ inWeek[$0] }).first, let at = inWeek[ex.alarm].last else { return nil }
                    return CusumSeries.Alarm(index: ex.alarm, seq: at,
                                             findingID: Finding.makeID(rule: 8, check: "lot-loss-pattern", subject: "\(lot)|\(first)"))
                }))
            for ex in excursions {
                let seqs = (ex.start...ex.alarm).flatMap { inWeek[$0] }
                guard let first = seqs.first else { continue }
                let total = (ex.start...ex.alarm).reduce(0.0) { $0 + x[$1] }
                let lostMicros = sorted.filter { seqs.contains($0.seq) }.reduce(Int64(0)) { $0 + $1.micros }
                let entries = seqs.compactMap { cited[$0] }
                let weeks = ex.alarm - ex.start + 1
                add(rule: 8, check: "lot-loss-pattern", subject: "\(lot)|\(first)", severity: .critical,
                    title: "A pattern of small losses on lot \(lot): \(seqs.count) losses in \(weeks) week(s)",
                    detail: "Lot \(lot) lost \(facts.quantity(lostMicros, lot)) (\(fmt(total, 2)) containers) in \(seqs.count) separate shortfalls or losses over \(weeks) week(s) (seq \(seqs.map(String.init).joined(separator: ", "))). The weekly CUSUM (allowance \(fmt(config.lotLossAllowancePerWeek)) container a week) reached \(fmt(ex.atAlarm)) containers, above the threshold of \(fmt(config.lotLossThreshold)). DEA treats a continuing pattern of losses as significant even when each one is small.",
                    time: sorted.first { $0.seq == first }?.time, entries: seqs, lot: lot, people: entries.flatMap(\.people),
                    expected: "CUSUM of weekly losses at most \(fmt(config.lotLossThreshold)) containers",
                    found: "CUSUM \(fmt(ex.atAlarm)) containers after \(seqs.count) losses",
                    figures: [Figure("statistic", "one-sided CUSUM of weekly losses in containers"), Figure("CUSUM at alarm", fmt(ex.atAlarm)),
                              Figure("threshold", fmt(config.lotLossThreshold)), Figure("allowance per week", fmt(config.lotLossAllowancePerWeek)),
                              Figure("losses in run", "\(seqs.count)"), Figure("lost in run", facts.quantity(lostMicros, lot)),
                              Figure("peak", fmt(ex.peak))],
                    basis: "21 CFR 1301.76(b)(4) (a pattern of losses over a period is a factor of a significant loss); 21 CFR 1301.71(a)",
                    action: "Investigate lot \(lot) as a possible diversion: who had access at each shortfall, the storage and count procedure. Report the pattern to DEA on Form 106 (csledger loss) unless the losses are explained, and resolve this finding naming the report.")
            }
        }
    }

    /// Per clinician, a one-sided CUSUM over each dose's waste share (wasted ÷ drawn) against a baseline: the
    /// higher of the median of the person's own first doses and the clinic's median over every dose up to the
    /// last of those (so the baseline is fixed once set). It finds a lasting rise in
    /// how much one person wastes; a person who always wastes more than peers is rule 10's to find.
    mutating func personWastePatterns() {
        // Every dose with an amount drawn, in event-time order (then seq); each person's doses in that order, as
        // positions in that list. In the kept reconciliation the order and each person's series are kept
        // (`WastePatterns`): doses appended after every dose taken in (in that order) only extend the list, and only
        // their people's series are worked out again. Anything else (a dose dated before the latest one taken in, a
        // dose corrected, a signer enrolled, another configuration) takes every dose in again, through the same steps.
        let ds = facts.doses
        let signers = facts.signers.count
        let settings = [Double(config.wasteBaselineDoses), config.wasteAllowance, config.wasteThreshold]
        var state = keptValue("waste-patterns", as: WastePatterns.self) ?? WastePatterns()
        let first = state.settings == settings && state.signers == signers ? dosesAppended(since: state.doses, lastSeq: state.lastSeq) : nil
        var new = ds[(first ?? 0)...].filter { $0.drawn != nil }.sorted { WastePatterns.key($0) < WastePatterns.key($1) }
        if first == nil || (new.first.map { WastePatterns.key($0) < state.lastKey } ?? false) {
            state = WastePatterns(settings: settings, signers: signers)
            new = ds.filter { $0.drawn != nil }.sorted { WastePatterns.key($0) < WastePatterns.key($1) }
        }
        var touched = Set<KeyID>()
        for d in new {
            state.people[d.record.actor, default: WastePatterns.Person()].take(d, position: state.everyone.count, baseline: config.wasteBaselineDoses)
            state.everyone.append(d.share ?? 0)
            touched.insert(d.record.actor)
        }
        state.doses = ds.count
        state.lastSeq = ds.last?.record.seq ?? -1
        if let last = new.last { state.lastKey = WastePatterns.key(last) }
        for person in touched {
            let before = findings.count
            // Taken out and put back, so that its lists are held once and grow in place.
            var p = state.people.removeValue(forKey: person)!
            p.series = nil
            p.series = personWastePattern(person, &p, everyone: state.everyone)
            p.findings = Array(findings[before...])
            state.people[person] = p
        }
        keep(value: state, as: "waste-patterns")
        for (person, p) in state.people where !touched.contains(person) {
            take(kept: p.findings)
        }
        cusums += state.people.values.compactMap(\.series)
    }

    /// One person's CUSUM of waste share after their baseline doses, and a finding for each excursion over the
    /// threshold (added to this run); nil when they have no more doses than the baseline. The CUSUM steps through
    /// the doses taken in since it was last worked out (`p.cusum`), not through every dose of the person again.
    private mutating func personWastePattern(_ person: KeyID, _ p: inout WastePatterns.Person, everyone: [Double]) -> CusumSeries? {
        let b = config.wasteBaselineDoses
        guard p.positions.count > b else { return nil }
        // Fixed once set: the person's first doses, and the clinic's median up to the last of them.
        let (own, clinic) = p.baseline ?? (Stats.median(Array(p.shares.prefix(b))), Stats.median(Array(everyone[...p.positions[b - 1]])))
        p.baseline = (own, clinic)
        let baseline = max(own, clinic)
        let reference = baseline + config.wasteAllowance
        if p.cusum.map({ $0.reference != reference || $0.threshold != config.wasteThreshold }) ?? true {
            p.cusum = Stats.Cusum(reference: reference, threshold: config.wasteThreshold)
            (p.values, p.statistic) = ([], [])
        }
        var cusum = p.cusum!
        for v in p.shares[(b + cusum.count)...] {
            cusum.step(v)
            p.values.append(v)
            p.statistic.append(cusum.statistic)
        }
        p.cusum = cusum
        let x = p.values
        let excursions = cusum.excursions
        let series = CusumSeries(
            check: "waste-pattern", subject: person.hex, labels: [], entries: p.entries, values: x,
            statistic: p.statistic, reference: reference, threshold: config.wasteThreshold,
            alarms: excursions.map { ex in
                CusumSeries.Alarm(index: ex.alarm, seq: p.records[b + ex.alarm].seq,
                                  findingID: Finding.makeID(rule: 8, check: "waste-pattern", subject: "\(person.hex)|\(p.records[b + ex.start].seq)"))
            })
        for ex in excursions {
            let run = Array(p.records[(b + ex.start)...(b + ex.alarm)])
            let mean = x[ex.start...ex.alarm].reduce(0, +) / Double(ex.alarm - ex.start + 1)
            add(rule: 8, check: "waste-pattern", subject: "\(person.hex)|\(run[0].seq)", severity: .warning,
                title: "\(facts.signers[person]?.name ?? person.short) has been wasting more than their usual share",
                detail: "From seq \(run[0].seq) (\(run[0].time.short)), \(who(person)) wasted on average \(fmt(mean * 100, 1))% of what they drew over \(run.count) dose(s), against a baseline of \(fmt(baseline * 100, 1))% (the higher of the median of their own first \(b) doses, \(fmt(own * 100, 1))%, and the clinic's median up to then, \(fmt(clinic * 100, 1))%). The CUSUM of the excess over baseline + \(fmt(config.wasteAllowance * 100, 1)) points reached \(fmt(ex.atAlarm, 2)), above the threshold of \(fmt(config.wasteThreshold, 2)) at seq \(run.last!.seq).",
                time: run[0].time, entries: run.map(\.seq), people: [person],
                expected: "CUSUM of waste share at most \(fmt(config.wasteThreshold, 2)) (baseline \(fmt(baseline * 100, 1))%)",
                found: "CUSUM \(fmt(ex.atAlarm, 2)) over \(run.count) doses (mean waste \(fmt(mean * 100, 1))%)",
                figures: [Figure("statistic", "one-sided CUSUM of waste ÷ drawn per dose"), Figure("baseline", fmt(baseline, 3)), Figure("own baseline", fmt(own, 3)), Figure("clinic median", fmt(clinic, 3)),
                          Figure("allowance", fmt(config.wasteAllowance)), Figure("CUSUM at alarm", fmt(ex.atAlarm, 3)),
                          Figure("threshold", fmt(config.wasteThreshold)), Figure("doses in run", "\(run.count)"),
                          Figure("mean waste share in run", fmt(mean, 3)), Figure("peak", fmt(ex.peak, 3))],
                basis: "21 CFR 1301.76(b)(3)-(4) (losses associated with specific individuals; patterns over time); 21 CFR 1301.71(a); ASHP Guidelines on Preventing Diversion of Controlled Substances (2022)",
                action: "Review this person's doses in the run with their witnesses: the amounts drawn against the orders, and who witnessed each waste. Consider auditing waste containers (assay) and talk to the person; keep the review confidential.")
        }
        return series
    }

}

/// What rule 8's waste patterns keep between answers of the kept reconciliation: every dose with an amount drawn
/// taken in so far, in event-time order, and each person's doses with the series and findings worked out from them.
struct WastePatterns: Sendable {
    /// The configuration and the number of signers the series were worked out with (a finding names the person).
    var settings: [Double] = []
    var signers = -1
    /// How many of the facts' doses were taken in (all those up to `lastSeq`), and the latest (time, seq) taken in.
    var doses = 0
    var lastSeq = -1
    var lastKey: Key = Key(ms: .min, seq: .min)
    /// Every dose's waste share, in event-time order.
    var everyone: [Double] = []
    var people: [KeyID: Person] = [:]

    init() {}
    init(settings: [Double], signers: Int) {
        self.settings = settings
        self.signers = signers
    }

    struct Key: Comparable, Sendable {
        let ms: Int64
        let seq: Int
        static func < (a: Key, b: Key) -> Bool { (a.ms, a.seq) < (b.ms, b.seq) }
    }

    static func key(_ d: Dose) -> Key { Key(ms: d.record.time.millisecondsSinceEpoch, seq: d.record.seq) }

    /// One person's doses in event-time order: where each stands among everyone's, its waste share, its record.
    struct Person: Sendable {
        var positions: [Int] = []
        var shares: [Double] = []
        var records: [Record] = []
        /// The series' entries: one list of one seq for each dose after the baseline. Kept, not made again at each
        /// answer: a list per dose is an allocation per dose, which for a person with tens of thousands of doses
        /// was most of the cost of an answer after one of their doses.
        var entries: [[Int]] = []
        /// The medians the baseline was set from (once the person has more doses than the baseline), the CUSUM over
        /// the doses after it so far, and its observations and statistic (the series' values).
        var baseline: (own: Double, clinic: Double)?
        var cusum: Stats.Cusum?
        var values: [Double] = []
        var statistic: [Double] = []
        var series: CusumSeries?
        var findings: [Finding] = []

        /// Takes in the next dose in event-time order; `baseline`: how many first doses set the person's baseline.
        mutating func take(_ d: Dose, position: Int, baseline: Int) {
            positions.append(position)
            shares.append(d.share ?? 0)
            records.append(d.record)
            if records.count > baseline { entries.append([d.record.seq]) }
        }
    }
}
