import Foundation
import LedgerAccess
import LedgerClient
import Synchronization
import Testing
@testable import CSLedgerKit
@testable import LedgerCore
@testable import LedgerStore

/// The built daemon on a loopback port, driven by real clients: concurrent appends, TLS,
/// the command line with --server, misbehaving connections.
@Suite("csledgerd live", .serialized)
struct DaemonLiveTests {
    /// A ledger made with the CLI in `dir`: the facility and `admins` enrolled admins, each with a token.
    static func makeLedger(_ dir: TempDir, admins: Int) throws -> [(key: SignerKey, token: String)] {
        @discardableResult
        func ok(_ args: [String]) throws -> CLI.Result {
            let r = try CLI.csledger(args, in: dir.url)
            try #require(r.status == 0, "csledger \(args.prefix(2).joined(separator: " ")): \(r.stderr)")
            return r
        }
        try ok(["keys", "generate", "facility"])
        try ok(["init", "--origin", "live.example/ledger", "--facility-name", "Live", "--dea-number", "BD1234563", "--key", "Keys/facility.pem"])
        var out: [(SignerKey, String)] = []
        for i in 0..<admins {
            try ok(["keys", "generate", "client\(i)"])
            try ok(["actor", "enroll", "--name", "Client \(i)", "--role", "admin", "--public-key", "Keys/client\(i).pub.pem", "--key", "Keys/facility.pem"])
            let key = try KeyFiles.loadPrivateKey(path: dir.path("Keys/client\(i).pem"))
            let token = try ok(["token", "issue", "--actor", key.keyID.hex]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            out.append((key, token))
        }
        return out
    }

    @Test("8 concurrent clients × 500 appends: every acknowledged entry is there with its leaf hash; SIGTERM exits 0; verify is clean")
    func concurrentAppends() throws {
        let dir = try TempDir()
        let clients = try Self.makeLedger(dir, admins: 8)
        let daemon = try Daemon(["--ledger", dir.path("ledger.sqlite"), "--listen", "127.0.0.1:0", "--log-level", "warning"], in: dir.url)
        let probe = try RemoteLedger(url: daemon.url, token: nil)
        var waited = 0
        while !probe.isReady(), waited < 200 { Thread.sleep(forTimeInterval: 0.05); waited += 1 }
        try #require(probe.isReady())

        let perClient = 500
        let acknowledged = Locked<[AppendReceipt]>([])
        let failures = Locked<[String]>([])
        let done = DispatchGroup()
        let started = Date()
        for (i, c) in clients.enumerated() {
            done.enter()
            let url = daemon.url
            let thread = Thread {
                defer { done.leave() }
                do {
                    let remote = try RemoteLedger(url: url, token: c.token)
                    for j in 0..<perClient {
                        let s = try Statement(type: "load.note", time: .now(), actor: c.key.keyID, log: try remote.origin(), body: ["client": .number(Double(i)), "n": .number(Double(j))])
                        let receipt = try remote.append(try SignedStatement(statement: s, actorKey: c.key))
                        acknowledged.withLock { $0.append(receipt) }
                    }
                } catch {
                    failures.withLock { $0.append("client \(i): \(error)") }
                }
            }
            thread.start()
        }
        done.wait()
        let seconds = Date().timeIntervalSince(started)
        let receipts = acknowledged.withLock { $0 }
        print("csledgerd live: \(receipts.count) durable appends by 8 clients in \(String(format: "%.2f", seconds)) s = \(Int(Double(receipts.count) / seconds))/s")
        #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0.prefix(3) })")
        #expect(daemon.stop() == 0, "csledgerd did not exit 0 on SIGTERM: \(daemon.stderr)")

        #expect(receipts.count == 8 * perClient)
        #expect(Set(receipts.map(\.seq)).count == receipts.count, "a seq was acknowledged twice")
        let db = try LedgerDatabase.open(path: dir.path("ledger.sqlite"), readOnly: true)
        let setup = 1 + 8
        #expect(try db.size() == setup + receipts.count)
        for r in receipts {
            let bytes = try #require(try db.entryBytes(r.seq), "acknowledged seq \(r.seq) is missing")
            #expect(Hash.sha256([0] + bytes) == r.leafHash, "seq \(r.seq) has another leaf hash than acknowledged")
        }
        let verify = try CLI.csledger(["verify"], in: dir.url)
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    }

    @Test("TLS: HTTPS with a self-signed certificate for curl and csledger --cacert; clear errors for bad TLS files")
    func tls() throws {
        let dir = try TempDir()
        let clients = try Self.makeLedger(dir, admins: 1)
        for name in ["tls", "other"] {
            let r = try CLI.run("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                                            "-keyout", "\(name).key", "-out", "\(name).crt", "-days", "2", "-subj", "/CN=csledgerd test",
                                            "-addext", "subjectAltName=IP:127.0.0.1"], in: dir.url)
            try #require(r.status == 0, "openssl: \(r.stderr)")
        }
        let daemon = try Daemon(["--ledger", "ledger.sqlite", "--listen", "127.0.0.1:0", "--tls-cert", "tls.crt", "--tls-key", "tls.key"], in: dir.url)
        #expect(daemon.url.hasPrefix("https://127.0.0.1:"))
        let health = try CLI.run("curl", ["-sS", "--cacert", "tls.crt", daemon.url + "/healthz"], in: dir.url)
        #expect(health.status == 0, "\(health.stderr)")
        #expect(health.stdout == #"{"status":"ok"}"#)
        let local = try CLI.csledger(["checkpoint"], in: dir.url).stdout
        let read = try CLI.run("curl", ["-sS", "--fail", "--cacert", "tls.crt", "-H", "Authorization: Bearer \(clients[0].token)",
                                        daemon.url + "/v1/checkpoint"], in: dir.url)
        #expect(read.status == 0, "\(read.stderr)")
        #expect(read.stdout == local && local.hasPrefix("live.example/ledger\n2\n"))
        // A client that does not trust the certificate is refused by the handshake.
        #expect(try CLI.run("curl", ["-sS", daemon.url + "/healthz"], in: dir.url).status != 0)
        #expect(try CLI.run("curl", ["-sS", "--cacert", "other.crt", daemon.url + "/healthz"], in: dir.url).status != 0)
        // The command line, with the CA given, reads the same checkpoint; without it, one clear line and exit 3.
        let env = ["CSLEDGER_TOKEN": clients[0].token]
        let viaCLI = try CLI.csledger(["checkpoint", "--server", daemon.url, "--cacert", "tls.crt"], in: dir.url, env: env)
        #expect(viaCLI.status == 0, "\(viaCLI.stderr)")
        #expect(viaCLI.stdout == local)
        let untrusted = try CLI.csledger(["checkpoint", "--server", daemon.url], in: dir.url, env: env)
        #expect(untrusted.status == 3)
        #expect(untrusted.stderr.hasPrefix("csledger: error: cannot reach the ledger server at \(daemon.url): the TLS handshake failed"))
        #expect(untrusted.stderr.split(separator: "\n").count == 1)
        // Under TLS the dashboard's session cookie is Secure (never sent back over plain HTTP), as well as HttpOnly and SameSite=Strict.
        let signin = try CLI.run("curl", ["-sS", "--cacert", "tls.crt", "-o", "/dev/null", "-D", "-", "--data-urlencode", "token=\(clients[0].token)",
                                          daemon.url + "/signin"], in: dir.url)
        let cookie = signin.stdout.split(separator: "\r\n").first { $0.lowercased().hasPrefix("set-cookie:") }.map(String.init) ?? ""
        #expect(cookie.contains("; Secure") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "\(signin.stdout)")
        #expect(daemon.stop() == 0)

        // Bad TLS files: one line naming the problem, exit 2, nothing served.
        let cases: [([String], String)] = [
            (["--tls-cert", "tls.crt"], "give both --tls-cert and --tls-key, or neither"),
            (["--tls-cert", "missing.crt", "--tls-key", "tls.key"], "the TLS certificate file missing.crt does not exist"),
            (["--tls-cert", "tls.crt", "--tls-key", "ledger.sqlite"], "the TLS private key file ledger.sqlite is not a PEM private key"),
            (["--tls-cert", "tls.crt", "--tls-key", "other.key"], "the TLS private key other.key does not belong to the certificate tls.crt"),
        ]
        for (flags, message) in cases {
            let r = try CLI.run(Daemon.path, ["--ledger", "ledger.sqlite", "--listen", "127.0.0.1:0"] + flags, in: dir.url)
            #expect(r.status == 2, "\(flags): \(r.stderr)")
            #expect(r.stderr.hasPrefix("csledgerd: error: \(message)"), "\(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        }
    }

    @Test("listening beyond loopback without TLS is allowed, with a warning")
    func plainNonLoopbackWarns() throws {
        let dir = try TempDir()
        _ = try Self.makeLedger(dir, admins: 0)
        let daemon = try Daemon(["--ledger", "ledger.sqlite", "--listen", "0.0.0.0:0"], in: dir.url)
        #expect(daemon.stderr.contains("csledgerd: warning: listening on 0.0.0.0 without TLS"))
        #expect(daemon.stop() == 0)
        let loopback = try Daemon(["--ledger", "ledger.sqlite", "--listen", "127.0.0.1:0"], in: dir.url)
        #expect(!loopback.stderr.contains("warning"))
        #expect(loopback.stop() == 0)
    }

    @Test("timeouts: a half-sent request head is cut off after the idle timeout; a slow body gets 408")
    func slowClients() throws {
        let dir = try TempDir()
        let clients = try Self.makeLedger(dir, admins: 1)
        let daemon = try Daemon(["--ledger", "ledger.sqlite", "--listen", "127.0.0.1:0", "--idle-timeout", "3", "--body-timeout", "1"], in: dir.url)
        let port = try #require(Int(daemon.url.split(separator: ":").last ?? ""))

        let head = try RawConnection(port: port)
        head.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        var start = Date()
        let cut = head.readUntilClosed()
        var elapsed = Date().timeIntervalSince(start)
        #expect(cut.closed && cut.text.isEmpty, "the server kept the half-sent request open")
        #expect(elapsed > 2 && elapsed < 10, "closed after \(elapsed) s")

        let body = try RawConnection(port: port)
        body.send("POST /v1/statements HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(clients[0].token)\r\nContent-Length: 500\r\n\r\n{\"statement\":")
        start = Date()
        let answer = body.readUntilClosed(orContaining: "request-timeout")
        elapsed = Date().timeIntervalSince(start)
        #expect(answer.text.hasPrefix("HTTP/1.1 408"), "\(answer.text.prefix(200))")
        #expect(answer.text.contains("\"code\":\"request-timeout\""))
        #expect(elapsed < 10, "answered after \(elapsed) s")

        // The daemon still serves, and still stops cleanly.
        #expect(try RemoteLedger(url: daemon.url, token: clients[0].token).checkpoint().hasPrefix("live.example/ledger\n"))
        #expect(daemon.stop() == 0)
    }
}
