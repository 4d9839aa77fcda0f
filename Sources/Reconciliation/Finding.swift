import LedgerCore

/// How urgent a finding is.
public enum Severity: String, Sendable, Hashable, CaseIterable, Comparable {
    /// Worth knowing; nothing is due.
    case info
    /// Needs a look by the compliance officer.
    case warning
    /// A legal duty is (or is about to be) missed, or the records cannot be trusted: act today.
    case critical

    var rank: Int {
        switch self {
        case .info: 0
        case .warning: 1
        case .critical: 2
        }
    }

    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }

    /// Parses `info`, `warning` or `critical`.
    public init(parsing text: String) throws {
        guard let s = Severity(rawValue: text.lowercased()) else {
            throw LedgerError(.invalidArgument, "severity \"\(text.prefix(20))\" must be info, warning or critical")
        }
        self = s
    }
}

/// One number a finding shows, by name (a statistic, a threshold, a date).
public struct Figure: Sendable, Hashable {
    public let name: String
    public let value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// A compliance officer's `finding.resolved` entry that closes a finding.
public struct Resolution: Sendable, Hashable {
    /// The entry that resolved it.
    public let seq: Int
    /// Who resolved it (a compliance officer's key).
    public let by: KeyID
    public let time: Timestamp
    public let reason: String
    /// The loss report (DEA Form 106 data) the officer filed for it, if any.
    public let lossReportSeq: Int?
    /// The evidence fingerprint the officer saw, if the entry carries it.
    public let evidence: String?
}

/// One discrepancy the reconciliation found, explained for a compliance officer.
///
/// The `id` depends only on the rule, the check and what the finding is about (a lot, an entry, a person),
/// so the same problem keeps its id from one run to the next. `evidence` fingerprints the facts behind it
/// (the entries and the numbers); a resolution covers one fingerprint, and new evidence reopens the finding.
public struct Finding: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable {
        /// Not resolved.
        case open
        /// Resolved by a `finding.resolved` entry covering the current evidence.
        case resolved
        /// Resolved once, but the evidence changed since: open again.
        case reopened

        public var isOpen: Bool { self != .resolved }
    }

    /// Stable id, e.g. `F01-3fa29c0b1e`.
    public let id: String
    /// Rule number (1-13), as in docs/RECONCILIATION.md.
    public let rule: Int
    /// The check within the rule, e.g. `count-variance`.
    public let check: String
    public var severity: Severity
    /// One line: what is wrong.
    public let title: String
    /// The explanation, with the numbers in words.
    public let detail: String
    /// When it happened (event time), if it has one moment.
    public let time: Timestamp?
    /// The entries it concerns, by seq.
    public let entries: [Int]
    /// The lot id, if it concerns one lot.
    public let lot: String?
    /// The patient reference (never a name), if it concerns one patient.
    public let patient: String?
    /// The people involved, by key id.
    public let people: [KeyID]
    /// What the records should show, and what they show.
    public let expected: String?
    public let found: String?
    /// Further numbers: statistics, thresholds, dates.
    public let figures: [Figure]
    /// The regulation or standard behind the rule.
    public let basis: String
    /// What to do next, in plain words.
    public let action: String
    /// SHA-256 (hex, first 16 characters) over the facts behind the finding.
    public let evidence: String
    public var status: Status = .open
    /// The resolution, when resolved (or the last one, when reopened).
    public var resolution: Resolution?

    public var isOpen: Bool { status.isOpen }

    public init(id: String, rule: Int, check: String, severity: Severity, title: String, detail: String, time: Timestamp?,
                entries: [Int], lot: String?, patient: String?, people: [KeyID], expected: String?, found: String?,
                figures: [Figure], basis: String, action: String, evidence: String) {
        self.id = id
        self.rule = rule
        self.check = check
        self.severity = severity
        self.title = title
        self.detail = detail
        self.time = time
        self.entries = entries
        self.lot = lot
        self.patient = patient
        self.people = people
        self.expected = expected
        self.found = found
        self.figures = figures
        self.basis = basis
        self.action = action
        self.evidence = evidence
    }

    /// The rule's name.
    public var ruleName: String { Self.ruleNames[rule] ?? "Rule \(rule)" }

    /// The rules' names, by number.
    public static let ruleNames: [Int: String] = [
        1: "Lot balance and physical counts",
        2: "Receipts and product identifiers",
        3: "Use of unusable lots",
        4: "Prescription limits and early refills",
        5: "Opened containers and waste",
        6: "Shipments and deliveries",
        7: "Destruction witnesses",
        8: "Theft and loss reporting",
        9: "Biennial inventory",
        10: "Per-person outliers",
        11: "Ledger integrity",
        12: "Supervised dosing and monitoring",
        13: "Transfers between registrants",
    ]

    /// The stable id of a finding: `F<rule>-` and 10 hex characters of SHA-256 over rule, check and subject.
    public static func makeID(rule: Int, check: String, subject: String) -> String {
        let h = Hash.sha256(Array("\(rule)|\(check)|\(subject)".utf8)).hex
        return "F\(rule < 10 ? "0" : "")\(rule)-\(h.prefix(10))"
    }
}
