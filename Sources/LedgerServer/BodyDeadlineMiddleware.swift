import Hummingbird
import NIOCore

/// Reads a request's whole body (at most `APIConfiguration.maxBodyBytes`) within `timeout`, so a
/// client that sends its body a byte at a time cannot hold a handler (and its connection) for long.
/// Too slow gives 408; too large gives 413. Requests without a body pass straight through.
struct BodyDeadlineMiddleware: RouterMiddleware {
    typealias Context = LedgerRequestContext
    let timeout: Duration

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .post || request.method == .put || request.method == .patch else {
            return try await next(request, context)
        }
        let body = request.body
        let limit = APIConfiguration.maxBodyBytes
        let timeout = self.timeout
        let collected: ByteBuffer? = try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
            group.addTask {
                // Too large: the API's JSON error, not a bare 413.
                do { return try await body.collect(upTo: limit) } catch is CancellationError {
                    throw CancellationError()
                } catch {
                    throw APIError(.contentTooLarge, "body-too-large", "the request body is larger than \(limit / 1024) KB")
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
        guard let collected else {
            throw APIError(.requestTimeout, "request-timeout", "the request body did not arrive within \(timeout.components.seconds) seconds")
        }
        var request = request
        request.body = .init(buffer: collected)
        return try await next(request, context)
    }
}
