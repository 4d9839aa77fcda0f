import Dispensing
import Foundation
import LedgerCore

extension Run {
    // MARK: Rule 1: lot balance and physical counts

    /// A count needs a second counter who is a different person (checked on write; checked again here,
    /// since a second key enrolled under the counter's own name passes the write check).
    mutating func countCounters() {
        for e in facts.live(DispensingType.countRecorded) {
            let (count, problems) = independentWitnesses(e)
            guard count < 1 else { continue }
            let why = problems.isEmpty ? "it has no second counter" : problems.joined(separator: "; ")
            add(rule: 1, check: "count-without-second-counter", subject: "\(e.seq)", severity: .warning,
                title: "Count at seq \(e.seq) has no independent second counter",
                detail: "The count of lot \(e.string(CountRecorded.Member.lotID) ?? "?") at seq \(e.seq) (recorded by \(who(e.actor))) needs a second person who counted too: \(why). Its result cannot be relied on.",
                time: e.time, entries: [e.seq], lot: e.string(CountRecorded.Member.lotID), people: e.people,
                expected: "a second counter who is a different person", found: why,
                basis: "21 CFR 1304.11 (inventories); 21 CFR 1301.71(a) (controls against diversion): counts by two people",
                action: "Count the lot again with two different people and record it; find out why the count was signed this way.")
        }
    }

    /// Replays each lot's movements in the order they were written (seq): a run of entries that keeps the
    /// balance below zero is one finding. The write path allows it only with `override_reason`.
    mutating func negativeBalances() {
        struct Episode: Sendable {
            var start: Timestamp
            var seqs: [Int]
            var before: Int64
            var lowest: Int64
            var closedBy: Int?
        }
        /// Every lot's balance through the movements in seq order, each entry's movements on a lot netted first
        /// (the last entry's are `pending` until the next entry's arrive).
        struct Balances: Sendable {
            var balance: [String: Int64] = [:]
            var open: [String: Episode] = [:]
            var done: [(String, Episode)] = []
            var pending: (seq: Int, lotID: String, time: Timestamp, net: Int64)?

            mutating func take(_ m: Movement) {
                if let p = pending, p.seq == m.seq, p.lotID == m.lotID {
                    pending?.net += m.micros
                    return
                }
                settle()
                pending = (m.seq, m.lotID, m.time, m.micros)
            }

            /// Applies the pending net change.
            mutating func settle() {
                guard let m = pending else { return }
                pending = nil
                let before = balance[m.lotID, default: 0]
                let after = before + m.net
                balance[m.lotID] = after
                if after < 0 {
                    if var ep = open[m.lotID] {
                        if m.net < 0 { ep.seqs.append(m.seq) }
                        ep.lowest = min(ep.lowest, after)
                        open[m.lotID] = ep
                    } else {
                        open[m.lotID] = Episode(start: m.time, seqs: [m.seq], before: before, lowest: after)
                    }
                } else if var ep = open.removeValue(forKey: m.lotID) {
                    ep.closedBy = m.seq
                    done.append((m.lotID, ep))
                }
            }
        }
        // Only the movements appended since the last answer are stepped through (`foldMovements`).
        var balances = foldMovements("negative-balance", from: Balances()) { $0.take($1) }
        balances.settle()
        let open = balances.open
        var done = balances.done
        done += open.map { ($0.key, $0.value) }
        for (lot, ep) in done {
            let deadline = calendar.deadline(after: ep.start, businessDays: config.resolveWithinBusinessDays)
            let stillNegative = ep.closedBy == nil
            let severity: Severity = stillNegative && asOf > deadline ? .critical : .warning
            let entries = ep.seqs.compactMap { facts[seq: $0] }
            let reasons = entries.compactMap { e in e.string(StatementMember.overrideReason).map { "seq \(e.seq): \"\($0.prefix(120))\"" } }
            let patients = Set(entries.compactMap(\.patientRef))
            var figures = [Figure("balance before", facts.quantity(ep.before, lot)), Figure("lowest balance", facts.quantity(ep.lowest, lot)),
                           Figure("resolve by", deadline.short)]
            if let c = ep.closedBy { figures.append(Figure("back to zero or more at seq", "\(c)")) }
            add(rule: 1, check: "negative-balance", subject: "\(lot)|\(ep.seqs[0])", severity: severity,
                title: "Lot \(lot) went below zero (\(facts.quantity(ep.lowest, lot)))",
                detail: "The ledger shows more taken from lot \(lot) than it held: the balance was \(facts.quantity(ep.before, lot)) before seq \(ep.seqs[0]) and went down to \(facts.quantity(ep.lowest, lot)). "
                    + (reasons.isEmpty ? "" : "Override reason given: \(reasons.joined(separator: "; ")). ")
                    + (stillNegative ? "It is still below zero as of \(asOf.short)." : "A later entry (seq \(ep.closedBy!)) brought it back to zero or more."),
                time: ep.start, entries: ep.seqs, lot: lot, patient: patients.count == 1 ? patients.first : nil,
                people: entries.flatMap(\.people), expected: "balance of at least 0 \(facts.unit(lot))",
                found: "balance down to \(facts.quantity(ep.lowest, lot))", figures: figures,
                basis: "21 CFR 1304.21(a) (complete and accurate records); 21 CFR 1301.71(a) (controls against diversion); 21 CFR 1301.76(b) (report a significant loss within one business day)",
                action: "Count lot \(lot) with a second person today. Find the record that is missing or wrong (a receipt not entered, a dose entered twice) and record or correct it (csledger correct). If drug is really missing, report it to DEA on Form 106 (csledger loss) within one business day of discovery, then resolve this finding naming the report (csledger resolve ID --loss-report SEQ).")
        }
    }

    /// Counts whose counted quantity differs from the balance the ledger expected. Consecutive counts of a lot
    /// with the same variance are one finding (the same difference, seen again).
    mutating func countVariances() {
        var byLot: [String: [CountRow]] = [:]
        for e in facts.live(DispensingType.countRecorded) {
            guard let c = facts.counts[e.seq] else { continue }
            byLot[c.lotID, default: []].append(c)
        }
        for (lot, counts) in byLot {
            let sorted = counts.sorted { ($0.time, $0.seq) < ($1.time, $1.seq) }
            var group: [CountRow] = []
            func flush(_ run: inout Run, matchedBy: CountRow?) {
                guard let first = group.first else { return }
                let variance = first.counted - first.expected
                let deadline = run.calendar.deadline(after: first.time, businessDays: run.config.resolveWithinBusinessDays)
                let severity: Severity = matchedBy != nil ? .info : (run.asOf > deadline ? .critical : .warning)
                let entries = group.compactMap { run.facts[seq: $0.seq] }
                var figures = [Figure("expected", run.facts.quantity(first.expected, lot)), Figure("counted", run.facts.quantity(first.counted, lot)),
                               Figure("variance", run.facts.quantity(variance, lot)), Figure("resolve by", deadline.short)]
                if group.count > 1 { figures.append(Figure("seen again at seq", group.dropFirst().map { "\($0.seq)" }.joined(separator: ", "))) }
                if let m = matchedBy { figures.append(Figure("later count matched at seq", "\(m.seq)")) }
                let short = variance < 0
                run.add(rule: 1, check: "count-variance", subject: "\(lot)|\(first.seq)", severity: severity,
                        title: "Count of lot \(lot) is \(short ? "short" : "over") by \(run.facts.quantity(abs(variance), lot))",
                        detail: "At seq \(first.seq) (\(first.time.short)) two people counted \(run.facts.quantity(first.counted, lot)) of lot \(lot) where the ledger expected \(run.facts.quantity(first.expected, lot)): \(short ? "a shortage" : "an overage") of \(run.facts.quantity(abs(variance), lot))."
                            + (group.count > 1 ? " Later counts (seq \(group.dropFirst().map { "\($0.seq)" }.joined(separator: ", "))) show the same difference." : "")
                            + (matchedBy.map { " A later count (seq \($0.seq)) matched the expected balance, which suggests a miscount; confirm and resolve." } ?? ""),
                        time: first.time, entries: group.map(\.seq), lot: lot, people: entries.flatMap(\.people),
                        expected: "\(run.facts.quantity(first.expected, lot)) on the shelf (seq \(first.seq))",
                        found: "\(run.facts.quantity(first.counted, lot)) counted (variance \(run.facts.quantity(variance, lot)))",
                        figures: figures,
                        basis: "21 CFR 1304.21(a) (complete and accurate records); 21 CFR 1301.76(b) (theft or significant loss reported to DEA within one business day of discovery)",
                        action: short
                            ? "Recount lot \(lot) with a second person. Look for records not yet entered (a dose, a waste, a return). If the shortage cannot be explained, it is a loss: report it to DEA on Form 106 (csledger loss) within one business day of discovery, then resolve this finding naming the report (csledger resolve ID --loss-report SEQ)."
                            : "Recount lot \(lot) with a second person. An overage usually means a use was recorded that did not happen, or a return was not recorded: find it and correct the record, then resolve this finding with the explanation.")
                group = []
            }
            for c in sorted {
                if c.counted == c.expected {
                    if !group.isEmpty { flush(&self, matchedBy: c) }
                } else if let g = group.first, g.counted - g.expected == c.counted - c.expected {
                    group.append(c)
                } else {
                    flush(&self, matchedBy: nil)
                    group = [c]
                }
            }
            flush(&self, matchedBy: nil)
        }
    }

    // MARK: Rule 2: receipts and product identifiers

    mutating func receipts() {
        let basisRecords = "21 CFR 1304.22(a)(2) (receipt records: supplier name, address and DEA number; drug, form, strength, containers, quantity); 21 CFR 1304.21(a)"
        for e in facts.live(DispensingType.lotReceived) {
            let lot = e.receivedLotID
            let people = e.people
            if let q = e.micros(LotReceived.Member.quantity), let inv = e.micros(LotReceived.Member.invoiceQuantity), inv != q {
                let id = lot ?? "?"
                add(rule: 2, check: "invoice-quantity", subject: "\(e.seq)", severity: .warning,
                    title: "Receipt at seq \(e.seq) differs from its invoice: \(facts.quantity(q, id)) received, \(facts.quantity(inv, id)) invoiced",
                    detail: "Lot \(id) was received at seq \(e.seq) (invoice \(e.string(LotReceived.Member.invoice) ?? "?")) with \(facts.quantity(q, id)), but the invoice states \(facts.quantity(inv, id)) (\(q < inv ? "short" : "over") by \(facts.quantity(abs(inv - q), id))).",
                    time: e.time, entries: [e.seq], lot: lot, people: people,
                    expected: "\(facts.quantity(inv, id)) as invoiced", found: "\(facts.quantity(q, id)) received",
                    basis: basisRecords + "; a shortage in transit is the supplier's loss to report (21 CFR 1301.74(c))",
                    action: "Tell the supplier in writing the same day and keep their answer; record the quantity actually received (never the invoiced one). If the supplier confirms the drug was shipped, the difference is an in-transit loss the supplier reports to DEA; note it when you resolve this finding.")
            }
            var problems: [String] = []
            let supplierDEA = e.body.string(LotReceived.Member.supplier, Party.Member.deaNumber)
            if let d = supplierDEA {
                if (try? DEANumber(d)) == nil { problems.append("the supplier's DEA number fails its check digit") }
            } else {
                problems.append("the supplier's DEA number is missing")
            }
            var ndc: NDC?
            if let n = e.string(LotReceived.Member.ndc) {
                ndc = try? NDC(n)
                if ndc == nil { problems.append("the NDC \(n.prefix(20)) is not valid") }
            } else {
                problems.append("the NDC is missing")
            }
            if let g = e.string(LotReceived.Member.gtin) {
                if let gtin = try? GTIN(g) {
                    if let ndc, !ndc.matchesGTIN(gtin) { problems.append("the scanned GTIN \(g) does not contain the NDC \(ndc.hyphenated)") }
                } else {
                    problems.append("the GTIN \(g.prefix(20)) is not valid")
                }
            }
            if let x = e.string(LotReceived.Member.expiry) {
                if let exp = try? ExpiryDate(iso: x) {
                    let (y, m, d) = e.time.civilDate
                    if exp.isExpired(onYear: y, month: m, day: d) { problems.append("the lot had already expired (\(x)) when received") }
                } else {
                    problems.append("the expiry date is not valid")
                }
            }
            if let q = e.micros(LotReceived.Member.quantity), let per = e.micros(LotReceived.Member.unitsPerContainer), let n = e.integer(LotReceived.Member.containers),
               { let r = per.multipliedReportingOverflow(by: Int64(n)); return r.overflow || r.partialValue != q }() {  // no trapping product
                problems.append("quantity is not containers × units per container")
            }
            if !problems.isEmpty {
                add(rule: 2, check: "receipt-identifiers", subject: "\(e.seq)", severity: .critical,
                    title: "Receipt at seq \(e.seq) has invalid identifiers",
                    detail: "The receipt at seq \(e.seq) should have been refused when it was written: \(problems.joined(separator: "; ")). csledger checks these on every write, so this entry came in another way.",
                    time: e.time, entries: [e.seq], lot: lot, people: people,
                    expected: "valid supplier DEA number, NDC, GTIN matching the NDC, unexpired lot", found: problems.joined(separator: "; "),
                    basis: basisRecords + "; DSCSA product identifier (21 U.S.C. 360eee-1)",
                    action: "Check the packing slip and the label against the entry; quarantine the lot (csledger lot-status) until the supplier confirms its identity, and run csledger verify to find how the entry was written.")
            }
        }
        // The same lot received more than once with different product details.
        for (lot, info) in facts.lots where info.receipts.count > 1 {
            let live = info.receipts.filter { !facts.corrected.contains($0.seq) }
            guard let first = live.first else { continue }
            func describe(_ e: Record) -> [String: String] {
                let drug = e.value(LotReceived.Member.drug)
                return ["drug name": drug?[DrugDescription.Member.name]?.stringValue ?? "", "strength": drug?[DrugDescription.Member.strength]?.stringValue ?? "",
                        "form": drug?[DrugDescription.Member.form]?.stringValue ?? "", "unit": e.string(LotReceived.Member.unit) ?? "", "expiry": e.string(LotReceived.Member.expiry) ?? "",
                        "units per container": e.string(LotReceived.Member.unitsPerContainer).flatMap { try? Quantity(parsing: $0) }?.description ?? ""]
            }
            let base = describe(first)
            var differing: [Int] = []
            var diffs: [String] = []
            for e in live.dropFirst() {
                let d = describe(e)
                let changed = base.keys.sorted().filter { base[$0] != d[$0] }
                if !changed.isEmpty {
                    differing.append(e.seq)
                    diffs += changed.map { "\($0) \"\(base[$0]!)\" at seq \(first.seq) but \"\(d[$0]!)\" at seq \(e.seq)" }
                }
            }
            guard !differing.isEmpty else { continue }
            add(rule: 2, check: "lot-identity", subject: lot, severity: .warning,
                title: "Lot \(lot) was received with different product details",
                detail: "Lot \(lot) was received more than once, and the receipts disagree: \(diffs.joined(separator: "; ")). One lot number of one NDC is one product.",
                time: first.time, entries: [first.seq] + differing, lot: lot, people: ([first] + live.filter { differing.contains($0.seq) }).flatMap(\.people),
                expected: "the same drug, strength, form, unit, expiry and container size on every receipt of the lot",
                found: diffs.joined(separator: "; "),
                basis: "21 CFR 1304.22(a)(2)(i)-(ii) (name, form, strength and containers of the substance received); DSCSA product identifier",
                action: "Compare the labels on the shelf with both receipts. If one receipt is wrong, correct it (csledger correct) and record it again with the right details; if two products share the lot number, tell the supplier.")
        }
    }

    // MARK: Rule 3: use of lots that were not usable

    mutating func unusableLots() {
        /// What the checks need of each lot, read through the facts the check is given (so that what it read is
        /// known to `eachRecord`), once per list.
        struct Lots {
            var statusChanges: [String: [Record]]?
            var states: [String: UnusableLotState] = [:]
            var current: UnusableLotState?

            mutating func state(_ facts: Facts, _ lot: String) -> UnusableLotState {
                if let c = current, c.lot == lot { return c }  // doses come in runs from the same lot
                if let known = states[lot] { current = known; return known }
                if statusChanges == nil {
                    var changes: [String: [Record]] = [:]
                    for e in facts.live(DispensingType.lotStatusChanged) {
                        if let id = e.string(LotStatusChanged.Member.lotID) { changes[id, default: []].append(e) }
                    }
                    for k in changes.keys { changes[k]?.sort { ($0.time, $0.seq) < ($1.time, $1.seq) } }
                    statusChanges = changes
                }
                let info = facts.lots[lot]
                let expiredFrom = info?.expiry.flatMap { Timestamp($0.description, allowDate: true) }?.adding(days: 1)
                let made = UnusableLotState(lot: lot, info: info, expiredFrom: expiredFrom, changes: statusChanges?[lot] ?? [])
                states[lot] = made
                current = made
                return made
            }
        }
        // One use at a time: only the uses appended since the last answer are checked, while no lot's receipt or
        // status changed (`eachRecord`).
        var doseLots = Lots()
        eachRecord("unusable-lots.doses", facts.doses, seq: \.record.seq) { run, d in
            if let id = d.lotID { run.useOfLot(d.record, doseLots.state(run.facts, id)) }
        }
        var fillLots = Lots()
        eachRecord("unusable-lots.fills", facts.live(DispensingType.prescriptionDispensed), seq: \.seq) { run, e in
            for item in e.lotItems { run.useOfLot(e, fillLots.state(run.facts, item.lotID)) }
        }
    }

    /// Rule 3 for one use of a lot (a dose or a dispensing).
    private mutating func useOfLot(_ e: Record, _ state: UnusableLotState) {
        let lot = state.lot
        let basis = "21 U.S.C. 351 (adulterated drugs); 21 CFR part 7 (recalls); 21 CFR 1304.22(c) (dispensing records name the lot)"
        let t = e.time
        let what = e.type == DispensingType.doseAdministered ? "administered" : "dispensed"
        guard let info = state.info, let receipt = info.firstReceipt else {
            add(rule: 3, check: "never-received", subject: "\(e.seq)|\(lot)", severity: .critical,
                title: "Seq \(e.seq) \(what) from lot \(lot), which was never received",
                detail: "The \(e.type) entry at seq \(e.seq) takes from lot \(lot), but no uncorrected receipt of that lot is in the ledger as of \(asOf.short).",
                time: t, entries: [e.seq], lot: lot, patient: e.patientRef, people: e.people,
                expected: "a receipt of lot \(lot) before \(t.short)", found: "no receipt",
                basis: basis + "; 21 CFR 1304.22(a)(2) (receipt records)",
                action: "Find the receipt paperwork for lot \(lot) and record the receipt; if the drug did not come from that lot, correct the entry (csledger correct) and record it with the right lot.")
            return
        }
        if receipt.time > t {
            add(rule: 3, check: "before-receipt", subject: "\(e.seq)|\(lot)", severity: .critical,
                title: "Seq \(e.seq) \(what) from lot \(lot) before the lot was received",
                detail: "The \(e.type) entry at seq \(e.seq) happened at \(t.short), but lot \(lot) was received at \(receipt.time.short) (seq \(receipt.seq)).",
                time: t, entries: [e.seq, receipt.seq], lot: lot, patient: e.patientRef, people: e.people,
                expected: "received before \(t.short)", found: "received at \(receipt.time.short)",
                basis: basis + "; 21 CFR 1304.22(a)(2)",
                action: "Check both times against the paper trail and correct whichever entry is wrong (csledger correct, then record it again with the right time).")
        }
        if let exp = info.expiry, let expiredFrom = state.expiredFrom {
            if t >= expiredFrom {  // a day after the expiry date
                add(rule: 3, check: "expired-lot", subject: "\(e.seq)|\(lot)", severity: .critical,
                    title: "Seq \(e.seq) \(what) from lot \(lot) after it expired (\(exp))",
                    detail: "Lot \(lot) expired at the end of \(exp); the \(e.type) entry at seq \(e.seq) is dated \(t.short).",
                    time: t, entries: [e.seq], lot: lot, patient: e.patientRef, people: e.people,
                    expected: "used on or before \(exp)", found: "used on \(t.dateString)",
                    basis: basis, action: "Tell the prescriber and the patient's clinician; quarantine what is left of lot \(lot) and destroy it with two witnesses (csledger destroy).")
            }
        }
        if let change = state.changes.last(where: { $0.time <= t }), let status = change.string(LotStatusChanged.Member.status), status != LotStatusChanged.Status.active.rawValue {
            let recalled = status == LotStatusChanged.Status.recalled.rawValue
            add(rule: 3, check: "\(status)-lot", subject: "\(e.seq)|\(lot)", severity: recalled ? .critical : .warning,
                title: "Seq \(e.seq) \(what) from lot \(lot) while it was \(status)",
                detail: "Lot \(lot) was \(status) as of \(change.time.short) (seq \(change.seq), reason: \"\((change.string(LotStatusChanged.Member.reason) ?? "").prefix(120))\")"
                    + (change.seq > e.seq ? ", an entry written after this use but dated before it" : "")
                    + "; the \(e.type) entry at seq \(e.seq) is dated \(t.short).",
                time: t, entries: [e.seq, change.seq], lot: lot, patient: e.patientRef, people: e.people + [change.actor],
                expected: "lot active at \(t.short)", found: "lot \(status) since \(change.time.short)",
                basis: basis,
                action: recalled
                    ? "Follow the recall notice: contact the patient's clinician about the dose from a recalled lot, and keep the lot quarantined until it is returned or destroyed."
                    : "Find out why the lot was quarantined and whether the dose was affected; tell the patient's clinician if it was.")
        }
    }

    // MARK: Rule 9: biennial inventory

    /// Simplification: the inventory is checked lot by lot. Every lot holding stock as of the as-of time
    /// must have been counted within `inventoryIntervalDays` (730) of its last count, or, if never
    /// counted, of its receipt or the ledger's creation, whichever is later.
    mutating func biennialInventory() {
        // Every lot's stock: only the movements appended since the last answer are added (`foldMovements`).
        let stock = foldMovements("biennial-inventory.stock", from: [String: Int64]()) { $0[$1.lotID, default: 0] += $1.micros }
        // Each lot's last count, derived from the counts alone: a dose (which changes the stock) does not read them again.
        let lastCount: [String: (time: Timestamp, seq: Int)] = derived("biennial-inventory.last-count") { facts in
            var last: [String: (time: Timestamp, seq: Int)] = [:]
            for e in facts.live(DispensingType.countRecorded) {
                guard let id = e.string(CountRecorded.Member.lotID) else { continue }
                if let prev = last[id], prev.time > e.time { continue }
                last[id] = (e.time, e.seq)
            }
            return last
        }
        // Each lot in stock, since when it was last counted (or held uncounted): derived from the stock and the
        // counts but not the time, so an answer that only the clock changed does not look at them again.
        let inStock: [(lot: String, since: Timestamp, seq: Int?, counted: Bool)] = derived("biennial-inventory.in-stock") { facts in
            guard let created = facts.created else { return [] }
            _ = facts.movements  // what the stock above was summed from
            _ = facts.live(DispensingType.countRecorded)  // what the last counts above were read from
            return stock.filter { $0.value > 0 }.map { lot, _ in
                if let c = lastCount[lot] { return (lot, c.time, c.seq, true) }
                let receipt = facts.lots[lot]?.firstReceipt
                return (lot, max(created, receipt?.time ?? created), receipt?.seq, false)
            }
        }
        let overdue = inStock.filter { asOf.hours(since: $0.since) > config.inventoryIntervalDays * 24 }
            .sorted { ($0.since, $0.lot) < ($1.since, $1.lot) }
        guard !overdue.isEmpty else { return }
        let oldest = overdue[0].since
        let list = overdue.map { "\($0.lot) (\($0.counted ? "last counted" : "never counted; in stock since") \($0.since.dateString))" }
        add(rule: 9, check: "biennial-inventory", subject: oldest.description, severity: .warning,
            title: "Biennial inventory overdue: \(overdue.count) lot(s) not counted within \(fmt(config.inventoryIntervalDays)) days",
            detail: "Every lot holding stock must be counted at least every two years. As of \(asOf.short) these lots were not: \(list.joined(separator: "; ")).",
            time: oldest.adding(days: config.inventoryIntervalDays), entries: overdue.compactMap(\.seq), lot: overdue.count == 1 ? overdue[0].lot : nil,
            people: [], expected: "a count of every lot in stock within \(fmt(config.inventoryIntervalDays)) days",
            found: list.joined(separator: "; "),
            figures: [Figure("interval (days)", fmt(config.inventoryIntervalDays)), Figure("oldest", oldest.dateString), Figure("lots", "\(overdue.count)")],
            basis: "21 CFR 1304.11(c) (biennial inventory); 21 CFR 1304.11(e)(3) (Schedule III: opened containers may be estimated)",
            action: "Take the biennial inventory: count every lot on the shelf with a second person on one day (csledger count for each lot), at the opening or close of business, and keep the printed inventory with the records.")
    }
}

/// What rule 3 needs of one lot (a class: it is handed to the check for every use of the lot).
final class UnusableLotState {
    let lot: String
    let info: LotFacts?
    /// The first moment after the expiry date (uses from then on are after expiry).
    let expiredFrom: Timestamp?
    /// Status changes, by time.
    let changes: [Record]

    init(lot: String, info: LotFacts?, expiredFrom: Timestamp?, changes: [Record]) {
        self.lot = lot
        self.info = info
        self.expiredFrom = expiredFrom
        self.changes = changes
    }
}
