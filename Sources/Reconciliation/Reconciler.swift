import Dispatch
import Dispensing
import Foundation
import LedgerCore
import LedgerStore

/// Runs every reconciliation rule over a ledger and applies the compliance officer's resolutions.
///
/// Rule 11 (integrity) needs the ledger's verification report, which the layer above computes
/// (`Ledger.reconcile` in CSLedgerKit); without one, integrity is reported as not checked.
package struct Reconciler: Sendable {
    package let config: ReconciliationConfig
    let calendar: BusinessCalendar
    /// Other registrants' ledgers (rule 13) and this registrant's DEA number.
    let counterparts: [TransferCounterpart]
    let ownDEA: String?

    package init(config: ReconciliationConfig = ReconciliationConfig(), counterparts: [TransferCounterpart] = [], ownDEA: String? = nil) {
        self.config = config
        self.calendar = BusinessCalendar(holidays: config.holidays)
        self.counterparts = counterparts
        self.ownDEA = ownDEA
    }

    /// Reconciles `database` as of `asOf` (event time; default `now`).
    /// - Parameters:
    ///   - verification: the ledger's verification report, for rule 11.
    ///   - now: the current time, used when `asOf` is not given.
    package func run(_ database: LedgerDatabase, asOf: Timestamp? = nil, verification: VerificationReport? = nil,
                    now: Timestamp = .now()) throws -> ReconciliationReport {
        let at = asOf ?? now
        let facts = try Facts.load(database, asOf: at)
        let report = run(facts, asOfGiven: asOf != nil, verification: verification)
        // Freeing a million decoded records takes a while; the report need not wait for it.
        DispatchQueue.global(qos: .utility).async { withExtendedLifetime(facts) {} }
        return report
    }

    /// The rules in the order `run` takes their findings (for figures that name them).
    static let ruleNames = ["negative-balance", "count-variance", "count-counters", "receipts", "unusable-lots", "prescriptions",
                            "opened-containers", "waste-witnesses", "late-waste", "shipments", "destructions", "loss-report-timeliness",
                            "lot-loss-patterns", "waste-patterns", "biennial-inventory", "outliers", "supervised-dosing", "monitoring",
                            "transfers", "draw-to-waste"]

    /// - Parameters:
    ///   - seconds: when given, each rule's wall time (by `ruleNames`' index).
    ///   - outputs: when given, each rule's output from an earlier run over facts that differ only by what was
    ///     appended since (the kept state's): a rule none of whose reads changed is not run again.
    func run(_ facts: Facts, asOfGiven: Bool, verification: VerificationReport?, seconds: ParallelSlots<Double>? = nil,
             outputs: RuleOutputs? = nil) -> ReconciliationReport {
        // The rules read the facts and nothing else, so they run side by side; their findings are
        // then taken in rule order, as if they had run one after the other.
        // In rule order; each is one task, and the costliest start first so that no long one is left
        // to run alone at the end.
        let rules: [(cost: Int, run: @Sendable (inout Run) -> Void)] = [
            (5, { $0.negativeBalances() }), (1, { $0.countVariances() }), (0, { $0.countCounters() }),  // 1
            (0, { $0.receipts() }),                                                                      // 2
            (8, { $0.unusableLots() }),                                                                  // 3
            (7, { $0.prescriptions() }),                                                                 // 4
            (4, { $0.openedContainers() }), (4, { $0.wasteWitnesses() }), (2, { $0.lateWaste() }),       // 5
            (9, { $0.shipments() }),                                                                     // 6
            (0, { $0.destructions() }),                                                                  // 7
            (0, { $0.lossReportTimeliness() }), (3, { $0.lotLossPatterns() }), (6, { $0.personWastePatterns() }),  // 8
            (1, { $0.biennialInventory() }),                                                             // 9
            (6, { $0.outliers() }),                                                                      // 10
            (1, { $0.supervisedDosing() }), (3, { $0.monitoring() }),                                    // 12
            (0, { $0.transfers() }),                                                                     // 13
            (2, { $0.drawToWaste() }),                                                                   // a figure (no finding)
        ]
        let order = rules.indices.sorted { rules[$0].cost > rules[$1].cost }
        let done = ParallelSlots<Run.Output>(count: rules.count)
        let (config, calendar, counterparts, ownDEA) = (self.config, self.calendar, self.counterparts, self.ownDEA)
        DispatchQueue.concurrentPerform(iterations: rules.count) { k in
            let r = order[k]
            let started = DispatchTime.now().uptimeNanoseconds
            defer { seconds?[r] = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9 }
            if let kept = outputs?.reuse(r, for: facts) {
                done[r] = kept
                return
            }
            var watched = facts
            let reads = FactsReads()
            if outputs != nil { watched.reads = reads }
            var part = Run(facts: watched, config: config, calendar: calendar, counterparts: counterparts, ownDEA: ownDEA)
            part.kept = outputs
            rules[r].run(&part)
            done[r] = part.output
            outputs?.keep(r, part.output, reads: reads.seen, for: facts)
        }
        var run = Run(facts: facts, config: config, calendar: calendar)
        for r in rules.indices { run.take(done[r]!) }
        if let verification { run.integrity(verification) }  // 11
        let resolutions = run.resolutions()
        var findings = run.findings
        for i in findings.indices {
            guard let rs = resolutions[findings[i].id], let last = rs.last else { continue }
            let f = findings[i]
            let maxSeq = f.entries.max() ?? -1
            if let match = rs.last(where: { r in r.evidence.map { $0 == f.evidence } ?? (maxSeq < r.seq) }) {
                findings[i].status = .resolved
                findings[i].resolution = match
            } else {
                findings[i].status = .reopened
                findings[i].resolution = last
            }
        }
        findings.sort { a, b in
            if a.severity != b.severity { return a.severity > b.severity }
            if a.rule != b.rule { return a.rule < b.rule }
            let ae = a.entries.first ?? Int.max, be = b.entries.first ?? Int.max
            if ae != be { return ae < be }
            return a.id < b.id
        }
        var people: [KeyID: ReconciliationReport.Person] = [:]
        for f in findings {
            for k in f.people {
                let s = facts.signers[k]
                people[k] = ReconciliationReport.Person(keyID: k, name: s?.name ?? "(not enrolled)", role: s?.role?.rawValue ?? "none")
            }
            if let r = f.resolution {
                let s = facts.signers[r.by]
                people[r.by] = ReconciliationReport.Person(keyID: r.by, name: s?.name ?? "(not enrolled)", role: s?.role?.rawValue ?? "none")
            }
        }
        return ReconciliationReport(asOf: facts.asOf, asOfGiven: asOfGiven, entries: facts.totalEntries,
                                    entriesConsidered: facts.entries.count, integrityChecked: verification != nil,
                                    findings: findings, people: people, config: config, cusums: run.cusums, peers: run.peers,
                                    wasteDelays: run.wasteDelays)
    }
}

/// The state of one reconciliation run: the facts, and the findings so far.
struct Run {
    let facts: Facts
    let config: ReconciliationConfig
    let calendar: BusinessCalendar
    let counterparts: [TransferCounterpart]
    let ownDEA: String?
    var findings: [Finding] = []
    /// The series behind the statistical rules (8's CUSUMs, 10's peer comparisons), for readers that draw them.
    var cusums: [CusumSeries] = []
    var peers: [PeerActivity] = []
    /// Each person's time from draw to the record of its waste (a figure for readers, no finding).
    var wasteDelays: [WasteDelay] = []
    private var ids: Set<String> = []
    /// The kept reconciliation's store, when this run is one of its answers (`derived` keeps values in it).
    var kept: RuleOutputs?

    init(facts: Facts, config: ReconciliationConfig, calendar: BusinessCalendar, counterparts: [TransferCounterpart] = [], ownDEA: String? = nil) {
        self.facts = facts
        self.config = config
        self.calendar = calendar
        self.counterparts = counterparts
        self.ownDEA = ownDEA
    }

    var asOf: Timestamp { facts.asOf }

    /// `compute` over the facts: a value a rule derives from them before it reads the time. In the kept
    /// reconciliation the value is kept, with what computing it read, and given again while none of that
    /// changed; so a rule that reads the clock (and so runs at every answer) does its heavy part only when its
    /// inputs change. What the value was computed from counts as read by the rule.
    ///
    /// `key`: what else the value depends on, besides the facts `compute` reads (a rule that depends on the time only
    /// through its week passes the week, and does not read the time in `compute`); the value is kept for one key.
    func derived<T: Sendable>(_ name: String, key: Int64 = 0, _ compute: (Facts) -> T) -> T {
        var plain = facts
        plain.reads = nil
        guard let kept else { return compute(plain) }
        if let (value, seen): (T, FactsReads.Seen) = kept.derived(name, key: key, for: plain) {
            facts.reads?.note(seen)
            return value
        }
        let reads = FactsReads()
        var watched = plain
        watched.reads = reads
        let value = compute(watched)
        kept.keep(derived: name, value, key: key, reads: reads.seen, for: plain)
        facts.reads?.note(reads.seen)
        return value
    }

    /// What one rule found: its findings and the series it drew.
    struct Output: Sendable {
        let findings: [Finding]
        let cusums: [CusumSeries]
        let peers: [PeerActivity]
        let wasteDelays: [WasteDelay]
    }

    var output: Output { Output(findings: findings, cusums: cusums, peers: peers, wasteDelays: wasteDelays) }

    /// `step` over every movement in seq order, from `initial`: in the kept reconciliation the state after the
    /// movements taken in so far is kept, and only the movements appended since are stepped through.
    func foldMovements<S: Sendable>(_ name: String, from initial: S, _ step: (inout S, Movement) -> Void) -> S {
        fold(name, over: facts.movements, from: initial, step)
    }

    /// `step` over every record in seq order (corrected ones too), from `initial`, as `foldMovements`.
    func foldEntries<S: Sendable>(_ name: String, from initial: S, _ step: (inout S, Record) -> Void) -> S {
        fold(name, over: facts.entries, from: initial, step)
    }

    /// `step` over `list`, one of the facts' lists that within one build of the kept facts are only ever appended
    /// to (the movements, the entries); `step` must read nothing but the element.
    private func fold<T, S: Sendable>(_ name: String, over list: [T], from initial: S, _ step: (inout S, T) -> Void) -> S {
        var plain = facts
        plain.reads = nil
        var (state, count) = kept?.takeFold(name, for: plain) ?? (initial, 0)
        if count > list.count { (state, count) = (initial, 0) }
        for m in list[count...] { step(&state, m) }
        kept?.keep(fold: name, state, count: list.count, for: plain)
        return state
    }

    /// A value a rule kept in an earlier answer over facts of the same build (`keep(value:as:)`), if any: the rule
    /// checks itself what in it still holds. It is taken out (`RuleOutputs.takeFold`): the rule keeps its next value.
    func keptValue<S: Sendable>(_ name: String, as type: S.Type) -> S? {
        var plain = facts
        plain.reads = nil
        return kept?.takeFold(name, for: plain).map { (state: S, _) in state }
    }

    /// Keeps `value` for the next answer's `keptValue`.
    func keep<S: Sendable>(value: S, as name: String) {
        var plain = facts
        plain.reads = nil
        kept?.keep(fold: name, value, count: 0, for: plain)
    }

    /// What `eachRecord` keeps between answers: the findings each record checked so far gave (by seq), and
    /// the highest seq checked.
    struct RecordFindings: Sendable {
        var checked = -1
        var findings: [Int: [Finding]] = [:]
    }

    /// `check` on each of `list` (uncorrected records, or doses, in seq order): a check that looks at one record
    /// at a time. In the kept reconciliation the findings each record gave are kept by seq under `name`, and only
    /// records appended since are checked, while nothing else `check` reads (the signers, the lots, ...) has
    /// changed; otherwise every record is checked again. A record corrected since leaves its findings behind.
    mutating func eachRecord<T>(_ name: String, _ list: [T], seq: (T) -> Int, check: (inout Run, T) -> Void) {
        var plain = facts
        plain.reads = nil
        let reads = FactsReads()
        var known = RecordFindings()
        if let kept, let (value, seen): (RecordFindings, FactsReads.Seen) = kept.derived(name, for: plain) {
            known = value
            reads.note(seen)
        }
        var watched = plain
        watched.reads = reads
        var scratch = Run(facts: watched, config: config, calendar: calendar, counterparts: counterparts, ownDEA: ownDEA)
        var next = known
        // The records after the last one checked: a list in seq order ends with them.
        var first = list.count
        while first > 0, seq(list[first - 1]) > known.checked { first -= 1 }
        for r in list[first...] {
            let before = scratch.findings.count
            check(&scratch, r)
            if scratch.findings.count > before { next.findings[seq(r)] = Array(scratch.findings[before...]) }
            next.checked = max(next.checked, seq(r))
        }
        kept?.keep(derived: name, next, reads: reads.seen, for: plain)
        facts.reads?.note(reads.seen)
        // The findings of every record still listed: a corrected one is not.
        let corrected = facts.corrected
        for (seq, found) in next.findings where !corrected.contains(seq) {
            for f in found where ids.insert(f.id).inserted { findings.append(f) }
        }
    }

    /// Where the doses appended since a rule's kept value took in the first `count` of `facts.doses` (all of them up
    /// to seq `lastSeq`) begin in that list; nil when those are no longer all there (a dose corrected since leaves
    /// the list), and the value must take every dose in again. The doses are in seq order and only ever lose one
    /// to a correction or gain new ones at the end.
    func dosesAppended(since count: Int, lastSeq: Int) -> Int? {
        let ds = facts.doses
        var first = ds.count
        while first > 0, ds[first - 1].record.seq > lastSeq { first -= 1 }
        return first == count ? first : nil
    }

    /// Adds findings a rule kept from an earlier answer, those not already found here.
    mutating func take(kept: [Finding]) {
        for f in kept where ids.insert(f.id).inserted { findings.append(f) }
    }

    /// Adds the findings of `other` (a run of later rules over the same facts) not already found here.
    mutating func take(_ other: Output) {
        for f in other.findings where ids.insert(f.id).inserted { findings.append(f) }
        cusums += other.cusums
        peers += other.peers
        wasteDelays += other.wasteDelays
    }

    /// Adds a finding; its id comes from rule, check and subject, its evidence fingerprint from the
    /// check, the entries, the lot and the expected and found texts (or `evidence` when given).
    mutating func add(rule: Int, check: String, subject: String, severity: Severity, title: String, detail: String,
                      time: Timestamp?, entries: [Int], lot: String? = nil, patient: String? = nil, people: [KeyID],
                      expected: String? = nil, found: String? = nil, figures: [Figure] = [], basis: String, action: String,
                      evidence: String? = nil) {
        let id = Finding.makeID(rule: rule, check: check, subject: subject)
        guard ids.insert(id).inserted else { return }
        var seen = Set<KeyID>()
        let people = people.filter { seen.insert($0).inserted }
        let entries = Array(Set(entries)).sorted()
        let facts = evidence ?? "\(check)|\(entries.map(String.init).joined(separator: ","))|\(lot ?? "")|\(expected ?? "")|\(found ?? "")"
        let fingerprint = String(Hash.sha256(Array(facts.utf8)).hex.prefix(16))
        findings.append(Finding(id: id, rule: rule, check: check, severity: severity, title: title, detail: detail, time: time,
                                entries: entries, lot: lot, patient: patient, people: people, expected: expected, found: found,
                                figures: figures, basis: basis, action: action, evidence: fingerprint))
    }

    /// A person for sentences: `Dana Reyes (3fa29c0b1e2d)`.
    func who(_ k: KeyID) -> String {
        if let s = facts.signers[k] { return "\(s.name) (\(k.short))" }
        return "key \(k.short) (not enrolled)"
    }

    /// The roles that may witness.
    static let witnessRoles: Set<Role> = [.witness, .pharmacist, .clinician, .compliance, .admin]

    /// The witnesses of `e` who count as independent, and what is wrong with the others:
    /// enrolled and authorised at the entry, of a witnessing role, not the actor, and not a person
    /// (by enrolled name) already counted or the actor under another key.
    func independentWitnesses(_ e: Record) -> (count: Int, problems: [String]) {
        let witnessRoles = Self.witnessRoles
        let actor = e.actor
        var people: [String] = []  // a few names: a list is cheaper than a set, on every waste and count
        if let a = facts.signers[actor] { people.append(a.personKey) }
        var count = 0
        var problems: [String] = []
        for w in e.witnesses {
            guard w != actor else { problems.append("the witness key is the actor's own key"); continue }
            guard let s = facts.signers[w] else { problems.append("witness key \(w.short) is not enrolled"); continue }
            guard s.authorized(at: e.seq) else {
                problems.append("witness \(who(w)) was not enrolled or was already revoked at seq \(e.seq)")
                continue
            }
            guard let role = s.role, witnessRoles.contains(role) else {
                problems.append("witness \(who(w)) is enrolled as \(s.role?.rawValue ?? "unknown"), a role that may not witness")
                continue
            }
            guard !people.contains(s.personKey) else {
                problems.append(s.personKey == facts.signers[actor]?.personKey
                    ? "witness \(who(w)) is enrolled under the same name as the person who recorded it: the same person with a second key"
                    : "witness \(who(w)) is enrolled under the same name as another witness")
                continue
            }
            people.append(s.personKey)
            count += 1
        }
        return (count, problems)
    }

    /// Valid `finding.resolved` entries by finding id; invalid ones become findings (rule 11).
    mutating func resolutions() -> [String: [Resolution]] {
        var out: [String: [Resolution]] = [:]
        // A resolution withdrawn by entry.corrected (once the projection accepts the type) does not count.
        for e in facts.live(ReconciliationType.findingResolved) {
            let actor = e.actor
            var problems: [String] = []
            if let s = facts.signers[actor], s.authorized(at: e.seq) {
                if s.role != .compliance { problems.append("it is signed by \(who(actor)), enrolled as \(s.role?.rawValue ?? "unknown"), not a compliance officer") }
            } else {
                problems.append("it is signed by key \(actor.short), which was not enrolled or was revoked at seq \(e.seq)")
            }
            let id = e.string(FindingResolved.Member.findingID) ?? ""
            if id.isEmpty { problems.append("it names no finding_id") }
            if (e.string(FindingResolved.Member.reason) ?? "").trimmingCharacters(in: .whitespaces).isEmpty { problems.append("it gives no reason") }
            var lossSeq: Int?
            if let v = e.value(FindingResolved.Member.lossReportSeq), v != .null {
                lossSeq = v.integerValue
                if let l = lossSeq, let le = facts[seq: l], le.type == DispensingType.lossReported, !facts.corrected.contains(l), l < e.seq {
                } else {
                    problems.append("its loss_report_seq does not name an earlier, uncorrected loss.reported entry")
                }
            }
            if problems.isEmpty {
                out[id, default: []].append(Resolution(seq: e.seq, by: actor, time: e.time, reason: e.string(FindingResolved.Member.reason) ?? "",
                                                       lossReportSeq: lossSeq, evidence: e.string(FindingResolved.Member.evidence)))
            } else {
                add(rule: 11, check: "resolution-not-valid", subject: "\(e.seq)", severity: .warning,
                    title: "A resolution at seq \(e.seq) does not count",
                    detail: "The finding.resolved entry at seq \(e.seq)\(id.isEmpty ? "" : " for \(id.prefix(20))") is ignored: \(problems.joined(separator: "; ")). The finding it names stays open.",
                    time: e.time, entries: [e.seq], people: [actor],
                    expected: "a finding.resolved signed by an enrolled compliance officer, with finding_id and reason",
                    found: problems.joined(separator: "; "),
                    basis: "21 CFR 1304.21(a) (complete and accurate records); 21 CFR 1301.71(a) (effective controls)",
                    action: "Have a compliance officer resolve the finding again with their own key (csledger resolve FINDING_ID --reason ... --key compliance.pem), and find out why this entry was made.")
            }
        }
        for k in out.keys { out[k]?.sort { $0.seq < $1.seq } }
        return out
    }
}
