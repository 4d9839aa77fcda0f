import Dispensing
import Foundation
import LedgerCore
import LedgerPostgres
import LedgerStore
import Reconciliation

/// Chain-wide reconciliation: every ledger (site) a PostgreSQL database holds, each checked and reconciled as a
/// single ledger is, with every other site given to rule 13 as a counterpart (as `--with BUNDLE` gives one).
extension Ledger {
    /// True when `path` is a PostgreSQL address naming a whole database (no `?ledger=`).
    package static func isDatabaseAddress(_ path: String) -> Bool {
        guard PostgresAddress.isAddress(path), let address = try? PostgresAddress(path) else { return false }
        return address.origin == nil
    }

    /// Reconciles every ledger in the database at `path` (`postgresql://USER@HOST:PORT/DB`).
    ///
    /// Each site is opened through its own mirror (in `mirrorFolder`, else the cache folder), its mirror pulled and
    /// checked, PostgreSQL's rows compared with it (with `verify`), and `requireIntegrity()` passed; only then are
    /// its entries read for the others' rule 13. A site that fails any of it is reported with its error and not
    /// used as a counterpart (transfers to it go unmatched, not reported as lost); the others are reconciled.
    /// `counterparts` (other registrants' bundles, `--with`) are given to every site besides the database's.
    package static func reconcileSites(database path: String, mirrorFolder: String? = nil, asOf: Timestamp? = nil,
                                       config: ReconciliationConfig = ReconciliationConfig(), verify: Bool = true,
                                       counterparts extra: [TransferCounterpart] = [], now: Timestamp = .now()) throws -> SitesReconciliation {
        try reconcileSites(database: try PostgresAddress(path), mirrorFolder: mirrorFolder, asOf: asOf, config: config, verify: verify,
                           counterparts: extra, now: now)
    }

    /// `reconcileSites(database:)` of an address already read (a daemon's, whose password may not be in its text).
    static func reconcileSites(database: PostgresAddress, mirrorFolder: String?, asOf: Timestamp?, config: ReconciliationConfig, verify: Bool,
                               counterparts extra: [TransferCounterpart], now: Timestamp) throws -> SitesReconciliation {
        guard database.origin == nil else {
            throw LedgerError(.invalidArgument, "the address names one ledger (ledger=); leave ledger= out to reconcile every ledger in the database")
        }
        let origins = try PostgresLedger.ledgers(database).map(\.origin)
        // A nightly job pointed at the wrong (empty) database must not pass as if every site were clean.
        guard !origins.isEmpty else {
            throw LedgerError(.ledgerMissing, "the database \(database.database) holds no ledger; nothing to reconcile (csledger ledgers --ledger \(database) lists them)")
        }
        var sites = origins.map { SiteReconciliation(origin: $0, ledger: database.with(origin: $0).description) }
        // Checked first, every one: a site's entries are given to the others only once they passed.
        var checked: [(index: Int, ledger: Ledger, counterpart: TransferCounterpart)] = []
        defer { for c in checked { try? c.ledger.database.close() } }
        for (i, origin) in origins.enumerated() {
            let address = database.with(origin: origin)
            do {
                let mirror = mirrorFolder.map { ($0 as NSString).appendingPathComponent((address.defaultMirrorPath as NSString).lastPathComponent) }
                let ledger = Ledger(database: try PostgresLedger.open(address, mirrorPath: mirror, projections: defaultProjections))
                do {
                    if verify { try PostgresLedger.compare(address, mirror: ledger.database) }
                    try ledger.requireIntegrity()
                    let counterpart = try ledger.transferCounterpart()
                    sites[i].facilityName = counterpart.name
                    sites[i].deaNumber = counterpart.dea
                    checked.append((i, ledger, counterpart))
                } catch {
                    try? ledger.database.close()
                    throw error
                }
            } catch {
                sites[i].failure = Self.siteError(error)
            }
        }
        for site in checked {
            let others = checked.filter { $0.index != site.index }.map(\.counterpart) + extra
            do {
                sites[site.index].report = try site.ledger.reconcile(asOf: asOf, config: config, verify: verify, counterparts: others, now: now)
            } catch {
                sites[site.index].failure = Self.siteError(error)
            }
        }
        return SitesReconciliation(database: database.description, sites: sites)
    }

    private static func siteError(_ error: any Error) -> LedgerError {
        LedgerError(converting: error) ?? LedgerError(.storage, "the site could not be read (\(type(of: error)))")
    }

    /// This ledger as another site's rule 13 sees it (the same `TransferCounterpart` a bundle gives): its DEA
    /// number, name, origin and receipts, read from its entries. Call after `requireIntegrity()`.
    package func transferCounterpart() throws -> TransferCounterpart {
        // Only what rule 13 reads (the genesis, receipts, corrections), by the entries' type index; the latest event
        // time from the index of statement times: a site's ledger may hold millions of entries.
        var kept: [Entry] = []
        for (range, type) in [(0...0, nil), (nil, DispensingType.lotReceived), (nil, DispensingType.entryCorrected)] as [(ClosedRange<Int>?, String?)] {
            try database.forEachBatch(range: range, type: type) { rows in
                for row in rows { kept.append(try Entry.decode(canonicalBytes: row.bytes)) }
                return true
            }
        }
        let last = try database.latestStatementTime()
        guard let counterpart = TransferCounterpart(entries: kept, lastTime: last) else {
            throw LedgerError(.ledgerCorrupt, "the ledger \(try origin()) has no genesis entry naming its registrant's DEA number")
        }
        return counterpart
    }
}

/// Every site of the database a daemon's ledger is kept in, as a group token reads them (`GET /v1/sites/reconciliation`):
/// the same `Ledger.reconcileSites` as `csledger reconcile --ledger postgresql://USER@HOST:PORT/DB`, each site through a
/// mirror of its own in a folder beside the daemon's mirror (the daemon's own site too: its mirror is the daemon's
/// writer's, and a reconciliation must not hold it).
package struct GroupSites: Sendable {
    let database: PostgresAddress
    /// `<the daemon's mirror>.sites`, made when first used.
    package let mirrorFolder: String

    /// The database of the ledger at `ledgerPath` with the daemon's mirror at `mirrorPath`; nil for a ledger file.
    package init?(ledgerPath: String, mirrorPath: String) throws {
        guard PostgresAddress.isAddress(ledgerPath) else { return nil }
        database = try PostgresAddress(ledgerPath).with(origin: nil)
        mirrorFolder = mirrorPath + ".sites"
    }

    /// Every site, checked and reconciled as the command line does (the daemon's default thresholds).
    package func reconcile(asOf: Timestamp?, verify: Bool, now: Timestamp = .now()) throws -> SitesReconciliation {
        try FileManager.default.createDirectory(atPath: mirrorFolder, withIntermediateDirectories: true)
        return try Ledger.reconcileSites(database: database, mirrorFolder: mirrorFolder, asOf: asOf, config: ReconciliationConfig(), verify: verify,
                                         counterparts: [], now: now)
    }
}

/// One site of a chain-wide reconciliation: its report, or why it could not be reconciled.
package struct SiteReconciliation: Sendable {
    /// The ledger's origin and its address (without a password).
    package let origin: String
    package let ledger: String
    /// From its genesis entry, once its entries were checked.
    package var facilityName: String?
    package var deaNumber: String?
    package var report: ReconciliationReport?
    /// The error that stopped its check or its reconciliation (the integrity check, most often).
    package var failure: LedgerError?

    init(origin: String, ledger: String) {
        self.origin = origin
        self.ledger = ledger
    }
}

/// Every site of a database, reconciled: text grouped by site, JSON with one object per site, the exit status.
package struct SitesReconciliation: Sendable {
    /// The database's address (without a password).
    package let database: String
    /// In the order of their origins.
    package let sites: [SiteReconciliation]

    package var failed: [SiteReconciliation] { sites.filter { $0.failure != nil } }

    /// The most severe open finding across the sites reconciled; nil when none is open.
    package var worstOpen: Severity? { sites.compactMap { $0.report?.worstOpen }.max() }

    /// The exit status of a single reconcile, the worst across sites: a site's error's status (1 for a failed
    /// integrity check, 3 for the store), 1 when an open finding is at least `failOn`, else 0.
    package func exitStatus(failOn: Severity?) -> Int32 {
        sites.reduce(Int32(0)) { status, site in
            if let failure = site.failure { return max(status, failure.code.exitStatus) }
            if let failOn, site.report?.hasOpen(atLeast: failOn) == true { return max(status, 1) }
            return status
        }
    }

    /// One line: "N open: a critical, b warning, c info; r resolved".
    static func counts(_ report: ReconciliationReport) -> String {
        let open = report.open
        let bySeverity = Severity.allCases.reversed().map { s in "\(open.filter { $0.severity == s }.count) \(s.rawValue)" }
        return "\(open.count) open: \(bySeverity.joined(separator: ", ")); \(report.resolved.count) resolved"
    }

    /// Each site in turn (origin, facility name, DEA number, then its report as a single reconcile prints it),
    /// then one summary line per site.
    package func text(all: Bool = false) -> String {
        var out: [String] = []
        let n = sites.count
        out.append("Reconciliation of \(n) site(s) in \(database)")
        out.append("Rule 13 matches each site's transfers with the receipts recorded at the other sites that passed their check.")
        for (i, site) in sites.enumerated() {
            out.append("")
            out.append("== Site \(i + 1) of \(n): \(site.origin)")
            if let name = site.facilityName, let dea = site.deaNumber { out.append("Facility \(name), DEA \(dea)") }
            if let failure = site.failure {
                out.append("FAILED   \(failure.message) [\(failure.code.rawValue)]")
                out.append("         Not reconciled, and not given to the other sites' rule 13 (their transfers with it are not matched).")
            } else if let report = site.report {
                out.append(report.text(all: all, ledger: site.ledger).trimmingCharacters(in: .newlines))
            }
        }
        out.append("")
        out.append("Summary")
        let width = min(sites.map(\.origin.count).max() ?? 0, 60)
        for site in sites {
            let origin = site.origin.padding(toLength: max(width, site.origin.count), withPad: " ", startingAt: 0)
            let who = site.facilityName.map { name in "\(name) (\(site.deaNumber ?? ""))  " } ?? ""
            if let failure = site.failure {
                out.append("\(origin)  \(who)FAILED: \(failure.message.prefix(160)) [\(failure.code.rawValue)]")
            } else if let report = site.report {
                out.append("\(origin)  \(who)\(Self.counts(report))")
            }
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// `{"database", "sites": [...], "summary"}`: each site an object with `origin`, `ledger`, `status` (`reconciled`
    /// or `failed`), `facility_name` and `dea_number` once checked, and either every member of a single reconcile's
    /// JSON report (`as_of`, `summary`, `findings`, ...) or `error` (`code`, `message`).
    package func json(all: Bool = false) -> JSONValue {
        var totals: [String: Int] = ["sites": sites.count, "reconciled": 0, "failed": 0, "open": 0]
        for s in Severity.allCases { totals[s.rawValue] = 0 }
        let objects: [JSONValue] = sites.map { site in
            var o: [String: JSONValue] = ["origin": .string(site.origin), "ledger": .string(site.ledger)]
            if let name = site.facilityName { o["facility_name"] = .string(name) }
            if let dea = site.deaNumber { o["dea_number"] = .string(dea) }
            if let failure = site.failure {
                totals["failed", default: 0] += 1
                o["status"] = .string("failed")
                o["error"] = .object(["code": .string(failure.code.rawValue), "message": .string(failure.message)])
            } else if let report = site.report {
                totals["reconciled", default: 0] += 1
                totals["open", default: 0] += report.open.count
                for f in report.open { totals[f.severity.rawValue, default: 0] += 1 }
                o["status"] = .string("reconciled")
                for (k, v) in report.json(all: all).objectValue ?? [:] { o[k] = v }
            }
            return .object(o)
        }
        return .object([
            "database": .string(database),
            "sites": .array(objects),
            "summary": .object(totals.mapValues { .number(Double($0)) }),
        ])
    }
}
