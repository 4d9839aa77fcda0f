import Foundation
import HTTPTypes
import Hummingbird
import LedgerCore

/// An API error: an HTTP status, a stable code and one sentence, sent as
/// `{"error":{"code":"...","message":"..."}}`. Never carries request bodies.
package struct APIError: HTTPResponseError, Sendable {
    package let status: HTTPResponse.Status
    package let code: LedgerError.Code
    package let message: String

    /// A refusal of the request's own shape (a malformed query, path or body: 400), or one whose status the route
    /// knows better than the code's default.
    package init(_ status: HTTPResponse.Status, _ code: LedgerError.Code, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    /// The API form of a ledger error, with the status its code maps to (`LedgerError.Code.httpStatus`).
    package init(_ error: LedgerError) {
        self.init(HTTPResponse.Status(code: error.code.httpStatus), error.code, error.message)
    }

    package func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = JCS.serialize(.object(["error": .object(["code": .string(code.rawValue), "message": .string(message)])]))
        var headers: HTTPFields = [.contentType: "application/json"]
        // The store is out of reach for now (PostgreSQL restarting): nothing was written, the client may try again shortly.
        if code == .serverUnavailable { headers[.retryAfter] = "1" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
