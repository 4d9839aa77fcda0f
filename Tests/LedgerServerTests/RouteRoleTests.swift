import CSLedgerKit
import Dispensing
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LedgerCore
import LedgerServer
import Logging
import Testing

/// A ledger with one enrolled signer of every role, each with a token, and a lot, a patient and a
/// prescription, so every read route has something to answer with.
struct AllRolesFixture {
    let dir: URL
    let ledger: Ledger
    let facility = SignerKey()
    let keys: [Role: SignerKey]
    let tokens: [Role: String]
    let patientRef: String

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("csledgerd-roles-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        ledger = try Ledger.create(path: dir.appendingPathComponent("l.sqlite").path, origin: "roles.example/ledger",
                                   facilityName: "Roles", deaNumber: "BD1234563", facilityKey: facility)
        var keys: [Role: SignerKey] = [.admin: facility]
        for role in Role.allCases where role != .admin {
            let k = SignerKey()
            try ledger.enroll(name: "The \(role.rawValue)", role: role, publicKey: k.publicKey, adminKey: facility, facilityKey: facility)
            keys[role] = k
        }
        self.keys = keys
        let t = APITokens(database: ledger.database)
        tokens = try keys.mapValues { try t.issue(for: $0.keyID, expires: nil).token }
        let patient = try ledger.personalData.add(kind: .patient, data: ["name": "Test Patient", "address": "1 Test St", "date_of_birth": "1980-01-01"])
        patientRef = patient.ref
        try ledger.record(type: DispensingType.lotReceived, body: [
            "supplier": ["name": "Supplier", "address": "1 Wholesale Way", "dea_number": "RD2345672"], "invoice": "INV-1",
            "drug": ["name": "Ketamine HCl", "strength": "100 mg", "form": "tablet, sublingual"],
            "ndc": "70000-456-30", "lot": "KT1", "expiry": "2030-10-31", "containers": 2, "units_per_container": "30",
            "unit": "tablet", "quantity": "60",
        ], key: keys[.pharmacist]!, witnessKeys: [keys[.witness]!], facilityKey: facility)
        try ledger.record(type: DispensingType.prescriptionAdded, body: [
            "rx_number": "RX-1", "issued": .string(String(Timestamp.now().description.prefix(10))), "patient": patient.json,
            "prescriber": ["name": "Dr. Lin", "address": "2 Clinic Rd", "dea_number": "BL7654329"],
            "drug": ["name": "Ketamine HCl", "strength": "100 mg", "form": "tablet, sublingual"],
            "quantity": "6", "unit": "tablet", "directions": "one daily", "refills_authorized": 1,
        ], key: keys[.pharmacist]!, facilityKey: facility)
    }

    func app() throws -> some ApplicationProtocol {
        try LedgerServer.application(ledger: ledger, facilityKey: facility, host: "127.0.0.1", port: 0, logger: Logger(label: "test"))
    }

    /// A concrete request for each route of the table (parameters filled in with things that exist).
    func uri(_ route: LedgerAPI.Route) -> String {
        switch route.path {
        case "/v1/entries/:seq": return "/v1/entries/1"
        case "/v1/proofs/inclusion/:seq": return "/v1/proofs/inclusion/1"
        case "/v1/proofs/consistency": return "/v1/proofs/consistency?old_size=1"
        case "/v1/lots/:lot": return "/v1/lots/KT1"
        case "/v1/patients/:ref": return "/v1/patients/\(patientRef)"
        case "/v1/prescriptions/:rx": return "/v1/prescriptions/RX-1"
        case "/v1/reconciliation": return "/v1/reconciliation?verify=false"
        case "/tile/**": return "/tile/0/000.p/1"
        default: return route.path
        }
    }

    /// What `role`'s client would send to `route`: a statement signed by its own key, or personal data.
    func body(for role: Role, _ route: LedgerAPI.Route) throws -> ByteBuffer? {
        switch (route.method, route.path) {
        case ("POST", "/v1/statements"): return try body(for: role)
        case ("POST", "/v1/patients"):
            return ByteBuffer(string: #"{"name":"Test Patient","address":"1 Test St","date_of_birth":"1980-01-01"}"#)
        case ("POST", "/v1/delivery-signers"):
            return ByteBuffer(string: #"{"name":"Test Signer","signature_image":"iVBORw0KGgo=","signature_image_type":"png"}"#)
        default: return nil
        }
    }

    /// A request for `route` that succeeds once: a delivery signer that no entry refers to, made for each call.
    func freshURI(_ route: LedgerAPI.Route) throws -> String {
        guard route.path == "/v1/delivery-signers/:ref" else { return uri(route) }
        return "/v1/delivery-signers/\(try ledger.personalData.add(kind: .deliverySigner, data: ["name": "Unused Signer"]).ref)"
    }

    /// A statement signed by `role`'s own key, as its client would post it: an admin's raw note, and for the
    /// other roles a witnessed count (a type the ledger knows: only an admin may record one it does not know).
    func body(for role: Role) throws -> ByteBuffer {
        let key = keys[role]!
        let s: Statement
        var witnesses: [SignerKey] = []
        if role == .admin || role == .witness {
            s = try Statement(type: "test.note", time: .now(), actor: key.keyID, log: try ledger.origin(), body: ["text": .string("by the \(role.rawValue) \(UUID())")])
        } else {
            witnesses = [keys[.witness]!]
            s = try Statement(type: DispensingType.countRecorded, time: .now(), actor: key.keyID, witnesses: witnesses.map(\.keyID), log: try ledger.origin(),
                              body: ["lot_id": .string(try ledger.lotID(lot: "KT1", ndc: nil)), "counted": "60", "note": .string(UUID().uuidString)])
        }
        return ByteBuffer(string: Draft(signed: try SignedStatement(statement: s, actorKey: key, witnessKeys: witnesses)).fileText)
    }
}

@Suite("csledgerd: every route, every role")
struct RouteRoleTests {
    @Test("every route of the table: 401 without a token, 403 for each role it does not allow, 2xx for each it does")
    func everyRouteEveryRole() async throws {
        let f = try AllRolesFixture()
        #expect(LedgerAPI.routes.count == 22)
        try await f.app().test(.router) { client in
            for route in LedgerAPI.routes {
                let method = HTTPRequest.Method(route.method)!
                let success: HTTPResponse.Status = switch route.method { case "POST": .created; case "DELETE": .noContent; default: .ok }
                guard let allowed = route.roles else {
                    try await client.execute(uri: f.uri(route), method: method) { #expect($0.status == .ok, "\(route.path) without a token") }
                    continue
                }
                try await client.execute(uri: try f.freshURI(route), method: method, body: try f.body(for: .admin, route)) { r in
                    #expect(r.status == .unauthorized, "\(route.method) \(route.path) without a token gave \(r.status)")
                    #expect(String(buffer: r.body).contains("\"code\":\"unauthenticated\""))
                }
                for role in Role.allCases {
                    let headers: HTTPFields = [.authorization: "Bearer \(f.tokens[role]!)"]
                    try await client.execute(uri: try f.freshURI(route), method: method, headers: headers, body: try f.body(for: role, route)) { r in
                        if allowed.contains(role), route.path == "/v1/sites/reconciliation" {
                            // Every token here is a site token: the compliance officer's too needs a group token.
                            #expect(r.status == .forbidden && String(buffer: r.body).contains("--group"), "\(route.path) with a site token gave \(r.status)")
                        } else if allowed.contains(role) {
                            #expect(r.status == success, "\(route.method) \(route.path) as \(role.rawValue) gave \(r.status): \(String(buffer: r.body))")
                        } else {
                            #expect(r.status == .forbidden, "\(route.method) \(route.path) as \(role.rawValue) gave \(r.status)")
                            #expect(String(buffer: r.body).contains("\"code\":\"role-not-allowed\""))
                        }
                    }
                }
            }
        }
        // A group token gets past the role and scope checks; a daemon of a ledger file has no other site (404).
        let group = try APITokens(database: f.ledger.database).issue(for: f.keys[.compliance]!.keyID, expires: nil, scope: .group).token
        try await f.app().test(.router) { client in
            try await client.execute(uri: "/v1/sites/reconciliation", method: .get, headers: [.authorization: "Bearer \(group)"]) { r in
                #expect(r.status == .notFound && String(buffer: r.body).contains("\"code\":\"not-found\""), "\(String(buffer: r.body))")
            }
            try await client.execute(uri: "/v1/reconciliation?verify=false", method: .get, headers: [.authorization: "Bearer \(group)"]) { r in
                #expect(r.status == .ok, "a group token is still its site's compliance token")
            }
        }
        #expect(try f.ledger.verify().isClean)
    }

    @Test("the role table says what the issue says: regulators read checkpoints and proofs only; compliance reconciles")
    func roleTable() {
        let routes = Dictionary(uniqueKeysWithValues: LedgerAPI.routes.compactMap { r in r.roles.map { ("\(r.method) \(r.path)", $0) } })
        #expect(routes["GET /v1/reconciliation"]! == [.compliance])
        #expect(routes["GET /v1/sites/reconciliation"]! == [.compliance])
        #expect(routes["POST /v1/statements"]!.contains(.regulator) == false)
        #expect(routes["GET /v1/inventory"]!.contains(.regulator) == false)
        #expect(routes["GET /v1/checkpoint"]!.contains(.regulator))
        for route in ["POST /v1/patients", "POST /v1/delivery-signers", "DELETE /v1/delivery-signers/:ref"] {
            #expect(routes[route]! == [.pharmacist, .clinician, .admin], "\(route): personal data is kept by those who record dispensing")
        }
        #expect(routes["GET /v1/proofs/inclusion/:seq"]!.contains(.regulator))
    }

    @Test("lookups and reconciliation answer what the ledger holds")
    func lookupsAndReconciliation() async throws {
        let f = try AllRolesFixture()
        let compliance: HTTPFields = [.authorization: "Bearer \(f.tokens[.compliance]!)"]
        let pharmacist: HTTPFields = [.authorization: "Bearer \(f.tokens[.pharmacist]!)"]
        try await f.app().test(.router) { client in
            try await client.execute(uri: "/v1/me", method: .get, headers: pharmacist) { r in
                let me = try JSONParser.parse(Array(r.body.readableBytesView))
                #expect(me["key_id"]?.stringValue == f.keys[.pharmacist]!.keyID.hex)
                #expect(me["role"]?.stringValue == "pharmacist")
            }
            try await client.execute(uri: "/v1/prescriptions/RX-1", method: .get, headers: pharmacist) { r in
                let rx = try JSONParser.parse(Array(r.body.readableBytesView))
                #expect(rx["patient"]?["ref"]?.stringValue == f.patientRef)
                #expect(!String(buffer: r.body).contains("Test Patient"))
            }
            try await client.execute(uri: "/v1/prescriptions/RX-404", method: .get, headers: pharmacist) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/v1/reconciliation?all=true", method: .get, headers: compliance) { r in
                #expect(r.status == .ok)
                let report = try JSONParser.parse(Array(r.body.readableBytesView))
                #expect(report["integrity_checked"] == .bool(true))
                #expect(report["entries"]?.integerValue == 8)
                #expect(r.headers[HTTPField.Name("Csledger-Worst-Open")!] != nil)
            }
            try await client.execute(uri: "/v1/reconciliation?format=text&verify=false", method: .get, headers: compliance) { r in
                #expect(String(buffer: r.body).hasPrefix("Reconciliation of roles.example/ledger as of "))
                #expect(String(buffer: r.body).contains("integrity NOT checked"))
            }
            try await client.execute(uri: "/v1/reconciliation?as_of=yesterday", method: .get, headers: compliance) { #expect($0.status == .badRequest) }
            try await client.execute(uri: "/v1/reconciliation?format=xml", method: .get, headers: compliance) { #expect($0.status == .badRequest) }
        }
    }
}
