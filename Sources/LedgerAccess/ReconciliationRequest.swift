import LedgerCore

/// What `csledger reconcile` asks of a ledger.
package struct ReconciliationRequest: Sendable {
    /// Event-time cut-off; nil for now.
    package var asOf: Timestamp?
    /// Show resolved findings too.
    package var all: Bool
    /// Run the integrity rule (11): verify every signature and checkpoint first.
    package var verify: Bool
    /// Text for people, or the JSON report.
    package var json: Bool
    /// A JSON file overriding thresholds (a ledger file only: a daemon reconciles with its own settings).
    package var configFile: String?
    /// Signed checkpoints kept earlier, checked by the integrity rule (a ledger file only).
    package var checkpoints: [String]
    /// Other registrants' exported bundles (folders, already verified), for rule 13 (a ledger file only).
    package var transferBundles: [String]
    /// Compute every finding from scratch, not from the state a daemon keeps as entries are appended
    /// (a ledger file is always reconciled from scratch).
    package var full: Bool

    package init(asOf: Timestamp? = nil, all: Bool = false, verify: Bool = true, json: Bool = false,
                configFile: String? = nil, checkpoints: [String] = [], transferBundles: [String] = [], full: Bool = false) {
        self.full = full
        self.transferBundles = transferBundles
        self.asOf = asOf
        self.all = all
        self.verify = verify
        self.json = json
        self.configFile = configFile
        self.checkpoints = checkpoints
    }
}

/// The reconciliation as a command prints it: the report (text or JSON) and the most severe open finding.
package struct ReconciliationOutput: Sendable {
    /// The report, ready to print.
    package let body: String
    /// `info`, `warning` or `critical`; nil when no finding is open.
    package let worstOpen: String?

    package init(body: String, worstOpen: String?) {
        self.body = body
        self.worstOpen = worstOpen
    }
}

/// Every site's reconciliation as a daemon answers a group token (`GET /v1/sites/reconciliation`): the report as
/// `csledger reconcile --ledger postgresql://USER@HOST:PORT/DB` prints it, and what its exit status is made of.
package struct SitesReconciliationOutput: Sendable {
    /// The report (text or JSON), as the daemon sent it.
    package let body: String
    /// The most severe open finding across the sites reconciled (`info`, `warning`, `critical`); nil when none is open.
    package let worstOpen: String?
    /// How many sites the database holds.
    package let siteCount: Int
    /// The sites that could not be reconciled: their error's code and their origin.
    package let failed: [(code: String, origin: String)]

    package init(body: String, worstOpen: String?, siteCount: Int, failed: [(code: String, origin: String)]) {
        self.body = body
        self.worstOpen = worstOpen
        self.siteCount = siteCount
        self.failed = failed
    }
}

/// One finding as `resolve` must know it: whether it is open and the evidence fingerprint the officer saw.
package struct FindingState: Sendable, Equatable {
    package let id: String
    package let isOpen: Bool
    package let evidence: String
    /// The seq of the resolution entry when the finding is resolved.
    package let resolutionSeq: Int?

    package init(id: String, isOpen: Bool, evidence: String, resolutionSeq: Int?) {
        self.id = id
        self.isOpen = isOpen
        self.evidence = evidence
        self.resolutionSeq = resolutionSeq
    }
}
