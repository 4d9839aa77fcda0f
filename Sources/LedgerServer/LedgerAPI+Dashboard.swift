import CSLedgerKit
import Dashboard
import Foundation
import HTTPTypes
import Hummingbird
import LedgerCore
import NIOCore

/// The compliance dashboard beside the API: server-rendered pages (Sources/Dashboard) behind a sign-in.
///
/// A person signs in once with their API token (a form POST); the daemon answers with a session cookie
/// (HttpOnly, SameSite=Strict, Secure under TLS, expiring) and keeps the session, tied to the token's hash
/// (`DashboardSessions`): in memory for a ledger file, in PostgreSQL for every daemon of a ledger kept there. Compliance officers and regulators see every page; admins and pharmacists see
/// stock and shipments; witnesses and clinicians get a refusal. The API's routes are not touched.
extension LedgerAPI {
    static let sessionCookie = "csl_session"
    static let cspHeader = HTTPField.Name("Content-Security-Policy")!
    static let noSniffHeader = HTTPField.Name("X-Content-Type-Options")!
    static let referrerHeader = HTTPField.Name("Referrer-Policy")!
    static let frameHeader = HTTPField.Name("X-Frame-Options")!
    static let dispositionHeader = HTTPField.Name("Content-Disposition")!

    /// The dashboard's pages, by path, and who may open each (for the tests and the docs).
    package static let dashboardPages: [(path: String, everything: Bool)] = [
        ("/", true), ("/findings", true), ("/findings/:id", true), ("/entries/:seq", true), ("/entries/:seq/proof", true),
        ("/stock", false), ("/stock/:lot", false), ("/staff", true), ("/staff/:key", true), ("/shipments", false),
    ]

    func addDashboardRoutes(to router: Router<LedgerRequestContext>) {
        let api = self
        router.get("/dashboard.css") { _, _ in
            Self.dashboardResponse(.ok, Layout.css, contentType: "text/css; charset=utf-8", cache: "max-age=300")
        }
        router.get("/favicon.svg") { _, _ in Self.dashboardResponse(.ok, Layout.favicon, contentType: "image/svg+xml", cache: "max-age=86400") }
        router.get("/favicon.ico") { _, _ in Self.dashboardResponse(.ok, Layout.favicon, contentType: "image/svg+xml", cache: "max-age=86400") }
        router.get("/signin") { request, _ in
            if (try? await api.viewer(request)) != nil { return Self.redirect("/") }
            return Self.html(.ok, Layout.signIn(ledger: api.dashboard.origin, message: nil))
        }
        router.post("/signin") { request, _ in
            guard Self.sameOrigin(request) else { return Self.html(.forbidden, Layout.signIn(ledger: api.dashboard.origin, message: "This form must be sent from this site.")) }
            let buffer = try await request.body.collect(upTo: 4096)
            let form = Format.form(String(decoding: buffer.readableBytesView, as: UTF8.self))
            let token = (form["token"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            guard let holder = try await api.tokens.holder(of: token) else {
                return Self.html(.unauthorized, Layout.signIn(ledger: api.dashboard.origin, message: "That token is unknown, expired or revoked."))
            }
            let viewer = Viewer(name: holder.signer.name, role: holder.signer.role)
            guard viewer.seesStock else {
                return Self.html(.forbidden, Layout.refusal(ledger: api.dashboard.origin, viewer: nil, role: viewer.role,
                                                            what: "You are signed in as \(viewer.name), a \(viewer.role.rawValue); no session was opened."))
            }
            let sessions = api.sessions
            let (tokenHash, expires) = (APITokens.hash(token), holder.expires)
            let (id, seconds) = sessions.isShared ? try await Self.offLoop { try sessions.create(tokenHash: tokenHash, tokenExpires: expires) }
                : try sessions.create(tokenHash: tokenHash, tokenExpires: expires)
            var response = Self.redirect(viewer.seesEverything ? "/" : "/stock")
            response.headers[.setCookie] = "\(Self.sessionCookie)=\(id); Path=/; Max-Age=\(seconds); HttpOnly; SameSite=Strict\(api.secureCookies ? "; Secure" : "")"
            return response
        }
        router.post("/signout") { request, _ in
            guard Self.sameOrigin(request) else { return Self.html(.forbidden, Layout.signIn(ledger: api.dashboard.origin, message: "This form must be sent from this site.")) }
            if let id = Self.cookie(request, Self.sessionCookie) {
                let sessions = api.sessions
                if sessions.isShared { try await Self.offLoop { try sessions.end(id) } } else { try sessions.end(id) }
            }
            var response = Self.redirect("/signin?signed-out")
            response.headers[.setCookie] = "\(Self.sessionCookie)=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict\(api.secureCookies ? "; Secure" : "")"
            return response
        }
        router.get("/") { request, _ in
            try await api.dashboardPage(request, everything: true, stockHome: true) { v in try api.dashboard.overview(v) }
        }
        router.get("/findings") { request, _ in
            try await api.dashboardPage(request, everything: true) { v in
                try api.dashboard.findings(v, filter: .init(query: Format.form(request.uri.query ?? "")))
            }
        }
        router.get("/findings/:id") { request, context in
            let id = Self.pathText(context, "id")
            return try await api.dashboardPage(request, everything: true) { v in try api.dashboard.finding(v, id: id) }
        }
        router.get("/entries/:seq") { request, context in
            let seq = Int(Self.pathText(context, "seq"))
            return try await api.dashboardPage(request, everything: true) { v in try seq.flatMap { try api.dashboard.entry(v, seq: $0) } }
        }
        router.get("/entries/:seq/proof") { request, context in
            let viewer = try await api.viewer(request)
            guard let viewer else { return Self.redirect("/signin") }
            guard viewer.seesEverything else { return Self.refused(api, viewer, "Entries and proofs are for compliance officers and regulators.") }
            guard let seq = Int(Self.pathText(context, "seq")), seq >= 0 else { return Self.notFound(api, viewer) }
            do {
                let proof = try await Self.offLoop { try api.dashboard.data.inclusionProof(seq) }
                var response = Self.dashboardResponse(.ok, proof, contentType: "text/plain; charset=utf-8", cache: "no-store")
                response.headers[Self.dispositionHeader] = "attachment; filename=\"entry-\(seq).tlog-proof\""
                return response
            } catch let e as LedgerError {
                return Self.failure(api, viewer, e)
            }
        }
        router.get("/stock") { request, _ in
            try await api.dashboardPage(request, everything: false) { v in try api.dashboard.stock(v) }
        }
        router.get("/stock/:lot") { request, context in
            let lot = Self.pathText(context, "lot")
            let q = Format.form(request.uri.query ?? "")
            let asOfText = (q["as_of"] ?? "").trimmingCharacters(in: .whitespaces)
            let asOf = asOfText.isEmpty ? nil : Timestamp(asOfText, allowDate: true)
            if !asOfText.isEmpty, asOf == nil {
                guard let v = try await api.viewer(request) else { return Self.redirect("/signin") }
                return Self.html(.badRequest, Layout.problem(ledger: api.dashboard.origin, viewer: v, title: "Not a time",
                                                             message: "as_of must be a UTC time such as 2025-02-01T00:00:00Z, or a date."))
            }
            // before=SEQ: the page of movements listed before that entry's (earlier pages of a busy lot).
            let beforeText = (q["before"] ?? "").trimmingCharacters(in: .whitespaces)
            let before = beforeText.isEmpty ? nil : Int(beforeText)
            if !beforeText.isEmpty, before == nil || before! < 0 {
                guard let v = try await api.viewer(request) else { return Self.redirect("/signin") }
                return Self.html(.badRequest, Layout.problem(ledger: api.dashboard.origin, viewer: v, title: "Not an entry",
                                                             message: "before must be the seq of one of the lot's movements, such as 1200."))
            }
            return try await api.dashboardPage(request, everything: false) { v in try api.dashboard.lot(v, lotID: lot, asOf: asOf, before: before) }
        }
        router.get("/staff") { request, _ in
            try await api.dashboardPage(request, everything: true) { v in try api.dashboard.staff(v) }
        }
        router.get("/staff/:key") { request, context in
            let key = KeyID(Self.pathText(context, "key"))
            return try await api.dashboardPage(request, everything: true) { v in try key.flatMap { try api.dashboard.person(v, key: $0) } }
        }
        router.get("/shipments") { request, _ in
            try await api.dashboardPage(request, everything: false) { v in try api.dashboard.shipments(v) }
        }
    }

    /// The signed-in viewer of `request`: its session's token resolved again (a revoked token ends the session).
    func viewer(_ request: Request) async throws -> Viewer? {
        guard let id = Self.cookie(request, Self.sessionCookie) else { return nil }
        let sessions = self.sessions
        let found = sessions.isShared ? try await Self.offLoop { try sessions.tokenHash(for: id) } : try sessions.tokenHash(for: id)
        guard let tokenHash = found else { return nil }
        guard let holder = try await tokens.holder(hash: tokenHash) else {
            sessions.endAll(tokenHash: tokenHash)
            return nil
        }
        return Viewer(name: holder.signer.name, role: holder.signer.role)
    }

    /// A page for a signed-in viewer allowed to see it (`everything`: compliance and regulator only); nil from
    /// `render` is a 404. A ledger that fails its integrity check gets a 503 page and nothing from its tables.
    ///
    /// The page is built off the server's event loops: a reconciliation takes a second or more on a large ledger
    /// and uses every core, and the appends of the pharmacy's terminals must not wait behind it.
    func dashboardPage(_ request: Request, everything: Bool, stockHome: Bool = false,
                       render: @escaping @Sendable (Viewer) throws -> HTML?) async throws -> Response {
        guard let viewer = try await viewer(request) else { return Self.redirect("/signin") }
        if everything, !viewer.seesEverything {
            if stockHome, viewer.seesStock { return Self.redirect("/stock") }
            return Self.refused(self, viewer, "This page is for compliance officers and regulators.")
        }
        guard viewer.seesStock else { return Self.refused(self, viewer, "") }
        do {
            guard let html = try await Self.offLoop({ try render(viewer) }) else { return Self.notFound(self, viewer) }
            return Self.html(.ok, html)
        } catch let e as LedgerError {
            return Self.failure(self, viewer, e)
        }
    }

    /// Runs `work` on a Dispatch thread, not on the event loop that serves this connection.
    static func offLoop<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async { continuation.resume(with: Result { try work() }) }
        }
    }

    static func refused(_ api: LedgerAPI, _ viewer: Viewer, _ what: String) -> Response {
        html(.forbidden, Layout.refusal(ledger: api.dashboard.origin, viewer: viewer, role: viewer.role, what: what))
    }

    static func notFound(_ api: LedgerAPI, _ viewer: Viewer) -> Response {
        html(.notFound, Layout.problem(ledger: api.dashboard.origin, viewer: viewer, title: "Not found", message: "There is no such page, finding, entry, lot or person."))
    }

    static func failure(_ api: LedgerAPI, _ viewer: Viewer, _ e: LedgerError) -> Response {
        let status = APIError(e).status
        let title = e.code == .ledgerTampered ? "The ledger file failed its integrity check" : "This page cannot be shown"
        return html(status, Layout.problem(ledger: api.dashboard.origin, viewer: viewer, title: title, message: e.message))
    }

    /// A path parameter, percent-decoded.
    static func pathText(_ context: LedgerRequestContext, _ name: String) -> String {
        let raw = context.parameters.get(name) ?? ""
        return raw.removingPercentEncoding ?? raw
    }

    /// The value of cookie `name`, if the request carries it.
    static func cookie(_ request: Request, _ name: String) -> String? {
        for header in request.headers[values: .cookie] {
            for part in header.split(separator: ";") {
                let kv = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
                if kv.count == 2, kv[0] == name { return String(kv[1]) }
            }
        }
        return nil
    }

    /// False when a browser says the form came from another site (its `Origin` names another host).
    static func sameOrigin(_ request: Request) -> Bool {
        guard let origin = request.headers[.origin] else { return true }
        guard let host = request.head.authority ?? request.headers[HTTPField.Name("Host")!] else { return false }
        let originHost = origin.split(separator: "/", omittingEmptySubsequences: true).dropFirst().first.map(String.init)
        return originHost == host
    }

    static func redirect(_ location: String) -> Response {
        var r = dashboardResponse(.seeOther, "", contentType: "text/plain; charset=utf-8", cache: "no-store")
        r.headers[.location] = location
        return r
    }

    static func html(_ status: HTTPResponse.Status, _ page: HTML) -> Response {
        dashboardResponse(status, page.raw, contentType: "text/html; charset=utf-8", cache: "no-store")
    }

    static func dashboardResponse(_ status: HTTPResponse.Status, _ body: String, contentType: String, cache: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.cacheControl] = cache
        headers[Self.cspHeader] = Layout.contentSecurityPolicy
        headers[Self.noSniffHeader] = "nosniff"
        headers[Self.referrerHeader] = "same-origin"  // "no-referrer" would make browsers send "Origin: null" with our own forms
        headers[Self.frameHeader] = "DENY"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
