import Foundation
import HTTPTypes
import Hummingbird
import LedgerCore

/// An API error: an HTTP status, a stable code and one sentence, sent as
/// `{"error":{"code":"...","message":"..."}}`. Never carries request bodies.
public struct APIError: HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    /// The API form of a ledger error.
    public init(_ error: LedgerError) {
        let status: HTTPResponse.Status
        switch error.code {
        case .notFound, .ledgerMissing: status = .notFound
        case .roleNotAllowed: status = .forbidden
        case .ledgerCorrupt, .ledgerTampered, .ledgerChanged, .storage, .diskFull, .ledgerReadOnly: status = .serviceUnavailable
        case .alreadyEnrolled: status = .conflict
        default: status = .unprocessableContent
        }
        self.init(status, error.code.rawValue, error.message)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = JCS.serialize(.object(["error": .object(["code": .string(code), "message": .string(message)])]))
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
