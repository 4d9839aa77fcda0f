import CSLedgerKit
import Foundation
import HTTPTypes
import Hummingbird
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
            let q = request.uri.queryParameters
            var asOf: Timestamp?
            if let t = q.get("as_of") {
                guard let ts = Timestamp(t, allowDate: true) else { throw APIError(.badRequest, "invalid-argument", "as_of must be a UTC time or a date") }
                asOf = t.count == 10 ? ts.adding(milliseconds: 86_399_999) : ts
            }
            let all = try Self.boolQuery(request, "all") ?? false
            let verify = try Self.boolQuery(request, "verify") ?? true
            let report = try api.ledger.reconcile(asOf: asOf, verify: verify)
            let worst = Severity.allCases.sorted(by: >).first { report.hasOpen(atLeast: $0) }?.rawValue ?? "none"
            var response: Response
            switch q.get("format") ?? "json" {
            case "json": response = Self.json(report.json(all: all))
            case "text": response = Self.text(report.text(all: all, ledger: try api.ledger.origin()))
            default: throw APIError(.badRequest, "invalid-argument", "format must be json or text")
            }
            response.headers[Self.worstOpenHeader] = worst
            return response
        }
    }

    static func boolQuery(_ request: Request, _ name: String) throws -> Bool? {
        guard let v = request.uri.queryParameters.get(name) else { return nil }
        switch v {
        case "true", "1", "": return true
        case "false", "0": return false
        default: throw APIError(.badRequest, "invalid-argument", "\(name) must be true or false")
        }
    }
}
