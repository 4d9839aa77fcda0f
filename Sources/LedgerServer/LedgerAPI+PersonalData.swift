import CSLedgerKit
import Dispensing
import Foundation
import Hummingbird
import LedgerAccess
import LedgerCore
import NIOCore

extension LedgerAPI {
    /// Who may keep personal data off the chain: whoever records the statements that refer to it.
    static let personalDataWriters: Set<Role> = [.pharmacist, .clinician, .admin]

    /// Personal data kept off the chain, for the systems that record through the daemon what
    /// `csledger patient add` and `csledger deliver` record on a file: the data stays beside the ledger
    /// file; the answer is the reference and commitment a statement then carries. Answers never repeat
    /// the data, and errors never quote it.
    func addPersonalDataRoutes(to router: Router<LedgerRequestContext>) {
        let api = self
        router.post("/v1/patients") { request, context in
            _ = try context.require(Self.personalDataWriters)
            let body = try await Self.jsonObject(request)
            let data = try Self.refusing {
                try PersonalData.patientData(name: try Self.string(body, "name"), address: try Self.string(body, "address"),
                                             dateOfBirth: try Self.string(body, "date_of_birth"))
            }
            // Not on this task's thread: for a ledger in PostgreSQL, the new patient is stored there at once, by a call
            // that waits for its answer (PostgresSession), which must never wait on an event loop or an async task.
            let reference = try await Self.blocking { try Self.refusing { try api.ledger.personalData.add(kind: .patient, data: data) } }
            return Self.json(reference.json, status: .created)
        }
        router.post("/v1/delivery-signers") { request, context in
            _ = try context.require(Self.personalDataWriters)
            let body = try await Self.jsonObject(request)
            let signer = try Self.refusing {
                let data = try PersonalData.deliverySignerData(name: try Self.string(body, "name"),
                                                               idLastDigits: try Self.string(body, "id_last_digits", optional: true),
                                                               idJurisdiction: try Self.string(body, "id_jurisdiction", optional: true))
                guard let image = Base64.decode(try Self.string(body, "signature_image")) else {
                    throw LedgerError(.invalidArgument, "signature_image must be the image in base64")
                }
                let type = try Self.string(body, "signature_image_type", optional: true) ?? ""
                return try api.ledger.addDeliverySigner(data, signatureImage: image, imageType: type)
            }
            var answer = signer.reference.json.objectValue ?? [:]
            answer["signature_image_sha256"] = .string(signer.signatureImageSHA256)
            return Self.json(.object(answer), status: .created)
        }
        router.delete("/v1/delivery-signers/:ref") { request, context in
            _ = try context.require(Self.personalDataWriters)
            let ref = try context.parameters.require("ref")
            let image = try Self.query(request, "/v1/delivery-signers/:ref").text("signature_image_sha256")
            guard try Self.refusing({ try api.ledger.discardDeliverySigner(ref, signatureImageSHA256: image) }) else {
                throw APIError(.conflict, .inUse, "an entry refers to delivery signer \(ref.prefix(40)); it stays on file")
            }
            return Response(status: .noContent)
        }
    }

    /// Runs `work`, which may wait for PostgreSQL, on a thread of Dispatch's rather than the calling task's.
    static func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
        }
    }

    /// The request body as a JSON object (the body middleware has read it whole, within the size limit).
    static func jsonObject(_ request: Request) async throws -> [String: JSONValue] {
        let limit = APIConfiguration.bodyLimit(path: request.uri.path)
        let buffer = try await request.body.collect(upTo: limit)
        // A base64 image is one long string: the parser's limits follow the route's body limit.
        let limits = JSONParser.Limits(maxDepth: 8, maxBytes: limit, maxStringBytes: limit)
        guard let object = (try? JSONParser.parse(Array(buffer.readableBytesView), limits: limits))?.objectValue else {
            throw APIError(.badRequest, .invalidJSON, "the request body must be a JSON object")
        }
        return object
    }

    /// Member `name` of `body` as a string (nil if absent and `optional`).
    static func string(_ body: [String: JSONValue], _ name: String, optional: Bool = false) throws -> String? {
        guard let value = body[name], value != .null else {
            if optional { return nil }
            throw LedgerError(.invalidArgument, "\(name) is required")
        }
        guard let s = value.stringValue else { throw LedgerError(.invalidArgument, "\(name) must be a string") }
        return s
    }

    static func string(_ body: [String: JSONValue], _ name: String) throws -> String {
        try string(body, name, optional: false)!
    }

    /// Runs `body`, turning a `LedgerError` into the API's error answer.
    static func refusing<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as LedgerError { throw APIError(e) }
    }
}
