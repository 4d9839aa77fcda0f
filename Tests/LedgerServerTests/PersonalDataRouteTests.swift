import CSLedgerKit
import Dispensing
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LedgerCore
import LedgerServer
import Testing

/// The routes that keep personal data off the chain for systems that record through the daemon.
@Suite("csledgerd: patients and delivery signers")
struct PersonalDataRouteTests {
    @Test("a patient: kept with a commitment that matches, never echoed; bad input refused with the field named")
    func patients() async throws {
        let f = try AllRolesFixture()
        let auth: HTTPFields = [.authorization: "Bearer \(f.tokens[.pharmacist]!)"]
        try await f.app().test(.router) { client in
            let good = #"{"name":"Marguerite Oyelaran","address":"77 Ironwood Ct","date_of_birth":"1966-09-30"}"#
            try await client.execute(uri: "/v1/patients", method: .post, headers: auth, body: ByteBuffer(string: good)) { r in
                #expect(r.status == .created)
                let text = String(buffer: r.body)
                #expect(!text.contains("Marguerite") && !text.contains("Ironwood"), "the answer repeats the data: \(text)")
                let answer = try JSONParser.parse(text)
                let ref = try #require(answer["ref"]?.stringValue)
                let kept = try #require(try f.ledger.personalData.disclose(ref))
                #expect(kept.data["name"] == .string("Marguerite Oyelaran"))
                #expect(PersonalData.commitment(salt: kept.salt, data: kept.data) == answer["commitment"]?.stringValue)
            }
            let refusals: [(String, HTTPResponse.Status, String)] = [
                ("not json", .badRequest, "invalid-json"),
                (#"{"name":"Marguerite Oyelaran","address":"77 Ironwood Ct"}"#, .unprocessableContent, "date_of_birth is required"),
                (#"{"name":"Marguerite Oyelaran","address":"77 Ironwood Ct","date_of_birth":"2999-01-01"}"#, .unprocessableContent,
                 "date_of_birth must be a past date"),
                (#"{"name":"  ","address":"77 Ironwood Ct","date_of_birth":"1966-09-30"}"#, .unprocessableContent, "name must be 1 to 200 characters"),
                (#"{"name":7,"address":"77 Ironwood Ct","date_of_birth":"1966-09-30"}"#, .unprocessableContent, "name must be a string"),
            ]
            for (body, status, says) in refusals {
                try await client.execute(uri: "/v1/patients", method: .post, headers: auth, body: ByteBuffer(string: body)) { r in
                    let text = String(buffer: r.body)
                    #expect(r.status == status && text.contains(says), "\(body): \(r.status) \(text)")
                    #expect(!text.contains("Marguerite") && !text.contains("Ironwood"))
                }
            }
        }
        #expect(try f.ledger.personalData.references(kind: .patient, limit: 10).count == 2, "the fixture's patient and the one added")
    }

    @Test("a delivery signer: the image kept under its SHA-256; an unreferenced signer can be removed, a referenced one not")
    func deliverySigners() async throws {
        let f = try AllRolesFixture()
        let auth: HTTPFields = [.authorization: "Bearer \(f.tokens[.clinician]!)"]
        let image = [UInt8]([0x89, 0x50, 0x4E, 0x47]) + Array("signature \(UUID())".utf8)
        let digest = Hash.sha256(image).hex
        try await f.app().test(.router) { client in
            func add(_ body: String) async throws -> (HTTPResponse.Status, JSONValue?, String) {
                try await client.execute(uri: "/v1/delivery-signers", method: .post, headers: auth, body: ByteBuffer(string: body)) { r in
                    (r.status, try? JSONParser.parse(String(buffer: r.body)), String(buffer: r.body))
                }
            }
            let (status, answer, _) = try await add(#"{"name":"Ignatius Brackenridge","id_last_digits":"0193","signature_image":"\#(Base64.encode(image))","signature_image_type":"png"}"#)
            #expect(status == .created)
            #expect(answer?["signature_image_sha256"]?.stringValue == digest)
            let kept = f.ledger.filesDirectory.appendingPathComponent("proof-of-delivery/\(digest).png")
            #expect(FileManager.default.contents(atPath: kept.path) == Data(image))
            let ref = try #require(answer?["ref"]?.stringValue)

            // Refusals: no image, not base64, too large, ID digits that are more than the last few.
            let big = Base64.encode([UInt8](repeating: 7, count: Ledger.maxSignatureImageBytes + 1))
            for (body, says) in [(#"{"name":"Ignatius Brackenridge"}"#, "signature_image is required"),
                                 (#"{"name":"Ignatius Brackenridge","signature_image":"%%%"}"#, "signature_image must be the image in base64"),
                                 (#"{"name":"Ignatius Brackenridge","signature_image":"\#(big)"}"#, "larger than 1 MB"),
                                 (#"{"name":"Ignatius Brackenridge","id_last_digits":"123456789","signature_image":"AAAA"}"#, "last 1 to 6 letters or digits")] {
                let (s, _, text) = try await add(body)
                #expect(s == .unprocessableContent && text.contains(says), "\(s) \(text.prefix(300))")
                #expect(!text.contains("Ignatius"))
            }

            // A photo of a paper slip (200 KB) fits this route's larger limit, for a caller with a token only.
            let photo = Base64.encode([UInt8](repeating: 0x5a, count: 200 * 1024))
            let photoBody = #"{"name":"Photo Signer","signature_image":"\#(photo)","signature_image_type":"jpg"}"#
            #expect(try await add(photoBody).0 == .created)
            try await client.execute(uri: "/v1/delivery-signers", method: .post, body: ByteBuffer(string: photoBody)) { r in
                #expect(r.status == .contentTooLarge, "without a token the 64 KB limit holds: \(r.status)")
            }

            // An entry names the signer: it stays. Another, unreferenced, goes; then it is not found.
            // An admin's raw note (only an admin may record a type the ledger does not know).
            let actor = f.keys[.admin]!
            let note = try Statement(type: "test.note", time: .now(), actor: actor.keyID, log: try f.ledger.origin(), body: ["signer": answer!])
            try await client.execute(uri: "/v1/statements", method: .post, headers: [.authorization: "Bearer \(f.tokens[.admin]!)"],
                                     body: ByteBuffer(string: Draft(signed: try SignedStatement(statement: note, actorKey: actor)).fileText)) {
                #expect($0.status == .created)
            }
            try await client.execute(uri: "/v1/delivery-signers/\(ref)?signature_image_sha256=\(digest)", method: .delete, headers: auth) { r in
                #expect(r.status == .conflict && String(buffer: r.body).contains("\"code\":\"in-use\""))
            }
            #expect(FileManager.default.contents(atPath: kept.path) == Data(image), "a named signer's image stays")
            let (_, unused, _) = try await add(#"{"name":"Unused Signer","signature_image":"AAAA","signature_image_type":"png"}"#)
            let unusedRef = try #require(unused?["ref"]?.stringValue)
            let unusedImage = try #require(unused?["signature_image_sha256"]?.stringValue)
            let unusedFile = f.ledger.filesDirectory.appendingPathComponent("proof-of-delivery/\(unusedImage).png").path
            #expect(FileManager.default.fileExists(atPath: unusedFile))
            try await client.execute(uri: "/v1/delivery-signers/\(unusedRef)?signature_image_sha256=XYZ", method: .delete, headers: auth) { r in
                #expect(r.status == .unprocessableContent && String(buffer: r.body).contains("64 lowercase hex digits"))
            }
            try await client.execute(uri: "/v1/delivery-signers/\(unusedRef)?signature_image_sha256=\(unusedImage)", method: .delete,
                                     headers: auth) { #expect($0.status == .noContent) }
            #expect(!FileManager.default.fileExists(atPath: unusedFile), "the unused signature image is removed with its signer")
            try await client.execute(uri: "/v1/delivery-signers/\(unusedRef)", method: .delete, headers: auth) { #expect($0.status == .notFound) }
            // A patient is not a delivery signer: this route never removes one.
            try await client.execute(uri: "/v1/delivery-signers/\(f.patientRef)", method: .delete, headers: auth) { #expect($0.status == .notFound) }
        }
        #expect(try f.ledger.personalData.reference(f.patientRef).ref == f.patientRef, "the patient is still on file")
        #expect(try f.ledger.verify().isClean)
    }
}
