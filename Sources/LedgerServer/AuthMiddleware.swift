import CSLedgerKit
import HTTPTypes
import Hummingbird
import LedgerCore
import Logging

/// Resolves `Authorization: Bearer <token>` to an enrolled signer, and logs every request in
/// structured form (method, path, status, signer key id, duration; never bodies or patient data).
struct AuthMiddleware: RouterMiddleware {
    typealias Context = LedgerRequestContext
    let tokens: TokenCache

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var context = context
        var status = 500
        defer {
            let d = (ContinuousClock.now - start).components
            let ms = Double(d.seconds) * 1000 + Double(d.attoseconds) / 1e15
            context.logger.info("request", metadata: [
                "method": .string(request.method.rawValue), "path": .string(request.uri.path), "status": .stringConvertible(status),
                "signer": .string(context.signer?.keyID.short ?? "-"), "ms": .string(String(format: "%.2f", ms)),
            ])
        }
        do {
            if let header = request.headers[.authorization] {
                guard let token = Self.bearerToken(header), let holder = try await tokens.holder(of: token) else {
                    throw APIError(.unauthorized, .invalidToken, "the bearer token is unknown, expired or revoked")
                }
                context.signer = holder.signer
                context.scope = holder.scope
            }
            let response = try await next(request, context)
            status = response.status.code
            return response
        } catch let e as any HTTPResponseError {
            status = e.status.code
            throw e
        } catch let e as LedgerError {
            let api = APIError(e)
            status = api.status.code
            throw api
        }
    }

    /// The token of an `Authorization: Bearer TOKEN` header. The scheme name is case-insensitive and may be
    /// followed by more than one space (RFC 9110 §11.1, §11.4); nil for another scheme or no token.
    static func bearerToken(_ header: String) -> String? {
        let scheme = header.prefix { $0 != " " }
        guard scheme.lowercased() == "bearer" else { return nil }
        let token = header.dropFirst(scheme.count).drop { $0 == " " }
        guard !token.isEmpty else { return nil }
        return String(token)
    }
}
