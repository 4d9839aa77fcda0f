import CSLedgerKit
import Foundation
import Hummingbird
import HummingbirdTesting
import LedgerCore
import LedgerServer
import LedgerStore
import Testing

/// Hostile bodies for `POST /v1/statements` through the daemon's router: each gets a 4xx JSON error with a
/// code and one sentence, and nothing is written (same checkpoint).
@Suite("csledgerd refuses hostile input")
struct HostileInputRouterTests {
    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let body: @Sendable (ServerFixture) throws -> [UInt8]
        var description: String { name }
    }

    static func signed(_ f: ServerFixture, type: String = "test.note", body: [String: JSONValue]) throws -> [UInt8] {
        let s = try Statement(type: type, time: .now(), actor: f.pharmacist.keyID, log: try f.ledger.origin(), body: body)
        return Array(Draft(signed: try SignedStatement(statement: s, actorKey: f.pharmacist)).fileText.utf8)
    }

    static let sql = "'; DROP TABLE entries; --"
    static let cases: [Case] = [
        Case(name: "duplicate keys") { f in
            let text = String(decoding: try signed(f, body: ["text": "a"]), as: UTF8.self)
            return Array(text.replacingOccurrences(of: "\"statement\":{", with: "\"statement\":{},\"statement\":{").utf8)
        },
        Case(name: "duplicate keys inside the statement body") { f in
            let text = String(decoding: try signed(f, body: ["text": "a"]), as: UTF8.self)
            return Array(text.replacingOccurrences(of: "\"text\":\"a\"", with: "\"text\":\"a\",\"text\":\"b\"").utf8)
        },
        Case(name: "invalid UTF-8") { f in
            var b = try signed(f, body: ["text": "aaaa"])
            let i = try #require(b.firstIndex(of: UInt8(ascii: "a")))
            b[i] = 0xff
            return b
        },
        Case(name: "deep nesting") { _ in Array(("{\"statement\":" + String(repeating: "[", count: 10_000)).utf8) },
        Case(name: "huge body") { f in try signed(f, body: ["text": .string(String(repeating: "x", count: 200_000))]) },
        Case(name: "not an object") { _ in Array("[1,2,3]".utf8) },
        Case(name: "empty body") { _ in [] },
        Case(name: "signature of the wrong length") { f in
            Array(String(decoding: try signed(f, body: ["text": "a"]), as: UTF8.self)
                .replacingOccurrences(of: "\"sig\":\"", with: "\"sig\":\"AAAA").utf8)
        },
        Case(name: "signature by another key") { f in
            let s = try Statement(type: "test.note", time: .now(), actor: f.pharmacist.keyID, log: try f.ledger.origin(), body: ["text": "a"])
            return Array(Draft(signed: SignedStatement(statement: s, signatures: [EntrySignature(key: f.pharmacist.keyID,
                signature: f.regulator.sign(s.signingInput))])).fileText.utf8)
        },
        Case(name: "number where a decimal string is required") { f in
            try signed(f, type: "waste.recorded", body: ["lot_id": "70000012310:KV2611A", "quantity": .number(0.5), "reason": "x", "method": "y"])
        },
        Case(name: "zero quantity") { f in
            try signed(f, type: "waste.recorded", body: ["lot_id": "70000012310:KV2611A", "quantity": "0", "reason": "x", "method": "y"])
        },
        Case(name: "negative quantity") { f in
            try signed(f, type: "waste.recorded", body: ["lot_id": "70000012310:KV2611A", "quantity": "-1", "reason": "x", "method": "y"])
        },
        Case(name: "non-numeric quantity") { f in
            try signed(f, type: "waste.recorded", body: ["lot_id": "70000012310:KV2611A", "quantity": .string(sql), "reason": "x", "method": "y"])
        },
        Case(name: "SQL in the lot id") { f in
            try signed(f, type: "waste.recorded", body: ["lot_id": .string(sql), "quantity": "1", "reason": .string(sql), "method": .string(sql)])
        },
        Case(name: "SQL as the statement type") { f in
            Array(String(decoding: try signed(f, body: ["text": "a"]), as: UTF8.self)
                .replacingOccurrences(of: "\"type\":\"test.note\"", with: "\"type\":\"'; DROP TABLE entries; --\"").utf8)
        },
        Case(name: "statement time in the far future") { f in
            let s = try Statement(type: "test.note", time: Timestamp(millisecondsSinceEpoch: 4_102_444_800_000), actor: f.pharmacist.keyID, log: try f.ledger.origin(), body: ["text": "a"])
            return Array(Draft(signed: try SignedStatement(statement: s, actorKey: f.pharmacist)).fileText.utf8)
        },
    ]

    @Test("refused with a 4xx JSON error and nothing written", arguments: cases)
    func refused(_ c: Case) async throws {
        let f = try ServerFixture()
        let body = try c.body(f)
        let (size, checkpoint) = (try f.ledger.database.size(), try f.ledger.checkpoint().note)
        try await f.app().test(.router) { client in
            try await client.execute(uri: "/v1/statements", method: .post, headers: f.auth("pharmacist"), body: ByteBuffer(bytes: body)) { r in
                #expect((400..<500).contains(r.status.code), "\(c.name): \(r.status) \(String(buffer: r.body))")
                let json = try JSONParser.parse(Array(r.body.readableBytesView))
                let code = json["error"]?["code"]?.stringValue ?? ""
                let message = json["error"]?["message"]?.stringValue ?? ""
                #expect(!code.isEmpty && !message.isEmpty && !message.contains("\n"), "\(c.name): \(String(buffer: r.body))")
            }
        }
        #expect(try f.ledger.database.size() == size && f.ledger.checkpoint().note == checkpoint, "\(c.name) wrote something")
    }

    @Test("SQL metacharacters in a free-text field are stored as text")
    func sqlIsText() async throws {
        let f = try ServerFixture()
        // An admin's raw note: only an admin may record a type the ledger does not know.
        let s = try Statement(type: "test.note", time: .now(), actor: f.facility.keyID, log: try f.ledger.origin(), body: ["text": .string(Self.sql)])
        let body = Array(Draft(signed: try SignedStatement(statement: s, actorKey: f.facility)).fileText.utf8)
        try await f.app().test(.router) { client in
            try await client.execute(uri: "/v1/statements", method: .post, headers: f.auth("admin"), body: ByteBuffer(bytes: body)) { r in
                #expect(r.status == .created)
            }
        }
        let last = try f.ledger.database.entry(try f.ledger.database.size() - 1)
        #expect(last.statement.body["text"]?.stringValue == Self.sql)
    }

    @Test("a revoked signer cannot append through the daemon")
    func revoked() async throws {
        let f = try ServerFixture()
        try f.ledger.revoke(keyID: f.pharmacist.keyID, reason: "left", adminKey: f.facility, facilityKey: f.facility)
        let size = try f.ledger.database.size()
        let body = try Self.signed(f, body: ["text": "after revocation"])
        try await f.app().test(.router) { client in
            try await client.execute(uri: "/v1/statements", method: .post, headers: f.auth("pharmacist"), body: ByteBuffer(bytes: body)) { r in
                #expect((400..<500).contains(r.status.code), "\(r.status) \(String(buffer: r.body))")
            }
        }
        #expect(try f.ledger.database.size() == size)
    }
}
