import CSLedgerKit
import Dashboard
import Dispensing
import Foundation
import HTTPTypes
import Hummingbird
import LedgerAccess
import LedgerCore
import LedgerStore
import NIOCore
import Reconciliation
import Witness

/// The HTTP API: every route, its roles, and the handlers. `docs/openapi.yaml` describes the
/// same routes (a test checks that the two agree).
package struct LedgerAPI: Sendable {
    /// One route: method, path (Hummingbird form, `:name` parameters), who may call it.
    package struct Route: Sendable, Hashable {
        package let method: String
        package let path: String
        package let roles: Set<Role>?   // nil: no token needed
    }

    static let everyone: Set<Role> = Set(Role.allCases)
    /// C2SP tlog-tiles (`/checkpoint`, `/tile/...`): the whole log, for the regulator and the witnesses.
    static let tileReaders: Set<Role> = [.regulator, .witness]
    static let writers: Set<Role> = [.pharmacist, .clinician, .compliance, .admin]
    static let staff: Set<Role> = [.pharmacist, .clinician, .compliance, .admin]

    /// Every route the API serves.
    package static let routes: [Route] = [
        Route(method: "GET", path: "/healthz", roles: nil),
        Route(method: "GET", path: "/readyz", roles: nil),
        Route(method: "GET", path: "/v1/health", roles: everyone),
        Route(method: "GET", path: "/checkpoint", roles: tileReaders),
        Route(method: "GET", path: "/tile/**", roles: tileReaders),
        Route(method: "GET", path: "/v1/checkpoint", roles: everyone),
        Route(method: "GET", path: "/v1/entries", roles: everyone),
        Route(method: "GET", path: "/v1/entries/:seq", roles: everyone),
        Route(method: "GET", path: "/v1/proofs/inclusion/:seq", roles: everyone),
        Route(method: "GET", path: "/v1/proofs/consistency", roles: everyone),
        Route(method: "GET", path: "/v1/signers", roles: [.admin, .compliance, .regulator]),
        Route(method: "GET", path: "/v1/inventory", roles: staff),
        Route(method: "GET", path: "/v1/lots/:lot", roles: staff),
        Route(method: "GET", path: "/v1/patients/:ref", roles: staff),
        Route(method: "POST", path: "/v1/statements", roles: writers),
        Route(method: "GET", path: "/v1/me", roles: everyone),
        Route(method: "GET", path: "/v1/prescriptions/:rx", roles: staff),
        Route(method: "GET", path: "/v1/reconciliation", roles: reconcilers),
        Route(method: "GET", path: "/v1/sites/reconciliation", roles: reconcilers),
        Route(method: "POST", path: "/v1/patients", roles: personalDataWriters),
        Route(method: "POST", path: "/v1/delivery-signers", roles: personalDataWriters),
        Route(method: "DELETE", path: "/v1/delivery-signers/:ref", roles: personalDataWriters),
    ]

    let ledger: Ledger
    let queue: WriteQueue
    let keys: SignerKeyCache
    /// Bearer tokens resolved earlier and still valid (checked against every commit since).
    let tokens: TokenCache
    /// Time allowed for a request body to arrive (see `BodyDeadlineMiddleware`).
    package var bodyTimeout: Duration = APIConfiguration.bodyTimeout
    /// The dashboard's pages (with the reconciliation they keep) and its sign-in sessions.
    let dashboard: DashboardPages
    let sessions: DashboardSessions
    /// The reconciliation kept up to date as entries are appended, shared by the route and the dashboard.
    let reconciliation: ReconciliationState
    /// Session cookies carry `Secure` (the daemon serves TLS).
    package var secureCookies = false
    /// The witness service, when csledgerd was given `--witness` (its state is shown by `/v1/health`).
    package var witnesses: WitnessPusher?
    /// For a ledger in PostgreSQL: every site of its database, which a group token may reconcile
    /// (`/v1/sites/reconciliation`); nil for a ledger file.
    package var sites: GroupSites?
    /// Runs one sites' reconciliation at a time, off the event loops (it waits on PostgreSQL, and the sites' mirrors
    /// are this daemon's to keep).
    let sitesQueue = DispatchQueue(label: "csledgerd.sites-reconciliation")

    /// `witnesses`: those csledgerd was given (`--witness`), whose cosignatures the dashboard's overview shows.
    package init(ledger: Ledger, queue: WriteQueue, witnesses: [Cosignature.Witness] = []) throws {
        self.ledger = ledger
        self.queue = queue
        self.keys = SignerKeyCache(database: ledger.database)
        self.tokens = TokenCache(tokens: APITokens(database: ledger.database), watch: try DataVersionWatch(path: ledger.database.path),
                                 database: ledger.database,
                                 catchUp: { [ledger] in try ledger.database.catchUpWithAuthority(projections: Ledger.defaultProjections) })
        self.sessions = DashboardSessions(shared: ledger.database.sharedSessions)
        let reconciliation = ReconciliationState()
        self.reconciliation = reconciliation
        self.dashboard = DashboardPages(data: DashboardData(ledger: ledger, reconciliation: reconciliation, witnesses: witnesses),
                                        origin: try ledger.origin())
    }

    static func roles(_ method: String, _ path: String) -> Set<Role>? {
        routes.first { $0.method == method && $0.path == path }?.roles
    }

    /// Builds the router with every route.
    package func router() -> Router<LedgerRequestContext> {
        let router = Router(context: LedgerRequestContext.self)
        router.add(middleware: AuthMiddleware(tokens: tokens))
        router.add(middleware: BodyDeadlineMiddleware(timeout: bodyTimeout))
        let api = self
        router.get("/healthz") { _, _ in Self.json(["status": "ok"]) }
        router.get("/readyz") { _, _ in
            do { return Self.json(["status": "ready", "entries": .number(Double(try api.ledger.database.size()))]) } catch {
                throw APIError(.serviceUnavailable, .notReady, "the ledger file cannot be read")
            }
        }
        router.get("/v1/health") { _, context in
            _ = try context.require(Self.everyone)
            let size: Int
            do { size = try api.ledger.database.size() } catch {
                throw APIError(.serviceUnavailable, .notReady, "the ledger file cannot be read")
            }
            return Self.json(["status": "ok", "entries": .number(Double(size)),
                              "witnesses": .array(api.witnesses?.status() ?? [])])
        }
        router.get("/checkpoint") { _, context in
            _ = try context.require(Self.tileReaders)
            let note = try api.ledger.database.cosignedNote(try api.ledger.checkpoint())
            return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-cache, max-age=5"],
                            body: .init(byteBuffer: ByteBuffer(string: note)))
        }
        router.get("/tile/**") { _, context in
            _ = try context.require(Self.tileReaders)
            let path = "tile/" + context.parameters.getCatchAll().joined(separator: "/")
            guard let tile = TlogTiles.parse(path) else { throw APIError(.notFound, .notFound, "not a tlog-tiles path") }
            let size = try api.ledger.checkpoint().treeSize
            guard TlogTiles.exists(tile, size: size) else { throw APIError(.notFound, .notFound, "no such tile in the tree of \(size) entries") }
            let data = try api.ledger.database.tileData(tile, size: size)
            // A tile's path fixes its content: it never changes.
            return Response(status: .ok, headers: [.contentType: "application/octet-stream", .cacheControl: "public, max-age=31536000, immutable"],
                            body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        router.get("/v1/checkpoint") { _, context in
            _ = try context.require(Self.everyone)
            // The facility's note with every witness cosignature kept for it.
            return Self.text(try api.ledger.database.cosignedNote(try api.ledger.checkpoint()))
        }
        router.get("/v1/entries") { request, context in
            _ = try context.require(Self.everyone)
            let q = try Self.query(request, "/v1/entries")
            // Both are at most 2^53 - 1 (RouteQuery), so the sum cannot overflow (found by the issue 18 review: it trapped).
            let from = q.number("from") ?? 0
            let limit = min(q.number("limit") ?? 100, APIConfiguration.maxPage)
            var out = [UInt8]()
            try api.ledger.database.forEachBatch(range: from...(from + limit - 1), batchSize: limit) { rows in
                for r in rows { out += r.bytes; out.append(0x0a) }
                return false
            }
            return Response(status: .ok, headers: [.contentType: "application/x-ndjson"], body: .init(byteBuffer: ByteBuffer(bytes: out)))
        }
        router.get("/v1/entries/:seq") { _, context in
            _ = try context.require(Self.everyone)
            let seq = try Self.pathNumber(context, "/v1/entries/:seq")
            guard let bytes = try api.ledger.database.entryBytes(seq) else { throw APIError(.notFound, .notFound, "there is no entry \(seq)") }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        router.get("/v1/proofs/inclusion/:seq") { request, context in
            _ = try context.require(Self.everyone)
            let seq = try Self.pathNumber(context, "/v1/proofs/inclusion/:seq")
            let q = try Self.query(request, "/v1/proofs/inclusion/:seq")
            let proof = try api.ledger.inclusionProof(seq: seq)
            if q.text("format") == "tlog" { return Self.text(proof.serialized) }
            return Self.json(["tree_size": .number(Double(proof.tree.size)), "leaf_index": .number(Double(seq)),
                              "path": .array(proof.path.map { .string($0.base64) })])
        }
        router.get("/v1/proofs/consistency") { request, context in
            _ = try context.require(Self.everyone)
            guard let old = try Self.query(request, "/v1/proofs/consistency").number("old_size") else { throw APIError(.badRequest, .invalidArgument, "old_size is required") }
            let (newSize, path) = try api.ledger.consistencyProof(oldSize: old)
            return Self.json(ConsistencyProof(oldSize: old, newSize: newSize, path: path).json)
        }
        router.get("/v1/signers") { _, context in
            _ = try context.require([.admin, .compliance, .regulator])
            return Self.json(.array(try api.ledger.database.signers().map {
                SignerSummary(keyID: $0.keyID, name: $0.name, role: $0.role, enrolledSeq: $0.enrolledSeq, revokedSeq: $0.revokedSeq).json
            }))
        }
        router.get("/v1/inventory") { request, context in
            _ = try context.require(Self.staff)
            let q = try Self.query(request, "/v1/inventory")
            let report = try api.ledger.inventory(asOf: q.time("as_of"), lot: q.text("lot"))
            return Self.json(.array(report.lines.map(\.summary.json)))
        }
        router.get("/v1/lots/:lot") { request, context in
            _ = try context.require(Self.staff)
            let lot = try context.parameters.require("lot")
            let q = try Self.query(request, "/v1/lots/:lot")
            return Self.json(["lot_id": .string(try api.ledger.lotID(lot: lot, ndc: q.text("ndc")))])
        }
        router.get("/v1/patients/:ref") { _, context in
            _ = try context.require(Self.staff)
            let ref = try context.parameters.require("ref")
            return Self.json(try api.ledger.personalData.reference(ref).json)
        }
        router.post("/v1/statements") { request, context in
            let signer = try context.require(Self.writers)
            // An oversized body gets the API's JSON error (found by the hostile-input tests: it was a bare 413).
            let buffer: ByteBuffer
            do { buffer = try await request.body.collect(upTo: APIConfiguration.maxBodyBytes) } catch {
                throw APIError(.contentTooLarge, .bodyTooLarge, "the request body is larger than \(APIConfiguration.maxBodyBytes / 1024) KB")
            }
            let signed = try Self.decodeSigned(Array(buffer.readableBytesView))
            guard signed.statement.actor == signer.keyID else {
                throw APIError(.forbidden, .actorMismatch, "the statement's actor is not the signer this token belongs to")
            }
            // The same rule as `csledger append`: a type the ledger does not know, from an admin only.
            do { try RawStatementRule.check(type: signed.statement.type, role: signer.role) } catch let e as LedgerError { throw APIError(e) }
            // Ed25519 here, on this request's thread and in parallel with others; the writer confirms the keys.
            let checked: CheckedStatement
            do { checked = try CheckedStatement.check(signed, publicKey: { api.keys.publicKey($0) }) } catch let e as LedgerError {
                throw APIError(e)
            }
            switch await api.queue.submit(checked) {
            case .success(let appended):
                return Self.json(["seq": .number(Double(appended.entry.seq)), "leaf_hash": .string(appended.leafHash.hex),
                                  "logged": .string(appended.entry.logged.description)], status: .created)
            case .failure(let error):
                throw APIError(error)
            }
        }
        addLookupRoutes(to: router)
        addReconciliationRoutes(to: router)
        addPersonalDataRoutes(to: router)
        addDashboardRoutes(to: router)
        return router
    }

    /// Reads `{"statement": {...}, "sigs": [...]}` strictly (the decoding lives in LedgerCore so it can be fuzzed).
    static func decodeSigned(_ bytes: [UInt8]) throws -> SignedStatement {
        do { return try StatementSubmission.decode(bytes, maxBytes: APIConfiguration.maxBodyBytes) } catch {
            throw APIError(.badRequest, error.code, error.message)
        }
    }

    /// The query string of `request` read as `route` takes it (`RouteQuery`): a malformed or out-of-range
    /// parameter is a 400 naming it.
    static func query(_ request: Request, _ route: String) throws -> RouteQuery {
        do { return try RouteQuery(route: route, query: request.uri.query) } catch {
            throw APIError(.badRequest, .invalidArgument, error.message)
        }
    }

    /// The numeric path parameter of `route` (`RouteQuery.pathNumbers`), in range, or a 400 naming it.
    static func pathNumber(_ context: LedgerRequestContext, _ route: String) throws -> Int {
        guard let p = RouteQuery.pathNumbers[route] else { preconditionFailure("route \(route) has no numeric path parameter") }
        do { return try RouteQuery.number(context.parameters.get(p.name) ?? "", name: p.name, kind: p.kind) } catch {
            throw APIError(.badRequest, .invalidArgument, error.message)
        }
    }

    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: JCS.serialize(value))))
    }

    static func text(_ s: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: s)))
    }
}
