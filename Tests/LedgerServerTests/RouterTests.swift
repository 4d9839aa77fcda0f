import CSLedgerKit
import Foundation
import Hummingbird
import HummingbirdTesting
import LedgerCore
import LedgerServer
import LedgerStore
import Logging
import Testing

/// A ledger in a temp folder with a facility, a pharmacist and a regulator, each with a token.
struct ServerFixture {
    let dir: URL
    let ledger: Ledger
    let facility = SignerKey(), pharmacist = SignerKey(), regulator = SignerKey()
    let tokens: [String: String]

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("csledgerd-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        ledger = try Ledger.create(path: dir.appendingPathComponent("l.sqlite").path, origin: "test.example/ledger",
                                   facilityName: "Test", deaNumber: "BD1234563", facilityKey: facility)
        try ledger.enroll(name: "Pharmacist", role: .pharmacist, publicKey: pharmacist.publicKey, adminKey: facility, facilityKey: facility)
        try ledger.enroll(name: "Regulator", role: .regulator, publicKey: regulator.publicKey, adminKey: facility, facilityKey: facility)
        let t = APITokens(database: ledger.database)
        tokens = ["admin": try t.issue(for: facility.keyID, expires: nil).token,
                  "pharmacist": try t.issue(for: pharmacist.keyID, expires: nil).token,
                  "regulator": try t.issue(for: regulator.keyID, expires: nil).token]
    }

    func app() throws -> some ApplicationProtocol {
        try LedgerServer.application(ledger: ledger, facilityKey: facility, host: "127.0.0.1", port: 0, logger: Logger(label: "test"))
    }

    func auth(_ role: String) -> HTTPFields { [.authorization: "Bearer \(tokens[role]!)"] }

    /// A raw statement signed by `key`, as a client sends it.
    func body(_ key: SignerKey, type: String = "test.note") throws -> ByteBuffer {
        let s = try Statement(type: type, time: .now(), actor: key.keyID, log: try ledger.origin(), body: ["text": "hello"])
        let signed = try SignedStatement(statement: s, actorKey: key)
        return ByteBuffer(string: Draft(signed: signed).fileText)
    }
}

@Suite("csledgerd routes and roles")
struct RouterTests {
    @Test("health needs no token; reads need one; roles hold per endpoint")
    func rolesPerEndpoint() async throws {
        let f = try ServerFixture()
        try await f.app().test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/v1/checkpoint", method: .get) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/v1/checkpoint", method: .get, headers: [.authorization: "Bearer csl_nope"]) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(uri: "/v1/checkpoint", method: .get, headers: f.auth("regulator")) { r in
                #expect(r.status == .ok)
                #expect(String(buffer: r.body).hasPrefix("test.example/ledger\n3\n"))
            }
            try await client.execute(uri: "/v1/signers", method: .get, headers: f.auth("pharmacist")) { #expect($0.status == .forbidden) }
            try await client.execute(uri: "/v1/signers", method: .get, headers: f.auth("regulator")) { #expect($0.status == .ok) }
            try await client.execute(uri: "/v1/inventory", method: .get, headers: f.auth("regulator")) { #expect($0.status == .forbidden) }
            try await client.execute(uri: "/v1/inventory", method: .get, headers: f.auth("pharmacist")) { #expect($0.status == .ok) }
            try await client.execute(uri: "/v1/entries?from=0&limit=2", method: .get, headers: f.auth("regulator")) { r in
                #expect(String(buffer: r.body).split(separator: "\n").count == 2)
            }
            try await client.execute(uri: "/v1/entries/1", method: .get, headers: f.auth("regulator")) { r in
                let expected = try f.ledger.database.entryBytes(1)
                #expect(Array(r.body.readableBytesView) == expected)
            }
            try await client.execute(uri: "/v1/entries/99", method: .get, headers: f.auth("regulator")) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/v1/proofs/inclusion/1", method: .get, headers: f.auth("regulator")) { #expect($0.status == .ok) }
            try await client.execute(uri: "/v1/proofs/consistency?old_size=1", method: .get, headers: f.auth("regulator")) { #expect($0.status == .ok) }
        }
    }

    @Test("writes: signed by the token's signer, verified by the daemon, refused otherwise")
    func writes() async throws {
        let f = try ServerFixture()
        try await f.app().test(.router) { client in
            // The facility (admin) appends a raw note.
            try await client.execute(uri: "/v1/statements", method: .post, headers: f.auth("admin"), body: try f.body(f.facility)) { r in
                #expect(r.status == .created)
            }
            // A regulator may not write.
            try await client.execute(uri: "/v1/statements", method: .post, headers: f.auth("regulator"), body: try f.body(f.regulator)) {
                #expect($0.status == .forbidden)
            }
            // A token never lets anyone sign as someone else.
            try await client.execute(uri: "/v1/statements", method: .post, headers: f.auth("pharmacist"), body: try f.body(f.facility)) {
                #expect($0.status == .forbidden)
            }
            // A tampered signature is refused by the append path.
            var bad = try f.body(f.facility)
            var text = String(buffer: bad)
            text = text.replacingOccurrences(of: "hello", with: "hellp")
            bad = ByteBuffer(string: text)
            try await client.execute(uri: "/v1/statements", method: .post, headers: f.auth("admin"), body: bad) { r in
                #expect(r.status == .unprocessableContent)
                #expect(String(buffer: r.body).contains("signature-invalid"))
            }
            try await client.execute(uri: "/v1/statements", method: .post, headers: f.auth("admin"), body: ByteBuffer(string: "{\"a\":1,\"a\":2}")) {
                #expect($0.status == .badRequest)
            }
            try await client.execute(uri: "/v1/statements", method: .post, headers: f.auth("admin"),
                                     body: ByteBuffer(repeating: 0x20, count: 200_000)) { #expect($0.status == .contentTooLarge) }
        }
        #expect(try f.ledger.verify().isClean)
        #expect(try f.ledger.database.size() == 4)
    }

    @Test("every route is in docs/openapi.yaml and every documented path is served")
    func openAPIMatchesRoutes() throws {
        let spec = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/openapi.yaml")
        let text = try String(contentsOf: spec, encoding: .utf8)
        var documented = Set<String>()
        var path: String?
        for line in text.split(separator: "\n") {
            if line.hasPrefix("  /") { path = String(line.dropFirst(2).dropLast()) }
            else if let p = path, line.hasPrefix("    "), !line.hasPrefix("     "), let m = ["get:", "post:", "delete:"].first(where: { line.trimmingCharacters(in: .whitespaces) == $0 }) {
                documented.insert("\(m.dropLast().uppercased()) \(p)")
            }
        }
        let served = Set(LedgerAPI.routes.map { r in
            "\(r.method) " + r.path.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.reduce("") { $0 + "/" + $1 }
        })
        #expect(documented == served)
    }
}
