import AsyncHTTPClient
import Foundation
import LedgerAccess
import LedgerCore
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// A csledgerd daemon as a `LedgerTarget`: statements signed here are posted to `/v1/statements`
/// with a bearer token; lookups and reads use the API's GET routes. Private keys never leave
/// this process; only signed statements are sent.
///
/// Calls block the calling thread (the command line is synchronous). Server errors
/// (`{"error":{"code","message"}}`) become `LedgerError`s with the server's code when it is one of
/// ours, so the command line prints and exits as it would on a local file.
package final class RemoteLedger: LedgerTarget {
    /// The server's base URL, as given (no trailing slash).
    package let url: String
    let token: String?
    let client: HTTPClient
    private let knownOrigin = Mutex<String?>(nil)

    /// - Parameters:
    ///   - url: `http://host:port` or `https://host:port`.
    ///   - token: the bearer token from `csledger token issue` (only `/healthz`-like calls work without).
    ///   - caFile: PEM file of the certificate authorities to trust instead of the system's.
    package init(url: String, token: String?, caFile: String? = nil) throws {
        var base = url
        while base.hasSuffix("/") { base.removeLast() }
        guard let parsed = URL(string: base), let scheme = parsed.scheme?.lowercased(), scheme == "http" || scheme == "https",
              parsed.host != nil, parsed.path.isEmpty, parsed.query == nil else {
            throw LedgerError(.invalidArgument, "the server URL \(url.prefix(80)) must look like https://host:port")
        }
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile {
            guard FileManager.default.isReadableFile(atPath: caFile) else {
                throw LedgerError(.keyFileMissing, "the CA certificate file \(caFile) does not exist or cannot be read")
            }
            do { _ = try NIOSSLCertificate.fromPEMFile(caFile) } catch {
                throw LedgerError(.keyFileInvalid, "the CA certificate file \(caFile) is not a PEM certificate")
            }
            tls.trustRoots = .file(caFile)
        }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls, redirectConfiguration: .disallow,
                                                     timeout: .init(connect: .seconds(5), read: .seconds(300)), connectionPool: .init())
        configuration.httpVersion = .http1Only
        self.url = base
        self.token = token
        self.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    deinit { try? client.syncShutdown() }

    // MARK: LedgerTarget

    package func append(_ signed: SignedStatement) throws -> AppendReceipt {
        let body = StatementSubmission.encode(signed)
        let json = try requestJSON("POST", "/v1/statements", body: body)
        guard let seq = json["seq"]?.integerValue, let hex = json["leaf_hash"]?.stringValue, let leaf = Hash(hex: hex) else {
            throw LedgerError(.serverUnavailable, "the server at \(url) answered the append with an unexpected body")
        }
        return AppendReceipt(seq: seq, leafHash: leaf)
    }

    package func lotID(lot: String, ndc: String?) throws -> String {
        let json = try requestJSON("GET", "/v1/lots/\(Self.escape(lot))" + (ndc.map { "?ndc=\(Self.escape($0))" } ?? ""))
        guard let id = json["lot_id"]?.stringValue else { throw unexpected("lot") }
        return id
    }

    package func prescriptionPatient(rx: String) throws -> String {
        guard let ref = try requestJSON("GET", "/v1/prescriptions/\(Self.escape(rx))")["patient"]?["ref"]?.stringValue else {
            throw unexpected("prescription")
        }
        return ref
    }

    package func patientReference(_ ref: String) throws -> PersonalDataReference {
        let json = try requestJSON("GET", "/v1/patients/\(Self.escape(ref))")
        guard let r = json["ref"]?.stringValue, let c = json["commitment"]?.stringValue else { throw unexpected("patient") }
        return PersonalDataReference(ref: r, commitment: c)
    }

    package func signerRole(_ key: KeyID) throws -> Role? {
        let me = try self.me()
        guard me.keyID == key else {
            throw LedgerError(.tokenInvalid, "the token belongs to signer \(me.keyID.short), not to the key given (\(key.short)); use that signer's token")
        }
        return me.role
    }

    package func addPatient(_ data: [String: JSONValue]) throws -> PersonalDataReference {
        let json = try requestJSON("POST", "/v1/patients", body: JCS.serialize(.object(data)))
        guard let r = json["ref"]?.stringValue, let c = json["commitment"]?.stringValue else { throw unexpected("patient") }
        return PersonalDataReference(ref: r, commitment: c)
    }

    package func addDeliverySigner(_ data: [String: JSONValue], signatureImage: [UInt8], imageType: String) throws -> DeliverySigner {
        var body = data
        body["signature_image"] = .string(Base64.encode(signatureImage))
        body["signature_image_type"] = .string(imageType)
        let json = try requestJSON("POST", "/v1/delivery-signers", body: JCS.serialize(.object(body)))
        guard let r = json["ref"]?.stringValue, let c = json["commitment"]?.stringValue,
              let digest = json["signature_image_sha256"]?.stringValue else { throw unexpected("delivery signer") }
        // The statement records the image this command read: the server must have kept that one.
        guard digest == Hash.sha256(signatureImage).hex else {
            throw LedgerError(.serverUnavailable, "the server at \(url) kept a different signature image than the one sent")
        }
        return DeliverySigner(reference: PersonalDataReference(ref: r, commitment: c), signatureImageSHA256: digest)
    }

    @discardableResult
    package func discardDeliverySigner(_ signer: DeliverySigner) throws -> Bool {
        do {
            _ = try request("DELETE", "/v1/delivery-signers/\(Self.escape(signer.reference.ref))?signature_image_sha256=\(signer.signatureImageSHA256)")
            return true
        } catch let e as LedgerError where e.code == .inUse {
            return false
        }
    }

    // MARK: Reads

    /// True once the daemon answers `/readyz` (its ledger file can be read).
    package func isReady() -> Bool { (try? request("GET", "/readyz")) != nil }

    /// The signer the token stands for.
    package func me() throws -> (keyID: KeyID, name: String, role: Role) {
        let json = try requestJSON("GET", "/v1/me")
        guard let k = json["key_id"]?.stringValue.flatMap({ KeyID($0) }), let n = json["name"]?.stringValue,
              let r = json["role"]?.stringValue, let role = try? Role(parsing: r) else { throw unexpected("signer") }
        return (k, n, role)
    }

    /// The latest signed checkpoint note, verbatim.
    package func checkpoint() throws -> String { try requestText("GET", "/v1/checkpoint") }

    /// The daemon's ledger origin: the first line of its signed checkpoint (asked once).
    package func origin() throws -> String {
        if let known = knownOrigin.withLock({ $0 }) { return known }
        let text = try checkpoint()
        guard let note = try? SignedNote.parse(text), let cp = try? Checkpoint(body: note.text) else {
            throw LedgerError(.serverRefused, "the server's checkpoint is not a signed checkpoint")
        }
        knownOrigin.withLock { $0 = cp.origin }
        return cp.origin
    }

    /// Entries `from...` (at most `limit`), each exactly its canonical bytes.
    package func entries(from: Int, limit: Int) throws -> [[UInt8]] {
        let bytes = try request("GET", "/v1/entries?from=\(from)&limit=\(limit)").body
        return bytes.split(separator: 0x0a, omittingEmptySubsequences: true).map(Array.init)
    }

    package func inclusionProof(seq: Int) throws -> TlogProof {
        do { return try TlogProof.parse(try requestText("GET", "/v1/proofs/inclusion/\(seq)?format=tlog")) } catch let e as LedgerError { throw e } catch {
            throw unexpected("inclusion proof")
        }
    }

    package func consistencyProof(oldSize: Int) throws -> ConsistencyProof {
        guard let proof = ConsistencyProof(json: try requestJSON("GET", "/v1/proofs/consistency?old_size=\(oldSize)")) else {
            throw unexpected("consistency proof")
        }
        return proof
    }

    package func inventory(asOf: Timestamp?, lot: String?) throws -> [InventoryLine] {
        var q: [String] = []
        if let asOf { q.append("as_of=\(Self.escape(asOf.description))") }
        if let lot { q.append("lot=\(Self.escape(lot))") }
        guard let lines = try requestJSON("GET", "/v1/inventory" + (q.isEmpty ? "" : "?" + q.joined(separator: "&"))).arrayValue else {
            throw unexpected("inventory")
        }
        return try lines.map { json in
            guard let line = InventoryLine(json: json, figureNames: InventoryLine.figureNames) else { throw unexpected("inventory") }
            return line
        }
    }

    package func signers() throws -> [SignerSummary] {
        guard let list = try requestJSON("GET", "/v1/signers").arrayValue else { throw unexpected("signer list") }
        return try list.map { json in
            guard let s = SignerSummary(json: json) else { throw unexpected("signer list") }
            return s
        }
    }

    package func reconciliation(_ r: ReconciliationRequest) throws -> ReconciliationOutput {
        guard r.configFile == nil, r.checkpoints.isEmpty, r.transferBundles.isEmpty else {
            throw LedgerError(.invalidArgument, "--config, --checkpoint and --with work on a ledger file; the server reconciles with its own settings")
        }
        var q = ["all=\(r.all)", "verify=\(r.verify)", "format=\(r.json ? "json" : "text")"]
        if let asOf = r.asOf { q.append("as_of=\(Self.escape(asOf.description))") }
        if r.full { q.append("full=true") }
        let reply = try request("GET", "/v1/reconciliation?" + q.joined(separator: "&"))
        let worst = reply.headers.first(name: "Csledger-Worst-Open") ?? "none"
        var body = String(decoding: reply.body, as: UTF8.self)
        if r.json, !body.hasSuffix("\n") { body += "\n" }
        return ReconciliationOutput(body: body, worstOpen: worst == "none" ? nil : worst)
    }

    /// `GET /v1/sites/reconciliation`: every site of the database the daemon's ledger is kept in (a group token only).
    package func sitesReconciliation(asOf: Timestamp?, all: Bool, verify: Bool, json: Bool) throws -> SitesReconciliationOutput {
        var q = ["all=\(all)", "verify=\(verify)", "format=\(json ? "json" : "text")"]
        if let asOf { q.append("as_of=\(Self.escape(asOf.description))") }
        let reply = try request("GET", "/v1/sites/reconciliation?" + q.joined(separator: "&"))
        let worst = reply.headers.first(name: "Csledger-Worst-Open") ?? "none"
        guard let count = reply.headers.first(name: "Csledger-Sites").flatMap(Int.init) else { throw unexpected("sites' reconciliation") }
        let failed = (reply.headers.first(name: "Csledger-Failed-Sites") ?? "").split(separator: " ").map { pair -> (code: String, origin: String) in
            let code = pair.prefix { $0 != ":" }
            return (String(code), String(pair.dropFirst(code.count + 1)))
        }
        return SitesReconciliationOutput(body: String(decoding: reply.body, as: UTF8.self), worstOpen: worst == "none" ? nil : worst,
                                         siteCount: count, failed: failed)
    }

    package func finding(_ id: String, asOf: Timestamp, configFile: String?) throws -> FindingState? {
        guard configFile == nil else { throw LedgerError(.invalidArgument, "--config works on a ledger file; the server reconciles with its own settings") }
        let report = try reconciliation(ReconciliationRequest(asOf: asOf, all: true, verify: id.hasPrefix("F11-"), json: true))
        let findings = (try? JSONParser.parse(Array(report.body.utf8)))?["findings"]?.arrayValue ?? []
        guard let f = findings.first(where: { $0["id"]?.stringValue == id }), let evidence = f["evidence"]?.stringValue else { return nil }
        return FindingState(id: id, isOpen: f["status"]?.stringValue != "resolved", evidence: evidence,
                            resolutionSeq: f["resolution"]?["seq"]?.integerValue)
    }

    // MARK: HTTP

    struct Reply {
        let headers: HTTPHeaders
        let body: [UInt8]
    }

    func requestText(_ method: String, _ path: String) throws -> String {
        String(decoding: try request(method, path).body, as: UTF8.self)
    }

    func requestJSON(_ method: String, _ path: String, body: [UInt8]? = nil) throws -> JSONValue {
        let reply = try request(method, path, body: body)
        do { return try JSONParser.parse(reply.body) } catch { throw unexpected("request") }
    }

    /// One request; a non-2xx answer becomes the `LedgerError` it stands for.
    func request(_ method: String, _ path: String, body: [UInt8]? = nil) throws -> Reply {
        var headers = HTTPHeaders()
        headers.add(name: "User-Agent", value: "csledger")
        if let token { headers.add(name: "Authorization", value: "Bearer \(token)") }
        if body != nil { headers.add(name: "Content-Type", value: "application/json") }
        let response: HTTPClient.Response
        do {
            let request = try HTTPClient.Request(url: url + path, method: HTTPMethod(rawValue: method), headers: headers,
                                                 body: body.map { .bytes($0) })
            response = try client.execute(request: request).wait()
        } catch {
            throw transportError(error)
        }
        let bytes = response.body.map { Array($0.readableBytesView) } ?? []
        guard (200..<300).contains(Int(response.status.code)) else {
            throw Self.serverError(status: Int(response.status.code), body: bytes, url: url)
        }
        return Reply(headers: response.headers, body: bytes)
    }

    /// The error a server's JSON error body stands for, with the same code (and so the same exit status) as locally.
    static func serverError(status: Int, body: [UInt8], url: String) -> LedgerError {
        let json = try? JSONParser.parse(body)
        let code = json?["error"]?["code"]?.stringValue
        let message = json?["error"]?["message"]?.stringValue ?? "the server at \(url) answered HTTP \(status)"
        // Every code the daemon sends is one of LedgerError's, decoded by code (never by message text); a refused
        // token is the command line's token problem (exit 4), whichever of the two the daemon named.
        if status == 401 {
            return LedgerError(.tokenInvalid, "the server at \(url) did not accept the token: \(message); issue one with `csledger token issue`")
        }
        if let code, let known = LedgerError.Code(rawValue: code) { return LedgerError(known, message) }
        switch status {
        case 500...: return LedgerError(.serverUnavailable, "the server at \(url) could not answer: \(message)")
        default: return LedgerError(.serverRefused, "the server at \(url) refused the request: \(message)\(code.map { " (\($0))" } ?? "")")
        }
    }

    /// What went wrong below HTTP, read from the error's type (never from its message text).
    enum TransportFailure: Equatable {
        case tls, refused, timeout, dns, other
    }

    static func classify(_ error: any Error) -> TransportFailure {
        switch error {
        case is NIOSSLError, is BoringSSLError: return .tls
        case let e as HTTPClientError:
            if e == .tlsHandshakeTimeout { return .tls }
            return [.connectTimeout, .readTimeout, .deadlineExceeded].contains(e) ? .timeout : .other
        case let e as IOError: return e.errnoCode == ECONNREFUSED ? .refused : e.errnoCode == ETIMEDOUT ? .timeout : .other
        case let e as NIOConnectionError:
            if e.dnsAError != nil && e.connectionErrors.isEmpty { return .dns }
            return e.connectionErrors.lazy.map { classify($0.error) }.first { $0 != .other } ?? .other
        case let e as ChannelError:
            if case .connectTimeout = e { return .timeout }
            return .other
        default: return .other
        }
    }

    func transportError(_ error: any Error) -> LedgerError {
        let reach = "cannot reach the ledger server at \(url)"
        switch Self.classify(error) {
        case .tls:
            return LedgerError(.serverUnreachable, "\(reach): the TLS handshake failed (is --cacert the CA that signed the server's certificate?)")
        case .refused:
            return LedgerError(.serverUnreachable, "\(reach): connection refused (is csledgerd running there?)")
        case .timeout:
            return LedgerError(.serverUnreachable, "\(reach): it did not answer in time")
        case .dns:
            return LedgerError(.serverUnreachable, "\(reach): the host name does not resolve")
        case .other:
            return LedgerError(.serverUnreachable, "\(reach): \(TerminalText.escaped("\(error)").prefix(120))")
        }
    }

    func unexpected(_ what: String) -> LedgerError {
        LedgerError(.serverUnavailable, "the server at \(url) answered the \(what) request with an unexpected body")
    }

    /// Percent-escapes a path segment or query value.
    static func escape(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }
}
