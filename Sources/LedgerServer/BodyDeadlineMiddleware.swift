import Hummingbird
import NIOCore

/// Reads a request's whole body (at most `APIConfiguration.bodyLimit(path:)`) before the handler runs.
/// Too large gives 413. Too slow gives 408: the deadline itself is kept by `BodyDeadlineHandler` in
/// the connection's pipeline, which fails the body stream when the time is up (no timer task per
/// request). Requests without a body pass straight through.
struct BodyDeadlineMiddleware: RouterMiddleware {
    typealias Context = LedgerRequestContext
    let timeout: Duration

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .post || request.method == .put || request.method == .patch else {
            return try await next(request, context)
        }
        // The larger limit of an image upload only for a caller with a valid token.
        let limit = context.signer == nil ? APIConfiguration.maxBodyBytes : APIConfiguration.bodyLimit(path: request.uri.path)
        let collected: ByteBuffer
        do { collected = try await request.body.collect(upTo: limit) } catch is BodyDeadlineHandler.Exceeded {
            throw APIError(.requestTimeout, .requestTimeout, "the request body did not arrive within \(timeout.components.seconds) seconds")
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            // Too large: the API's JSON error, not a bare 413.
            throw APIError(.contentTooLarge, .bodyTooLarge, "the request body is larger than \(limit / 1024) KB")
        }
        var request = request
        request.body = .init(buffer: collected)
        return try await next(request, context)
    }
}
