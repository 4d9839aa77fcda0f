import CSLedgerKit
import Hummingbird
import LedgerCore
import Logging

/// Per-request state: who the bearer token says the caller is.
package struct LedgerRequestContext: RequestContext {
    package var coreContext: CoreRequestContextStorage
    /// The signer the token stands for, once authenticated.
    package var signer: Signer?
    /// What the token reaches (`site`, or `group`: every site of the database too), once authenticated.
    package var scope: APITokens.Scope?

    package init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.signer = nil
        self.scope = nil
    }

    /// Largest request body accepted (a statement with its signatures is a few KiB).
    package var maxUploadSize: Int { APIConfiguration.maxBodyBytes }

    /// The authenticated signer, whose role must be one of `roles`; else 401 or 403.
    func require(_ roles: Set<Role>) throws -> Signer {
        guard let signer else { throw APIError(.unauthorized, .unauthenticated, "a bearer token is required") }
        guard roles.contains(signer.role) else {
            throw APIError(.forbidden, .roleNotAllowed,
                           "a \(signer.role.rawValue) may not do this; it needs: \(roles.map(\.rawValue).sorted().joined(separator: ", "))")
        }
        return signer
    }

    /// The authenticated signer, whose role must be one of `roles` and whose token must be a group token; else 401 or 403.
    func requireGroup(_ roles: Set<Role>) throws -> Signer {
        let signer = try require(roles)
        guard scope == .group else {
            throw APIError(.forbidden, .roleNotAllowed,
                           "this token reaches its own site only; every site's reconciliation needs a group token (csledger token issue --group)")
        }
        return signer
    }
}

/// Limits of the API.
package enum APIConfiguration {
    /// Largest request body, in bytes.
    package static let maxBodyBytes = 64 * 1024
    /// Largest body of `POST /v1/delivery-signers`, which carries the carrier's signature image in base64.
    package static let maxImageBodyBytes = 1536 * 1024

    /// The body limit of a request to `path`.
    static func bodyLimit(path: String) -> Int { path == "/v1/delivery-signers" ? maxImageBodyBytes : maxBodyBytes }
    /// Most entries one page of `GET /v1/entries` returns.
    package static let maxPage = 1000
    /// Most statements the writer puts in one transaction.
    package static let maxGroup = 512
    /// A connection silent this long (no request head completed, no body part, no request in
    /// progress) is closed, so a client that trickles a request head cannot hold it forever.
    package static let idleTimeout: Duration = .seconds(30)
    /// Time allowed for a whole request body to arrive once its head is read (slow-body clients get 408).
    package static let bodyTimeout: Duration = .seconds(10)
}
