import CSLedgerKit
import Foundation
import Hummingbird
import HummingbirdTesting
import LedgerCore
@testable import LedgerServer
import LedgerStore
import Testing

/// The daemon's token cache must answer as the file does: a change made through another connection (another
/// process) is seen by the next request.
@Suite("csledgerd bearer-token cache")
struct TokenCacheTests {
    /// A second connection pool on the same file, as `csledger` in another process would have.
    static func otherProcess(_ f: ServerFixture) throws -> Ledger {
        try Ledger.open(path: f.ledger.database.path)
    }

    @Test("a token revoked by another process is refused at the next request")
    func tokenRevokedElsewhere() async throws {
        let f = try ServerFixture()
        try await f.app().test(.router) { client in
            try await client.execute(uri: "/v1/me", method: .get, headers: f.auth("regulator")) { #expect($0.status == .ok) }
            try await client.execute(uri: "/v1/me", method: .get, headers: f.auth("regulator")) { #expect($0.status == .ok) }
            let other = try Self.otherProcess(f)
            let tokens = APITokens(database: other.database)
            let id = try #require(try tokens.list().first { $0.keyID == f.regulator.keyID.hex }).tokenID
            try tokens.revoke(tokenID: id)
            try await client.execute(uri: "/v1/me", method: .get, headers: f.auth("regulator")) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/v1/me", method: .get, headers: f.auth("pharmacist")) { #expect($0.status == .ok) }
        }
    }

    @Test("a signer revoked by another process loses its token at the next request")
    func signerRevokedElsewhere() async throws {
        let f = try ServerFixture()
        try await f.app().test(.router) { client in
            try await client.execute(uri: "/v1/me", method: .get, headers: f.auth("pharmacist")) { #expect($0.status == .ok) }
            let other = try Self.otherProcess(f)
            try other.revoke(keyID: f.pharmacist.keyID, reason: "left", adminKey: f.facility, facilityKey: f.facility)
            try await client.execute(uri: "/v1/me", method: .get, headers: f.auth("pharmacist")) { #expect($0.status == .unauthorized) }
        }
    }

    @Test("a kept token is refused once it expires, with nothing committed in between")
    func tokenExpiresWhileKept() throws {
        let f = try ServerFixture()
        let tokens = APITokens(database: f.ledger.database)
        let now = Timestamp.now()
        let issued = try tokens.issue(for: f.regulator.keyID, expires: now.adding(milliseconds: 60_000), now: now)
        let cache = TokenCache(tokens: tokens, watch: try DataVersionWatch(path: f.ledger.database.path))
        #expect(try cache.holder(of: issued.token, now: now)?.signer.keyID == f.regulator.keyID)
        #expect(try cache.holder(of: issued.token, now: now.adding(milliseconds: 59_000)) != nil)
        #expect(try cache.holder(of: issued.token, now: now.adding(milliseconds: 60_000)) == nil)
        #expect(try cache.holder(of: "csl_unknown", now: now) == nil)
    }

    @Test("the access-control epoch moves when a token or a signer changes, and not with ordinary entries")
    func authEpoch() throws {
        let f = try ServerFixture()
        let watch = try DataVersionWatch(path: f.ledger.database.path)
        let e0 = try watch.authEpoch()
        try f.ledger.record(type: "test.note", body: ["n": 1], key: f.facility, facilityKey: f.facility)
        #expect(try watch.authEpoch() == e0)
        let tokens = APITokens(database: f.ledger.database)
        _ = try tokens.issue(for: f.pharmacist.keyID, expires: nil)
        let e1 = try watch.authEpoch()
        #expect(e1 != e0)
        let id = try #require(try tokens.list().first { $0.keyID == f.pharmacist.keyID.hex }).tokenID
        try tokens.revoke(tokenID: id)
        let e2 = try watch.authEpoch()
        #expect(e2 != e1)
        try f.ledger.revoke(keyID: f.regulator.keyID, reason: "left", adminKey: f.facility, facilityKey: f.facility)
        #expect(try watch.authEpoch() != e2)
    }

    @Test("the data version moves with a commit by any other connection, and only then")
    func dataVersion() throws {
        let f = try ServerFixture()
        let watch = try DataVersionWatch(path: f.ledger.database.path)
        let v0 = try watch.version()
        #expect(try watch.version() == v0)
        _ = try APITokens(database: f.ledger.database).issue(for: f.pharmacist.keyID, expires: nil)
        let v1 = try watch.version()
        #expect(v1 != v0)
        #expect(try watch.version() == v1)
    }
}
