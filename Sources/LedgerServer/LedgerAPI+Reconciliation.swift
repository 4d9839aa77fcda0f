import CSLedgerKit
import Foundation
import HTTPTypes
import Hummingbird
import LedgerAccess
import LedgerCore
import NIOCore
import Reconciliation

extension LedgerAPI {
    /// Who may read the reconciliation: the compliance officer, who reconciles and resolves.
    /// (Resolutions are `finding.resolved` statements posted to `/v1/statements`.)
    static let reconcilers: Set<Role> = [.compliance]

    /// The header naming the most severe open finding (`critical`, `warning`, `info` or `none`),
    /// so a client can gate on it whatever format it asked for.
    static let worstOpenHeader = HTTPField.Name("Csledger-Worst-Open")!
    /// `/v1/sites/reconciliation`: how many sites the database holds, and those that could not be reconciled as
    /// `CODE:ORIGIN` separated by spaces (an origin holds no space), so a client can give the exit status a
    /// command line reconciling them directly gives, whatever format it asked for.
    static let sitesHeader = HTTPField.Name("Csledger-Sites")!
    static let failedSitesHeader = HTTPField.Name("Csledger-Failed-Sites")!

    /// `GET /v1/reconciliation`: every finding as of `as_of` (event time; default now), open only
    /// unless `all=true`; `verify=false` skips the integrity rule; `format=text` for the printed report.
    func addReconciliationRoutes(to router: Router<LedgerRequestContext>) {
        let api = self
        router.get("/v1/reconciliation") { request, context in
            _ = try context.require(Self.reconcilers)
            let q = try Self.query(request, "/v1/reconciliation")
            let all = q.flag("all") ?? false
            let verify = q.flag("verify") ?? true
            // From the state kept as entries are appended, unless `full=true` asks for a pass over every entry.
            let report = q.flag("full") ?? false
                ? try api.ledger.reconcile(asOf: q.time("as_of"), verify: verify)
                : try api.ledger.reconcile(asOf: q.time("as_of"), verify: verify, state: api.reconciliation)
            let worst = report.worstOpen?.rawValue ?? "none"
            var response: Response
            switch q.text("format") ?? "json" {
            case "json": response = Self.json(report.json(all: all))
            case "text": response = Self.text(report.text(all: all, ledger: try api.ledger.origin()))
            default: throw APIError(.badRequest, .invalidArgument, "format must be json or text")
            }
            response.headers[Self.worstOpenHeader] = worst
            return response
        }
        // Every site of the database this ledger is kept in, for a compliance officer's group token: the reconciliation
        // `csledger reconcile --ledger postgresql://USER@HOST:PORT/DB` prints, computed here from scratch.
        router.get("/v1/sites/reconciliation") { request, context in
            _ = try context.requireGroup(Self.reconcilers)
            let q = try Self.query(request, "/v1/sites/reconciliation")
            guard let sites = api.sites else {
                throw APIError(.notFound, .notFound, "this daemon serves a ledger file, which holds one site; use /v1/reconciliation")
            }
            let all = q.flag("all") ?? false
            let format = q.text("format") ?? "json"
            guard ["json", "text"].contains(format) else { throw APIError(.badRequest, .invalidArgument, "format must be json or text") }
            let asOf = q.time("as_of"), verify = q.flag("verify") ?? true
            let result = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<SitesReconciliation, any Error>) in
                api.sitesQueue.async { continuation.resume(with: Result { try sites.reconcile(asOf: asOf, verify: verify) }) }
            }
            var response = format == "json" ? Self.json(result.json(all: all)) : Self.text(result.text(all: all))
            response.headers[Self.worstOpenHeader] = result.worstOpen?.rawValue ?? "none"
            response.headers[Self.sitesHeader] = String(result.sites.count)
            response.headers[Self.failedSitesHeader] = result.failed.compactMap { site in
                site.failure.map { "\($0.code.rawValue):\(site.origin)" }
            }.joined(separator: " ")
            return response
        }
    }
}
