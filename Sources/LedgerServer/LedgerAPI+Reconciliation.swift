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
    }
}
