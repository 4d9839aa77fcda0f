import Foundation
import LedgerCore

/// The outcome of a reconciliation: every finding, open and resolved, and how to print it.
public struct ReconciliationReport: Sendable {
    /// A person named by a finding (staff only; patients appear by reference).
    public struct Person: Sendable, Hashable {
        public let keyID: KeyID
        public let name: String
        public let role: String
    }

    /// The event-time cut-off the rules used (the current time when none was given).
    public let asOf: Timestamp
    public let asOfGiven: Bool
    /// Entries in the ledger file, and the dispensing entries up to `asOf` the rules read.
    public let entries: Int
    public let entriesConsidered: Int
    /// False when no verification report was given (rule 11 not run).
    public let integrityChecked: Bool
    /// Every finding, most severe first.
    public let findings: [Finding]
    public let people: [KeyID: Person]
    public let config: ReconciliationConfig
    /// The CUSUM series of rule 8 (lot loss and waste patterns) and rule 10's per-person rates and z-scores,
    /// as the rules computed them (for charts; the findings say the same in words).
    package var cusums: [CusumSeries] = []
    package var peers: [PeerActivity] = []
    /// Each person's time from a draw to the record of its waste, beside peers of the same role (a figure, no finding).
    package var wasteDelays: [WasteDelay] = []

    /// The findings not resolved (open or reopened).
    public var open: [Finding] { findings.filter(\.isOpen) }
    public var resolved: [Finding] { findings.filter { !$0.isOpen } }

    /// The finding with this id, if any.
    public func finding(_ id: String) -> Finding? { findings.first { $0.id == id } }

    /// The most severe open finding's severity; nil when none is open.
    public var worstOpen: Severity? { Severity.allCases.sorted(by: >).first { hasOpen(atLeast: $0) } }

    /// True when an open finding is at least as severe as `severity` (the exit status of `csledger reconcile`).
    public func hasOpen(atLeast severity: Severity) -> Bool { open.contains { $0.severity >= severity } }

    func personText(_ k: KeyID) -> String {
        guard let p = people[k] else { return k.short }
        return "\(p.name) (\(p.role), \(k.short))"
    }

    /// The report as text for people; resolved findings only with `all`.
    public func text(all: Bool = false, ledger: String? = nil) -> String {
        var out: [String] = []
        let open = self.open
        let counts = Severity.allCases.reversed().map { s in "\(open.filter { $0.severity == s }.count) \(s.rawValue)" }
        out.append("Reconciliation\(ledger.map { " of \($0)" } ?? "") as of \(asOf.short)\(asOfGiven ? "" : " (now)")")
        out.append("\(entries) entries (\(entriesConsidered) dispensing records up to the cut-off); integrity \(integrityChecked ? "checked" : "NOT checked")")
        out.append("\(open.count) open finding(s): \(counts.joined(separator: ", ")); \(resolved.count) resolved\(all || resolved.isEmpty ? "" : " (shown with --all)")")
        let shown = all ? findings : open
        if shown.isEmpty {
            out.append("")
            out.append("No discrepancies found.")
        }
        for f in shown {
            out.append("")
            let status = f.status == .open ? "" : " [\(f.status.rawValue)]"
            out.append("\(f.severity.rawValue.uppercased().padding(toLength: 8, withPad: " ", startingAt: 0)) \(f.id)  Rule \(f.rule) \(f.ruleName)\(status)")
            out.append("  \(f.title)")
            out.append(wrap(f.detail, indent: "  "))
            if !f.entries.isEmpty {
                let list = f.entries.prefix(20).map(String.init).joined(separator: ", ")
                out.append("  entries   seq \(list)\(f.entries.count > 20 ? " … and \(f.entries.count - 20) more" : "")")
            }
            if let lot = f.lot { out.append("  lot       \(lot)") }
            if let p = f.patient { out.append("  patient   \(p)") }
            if !f.people.isEmpty { out.append("  people    \(f.people.map(personText).joined(separator: "; "))") }
            if let e = f.expected { out.append("  expected  \(e)") }
            if let x = f.found { out.append("  found     \(x)") }
            for fig in f.figures { out.append("  · \(fig.name): \(fig.value)") }
            out.append(wrap("basis     \(f.basis)", indent: "  ", hanging: "          "))
            out.append(wrap("next      \(f.action)", indent: "  ", hanging: "          "))
            if let r = f.resolution {
                let loss = r.lossReportSeq.map { ", loss report seq \($0)" } ?? ""
                out.append(wrap("\(f.status == .resolved ? "resolved" : "was resolved") at seq \(r.seq) by \(personText(r.by))\(loss): \(r.reason)\(f.status == .reopened ? " (new evidence since: reopened)" : "")",
                                indent: "  "))
            }
            out.append("  evidence  \(f.evidence)")
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// The report as one JSON object.
    public func json(all: Bool = false) -> JSONValue {
        let shown = all ? findings : open
        var summary: [String: JSONValue] = ["open": .number(Double(open.count)), "resolved": .number(Double(resolved.count))]
        for s in Severity.allCases { summary[s.rawValue] = .number(Double(open.filter { $0.severity == s }.count)) }
        return .object([
            "as_of": .string(asOf.description),
            "entries": .number(Double(entries)),
            "entries_considered": .number(Double(entriesConsidered)),
            "integrity_checked": .bool(integrityChecked),
            "summary": .object(summary),
            "findings": .array(shown.map(json)),
            "config": config.json,
        ])
    }

    /// One finding as JSON.
    public func json(_ f: Finding) -> JSONValue {
        var o: [String: JSONValue] = [
            "id": .string(f.id), "rule": .number(Double(f.rule)), "rule_name": .string(f.ruleName), "check": .string(f.check),
            "severity": .string(f.severity.rawValue), "status": .string(f.status.rawValue), "title": .string(f.title),
            "detail": .string(f.detail), "entries": .array(f.entries.map { .number(Double($0)) }),
            "people": .array(f.people.map { k in
                .object(["key_id": .string(k.hex), "name": .string(people[k]?.name ?? ""), "role": .string(people[k]?.role ?? "")])
            }),
            "figures": .object(Dictionary(f.figures.map { ($0.name, JSONValue.string($0.value)) }, uniquingKeysWith: { a, _ in a })),
            "basis": .string(f.basis), "action": .string(f.action), "evidence": .string(f.evidence),
        ]
        if let t = f.time { o["time"] = .string(t.description) }
        if let l = f.lot { o["lot"] = .string(l) }
        if let p = f.patient { o["patient"] = .string(p) }
        if let e = f.expected { o["expected"] = .string(e) }
        if let x = f.found { o["found"] = .string(x) }
        if let r = f.resolution {
            var ro: [String: JSONValue] = ["seq": .number(Double(r.seq)), "by": .string(r.by.hex), "time": .string(r.time.description),
                                           "reason": .string(r.reason)]
            if let l = r.lossReportSeq { ro["loss_report_seq"] = .number(Double(l)) }
            if let e = r.evidence { ro["evidence"] = .string(e) }
            o["resolution"] = .object(ro)
        }
        return .object(o)
    }
}

/// Wraps `text` at about 100 columns.
func wrap(_ text: String, indent: String, hanging: String? = nil, width: Int = 100) -> String {
    var lines: [String] = []
    var line = indent
    let next = indent + (hanging ?? "")
    for word in text.split(separator: " ", omittingEmptySubsequences: false) {
        if line.count + word.count + 1 > width, line.trimmingCharacters(in: .whitespaces).count > 0 {
            lines.append(line)
            line = next
        }
        line += (line == indent || line == next ? "" : " ") + word
    }
    lines.append(line)
    return lines.joined(separator: "\n")
}
