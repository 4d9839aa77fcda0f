import CSLedgerKit
import Dispensing
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LedgerCore
import LedgerServer
import Testing

/// Issue 18 through the daemon's router: malformed numbers in every route's query and path, the bearer
/// scheme in any case, raw statements of an unknown type, control characters in text.
@Suite("csledgerd refuses hostile input, round two")
struct HostileRoundTwoRouterTests {
    /// Every malformed number: negative, huge (Int64 and UInt64 edges, 2^53), not a number at all.
    static let malformed = ["-1", "-9223372036854775808", "9223372036854775807", "9223372036854775800", "9223372036854775808",
                            "18446744073709551615", "18446744073709551616", "9007199254740992", "99999999999999999999999",
                            "abc", "1e3", "0x10", "1.5", "+1", "%2D1", "%20", "1%00", "%E2%80%AE1", "%EF%BC%91"]

    /// Each numeric parameter of every route, as a URI template (`V` is replaced), and whether 0 is malformed there.
    static let numberURIs: [(uri: String, zeroIsMalformed: Bool)] = [
        ("/v1/entries?from=V", false), ("/v1/entries?limit=V", true), ("/v1/entries?from=V&limit=100", false),
        ("/v1/entries?from=1&limit=V", true), ("/v1/entries/V", false), ("/v1/proofs/inclusion/V", false),
        ("/v1/proofs/inclusion/V?format=tlog", false), ("/v1/proofs/consistency?old_size=V", true),
    ]

    /// The other parameters: a value of the wrong kind for each.
    static let otherURIs = [
        "/v1/reconciliation?all=maybe", "/v1/reconciliation?verify=2", "/v1/reconciliation?format=xml",
        "/v1/reconciliation?as_of=yesterday", "/v1/reconciliation?as_of=99999-01-01", "/v1/inventory?as_of=2026-13-45",
        "/v1/inventory?lot=%1B%5B2J", "/v1/lots/KT1?ndc=%1B%5B2J", "/v1/entries?from=1&from=2", "/v1/entries?from=%ZZ",
    ]

    @Test("every route's numbers: a malformed one is a 400 naming the parameter; the daemon answers the next request")
    func malformedNumbers() async throws {
        let f = try AllRolesFixture()
        let token = f.tokens[.compliance]!
        let uris = Self.numberURIs.flatMap { t in (Self.malformed + (t.zeroIsMalformed ? ["0"] : [])).map { t.uri.replacingOccurrences(of: "V", with: $0) } }
            + Self.otherURIs
        let before = try f.ledger.checkpoint().note
        try await f.app().test(.router) { client in
            for uri in uris {
                try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(token)"]) { r in
                    #expect(r.status == .badRequest, "\(uri): \(r.status) \(String(buffer: r.body))")
                    let json = try JSONParser.parse(Array(r.body.readableBytesView))
                    let message = json["error"]?["message"]?.stringValue ?? ""
                    #expect(json["error"]?["code"]?.stringValue == "invalid-argument" && !message.isEmpty && !TerminalText.hasControl(message), "\(uri): \(message)")
                }
                try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok, "after \(uri)") }
            }
            // The numbers at their edges still work.
            for uri in ["/v1/entries?from=0&limit=1", "/v1/entries?from=9007199254740991&limit=1000", "/v1/entries/0", "/v1/proofs/consistency?old_size=1"] {
                try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(token)"]) { r in
                    #expect(r.status == .ok, "\(uri): \(r.status) \(String(buffer: r.body))")
                }
            }
        }
        #expect(try f.ledger.checkpoint().note == before)
    }

    @Test("the bearer scheme is case-insensitive (RFC 9110); another scheme is refused")
    func bearerScheme() async throws {
        let f = try ServerFixture()
        let token = f.tokens["pharmacist"]!
        try await f.app().test(.router) { client in
            for header in ["bearer \(token)", "BEARER \(token)", "BeArEr \(token)", "Bearer  \(token)"] {
                try await client.execute(uri: "/v1/me", method: .get, headers: [.authorization: header]) { r in
                    #expect(r.status == .ok, "\(header.prefix(8)): \(r.status)")
                }
            }
            for header in ["Basic \(token)", "Bearer", "bearer ", "Bearer\(token)", "\(token)"] {
                try await client.execute(uri: "/v1/me", method: .get, headers: [.authorization: header]) { r in
                    #expect(r.status == .unauthorized, "\(header.prefix(8)): \(r.status)")
                }
            }
        }
    }

    @Test("a writer who is not an admin cannot record a type the ledger does not know, of any name; an admin can")
    func rawTypes() async throws {
        let f = try AllRolesFixture()
        let size = try f.ledger.database.size()
        try await f.app().test(.router) { client in
            for role in [Role.pharmacist, .clinician, .compliance] {
                for type in ["note.recorded", "test.note", "lot.received2", "dose.administered.extra"] {
                    let key = f.keys[role]!
                    let s = try Statement(type: type, time: .now(), actor: key.keyID, log: try f.ledger.origin(), body: ["text": "hello"])
                    let body = ByteBuffer(string: Draft(signed: try SignedStatement(statement: s, actorKey: key)).fileText)
                    try await client.execute(uri: "/v1/statements", method: .post, headers: [.authorization: "Bearer \(f.tokens[role]!)"], body: body) { r in
                        #expect(r.status == .forbidden, "\(role) \(type): \(r.status)")
                        #expect(String(buffer: r.body).contains("\"code\":\"role-not-allowed\""), "\(String(buffer: r.body))")
                    }
                }
            }
            let s = try Statement(type: "note.recorded", time: .now(), actor: f.facility.keyID, log: try f.ledger.origin(), body: ["text": "by the admin"])
            let body = ByteBuffer(string: Draft(signed: try SignedStatement(statement: s, actorKey: f.facility)).fileText)
            try await client.execute(uri: "/v1/statements", method: .post, headers: [.authorization: "Bearer \(f.tokens[.admin]!)"], body: body) { r in
                #expect(r.status == .created, "\(String(buffer: r.body))")
            }
        }
        #expect(try f.ledger.database.size() == size + 1)
    }

    @Test("control characters in any text field are refused, through statements and personal data")
    func controlCharacters() async throws {
        let f = try AllRolesFixture()
        let size = try f.ledger.database.size()
        let admin = f.facility
        try await f.app().test(.router) { client in
            for text in ["Eve\u{1B}[2J", "line\nbreak", "tab\there", "del\u{7F}", "c1\u{9B}31m", "nul\u{0}"] {
                let s = try Statement(type: "note.recorded", time: .now(), actor: admin.keyID, log: try f.ledger.origin(), body: ["nested": ["name": .string(text)]])
                let body = ByteBuffer(string: Draft(signed: try SignedStatement(statement: s, actorKey: admin)).fileText)
                try await client.execute(uri: "/v1/statements", method: .post, headers: [.authorization: "Bearer \(f.tokens[.admin]!)"], body: body) { r in
                    #expect(r.status == .unprocessableContent, "\(r.status)")
                    #expect(String(buffer: r.body).contains("nested.name holds a control character"), "\(String(buffer: r.body))")
                }
                let escaped = String(decoding: JCS.serialize(.string(text)), as: UTF8.self)
                let patient = ByteBuffer(string: #"{"name":\#(escaped),"address":"1 Test St","date_of_birth":"1980-01-01"}"#)
                try await client.execute(uri: "/v1/patients", method: .post, headers: [.authorization: "Bearer \(f.tokens[.pharmacist]!)"], body: patient) { r in
                    #expect((400..<500).contains(r.status.code) && String(buffer: r.body).contains("control character"), "\(r.status) \(String(buffer: r.body))")
                }
            }
        }
        #expect(try f.ledger.database.size() == size)
    }
}
