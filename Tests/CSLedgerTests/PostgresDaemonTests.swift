import Foundation
import Glibc
import Testing
@testable import CSLedgerKit
@testable import LedgerAccess
@testable import LedgerClient
@testable import LedgerCore

/// Several csledgerd processes appending to one ledger in PostgreSQL: one chain, sequenced by PostgreSQL.
@Suite("PostgreSQL: several daemons", .serialized)
struct PostgresDaemonTests {
    typealias Site = PostgresStoreTests.Site

    /// The ledger, `clients` enrolled admins, and for each of `daemons` daemons a mirror holding every client's token.
    static func setUp(_ site: Site, clients: Int, daemons: Int) throws -> [(key: SignerKey, tokens: [String])] {
        try site.create(notes: 0)
        var out: [(SignerKey, [String])] = []
        for i in 0..<clients {
            try #require(try CLI.csledger(["keys", "generate", "client\(i)"], in: site.dir.url).status == 0)
            try site.ok(["actor", "enroll", "--name", "Client \(i)", "--role", "admin", "--public-key", "Keys/client\(i).pub.pem", "--key", "Keys/facility.pem"])
            out.append((try KeyFiles.loadPrivateKey(path: site.dir.path("Keys/client\(i).pem")), []))
        }
        for d in 0..<daemons {
            for i in 0..<clients {
                // Issued through each daemon's mirror (each also goes to PostgreSQL, so every daemon takes all of them).
                let token = try site.ok(["token", "issue", "--actor", out[i].0.keyID.hex, "--mirror", site.dir.path("daemon\(d).sqlite")])
                out[i].1.append(token.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
            }
        }
        return out
    }

    static func startDaemon(_ site: Site, _ d: Int) throws -> Daemon {
        let daemon = try Daemon(["--ledger", site.ledger, "--mirror", site.dir.path("daemon\(d).sqlite"), "--listen", "127.0.0.1:0",
                                 "--facility-key", "Keys/facility.pem", "--log-level", "warning"], in: site.dir.url)
        let probe = try RemoteLedger(url: daemon.url, token: nil)
        var waited = 0
        while !probe.isReady(), waited < 200 { Thread.sleep(forTimeInterval: 0.05); waited += 1 }
        return daemon
    }

    /// Appends from every client to its daemon for `seconds`; `restart` (if given) runs on its own meanwhile.
    /// Returns the receipts, the statements tried, and unexpected failures.
    static func load(_ site: Site, clients: [(key: SignerKey, tokens: [String])], urls: Locked<[String]>, seconds: Double,
                     during restart: (() -> Void)? = nil) throws -> (receipts: [AppendReceipt], tried: Int, failures: [String], unavailable: Int) {
        let receipts = Locked<[AppendReceipt]>([])
        let unavailable = Locked(0)
        let failures = Locked<[String]>([])
        let tried = Locked(0)
        let origin = site.origin
        let until = Date().addingTimeInterval(seconds)
        let group = DispatchGroup()
        let daemons = urls.withLock { $0.count }
        let tolerateDown = restart != nil
        for (i, c) in clients.enumerated() {
            for d in 0..<daemons {
                group.enter()
                Thread {
                    defer { group.leave() }
                    var n = 0
                    while Date() < until {
                        n += 1
                        let signed: SignedStatement
                        do {
                            let s = try Statement(type: "load.note", time: .now(), actor: c.key.keyID, log: origin,
                                                  body: ["client": .number(Double(i)), "daemon": .number(Double(d)), "n": .number(Double(n))])
                            signed = try SignedStatement(statement: s, actorKey: c.key)
                        } catch { failures.withLock { $0.append("sign: \(error)") }; return }
                        tried.withLock { $0 += 1 }
                        do {
                            let remote = try RemoteLedger(url: urls.withLock { $0[d] }, token: c.tokens[d])
                            let r = try remote.append(signed)
                            receipts.withLock { $0.append(r) }
                        } catch let e as LedgerError where tolerateDown && [.serverUnreachable, .serverUnavailable, .serverRefused].contains(e.code) {
                            if e.code == .serverUnavailable { unavailable.withLock { $0 += 1 } }
                            Thread.sleep(forTimeInterval: 0.05)  // that daemon is down: not acknowledged, try the next one
                        } catch {
                            failures.withLock { $0.append("client \(i) via daemon \(d): \(error)") }
                            Thread.sleep(forTimeInterval: 0.05)
                        }
                    }
                }.start()
            }
        }
        restart?()
        group.wait()
        return (receipts.withLock { $0 }, tried.withLock { $0 }, failures.withLock { $0 }, unavailable.withLock { $0 })
    }

    /// Every acknowledged entry is in PostgreSQL at its seq with its leaf hash, once; the chain verifies from a new mirror.
    static func check(_ site: Site, receipts: [AppendReceipt], setup: Int, exact: Bool, tried: Int) throws {
        #expect(!receipts.isEmpty)
        #expect(Set(receipts.map(\.seq)).count == receipts.count, "a seq was acknowledged twice")
        let rows = try site.entryRows()
        #expect(rows.map(\.seq) == Array(0..<rows.count), "PostgreSQL's entries have a gap")
        let bySeq = Dictionary(uniqueKeysWithValues: rows.map { ($0.seq, $0.leaf) })
        for r in receipts {
            #expect(bySeq[r.seq] == r.leafHash.bytes, "acknowledged seq \(r.seq) is missing or has another leaf hash")
        }
        if exact {
            #expect(rows.count == setup + receipts.count, "entries \(rows.count) != \(setup) + acknowledged \(receipts.count)")
        } else {
            #expect(rows.count >= setup + receipts.count && rows.count <= setup + tried)
        }
        // One chain, every signature and checkpoint, no statement twice: verify from a mirror built anew (in pieces).
        let verify = try site.verifyJSON(cache: "verify-\(UUID().uuidString.prefix(6))", chunk: 100)
        #expect(verify.status == 0 && verify.json?["ok"] == .bool(true), "\(verify.stderr) \(String(describing: verify.json))")
        #expect(verify.json?["entries"]?.integerValue == rows.count)
    }

    @Test("one, two, then three csledgerd on one PostgreSQL ledger with concurrent clients: entries = acknowledged, one chain, verify clean")
    func severalDaemonsOneChain() throws {
        guard let database = TestPostgres.database("several daemons") else { return }
        let site = try Site(database: database, label: "daemons")
        let clients = try Self.setUp(site, clients: 4, daemons: 3)
        let setup = 1 + 1 + 4
        var daemons = [try Self.startDaemon(site, 0)]
        defer { for d in daemons { d.stop() } }
        let one = try Self.load(site, clients: clients, urls: Locked(daemons.map(\.url)), seconds: 3)
        #expect(one.failures.isEmpty, "\(one.failures.prefix(3))")
        print("PostgreSQL, 1 daemon: \(one.receipts.count) acknowledged appends in 3 s")
        daemons.append(try Self.startDaemon(site, 1))
        let two = try Self.load(site, clients: clients, urls: Locked(daemons.map(\.url)), seconds: 4)
        #expect(two.failures.isEmpty, "\(two.failures.prefix(3))")
        print("PostgreSQL, 2 daemons: \(two.receipts.count) acknowledged appends in 4 s")
        try Self.check(site, receipts: one.receipts + two.receipts, setup: setup, exact: true, tried: one.tried + two.tried)

        daemons.append(try Self.startDaemon(site, 2))
        let three = try Self.load(site, clients: clients, urls: Locked(daemons.map(\.url)), seconds: 4)
        #expect(three.failures.isEmpty, "\(three.failures.prefix(3))")
        print("PostgreSQL, 3 daemons: \(three.receipts.count) acknowledged appends in 4 s")
        try Self.check(site, receipts: one.receipts + two.receipts + three.receipts, setup: setup, exact: true,
                       tried: one.tried + two.tried + three.tried)
        for d in daemons { #expect(d.stop() == 0, "\(d.stderr)") }
    }

    @Test("one of two daemons SIGKILLed mid-load and restarted: nothing acknowledged is lost or duplicated, the chain verifies")
    func daemonKilledMidLoad() throws {
        guard let database = TestPostgres.database("daemon killed") else { return }
        let site = try Site(database: database, label: "killed")
        let clients = try Self.setUp(site, clients: 4, daemons: 2)
        let setup = 1 + 1 + 4
        let first = try Self.startDaemon(site, 0)
        let second = DaemonBox(try Self.startDaemon(site, 1))
        let urls = Locked([first.url, second.daemon.url])
        defer {
            first.stop()
            second.daemon.stop()
        }
        let result = try Self.load(site, clients: clients, urls: urls, seconds: 8) {
            for _ in 0..<2 {
                Thread.sleep(forTimeInterval: 2)
                second.daemon.killHard()
                Thread.sleep(forTimeInterval: 0.3)
                do {
                    let again = try Self.startDaemon(site, 1)
                    second.daemon = again
                    urls.withLock { $0[1] = again.url }
                } catch {
                    Issue.record("the killed daemon did not start again: \(error)")
                    return
                }
            }
        }
        #expect(result.failures.isEmpty, "\(result.failures.prefix(3))")
        print("PostgreSQL, 2 daemons, one killed twice: \(result.receipts.count) acknowledged of \(result.tried) tried")
        try Self.check(site, receipts: result.receipts, setup: setup, exact: false, tried: result.tried)
    }
}

extension PostgresDaemonTests {
    /// `Tools/pg-test-cluster.sh COMMAND` for a cluster of this test's own on `port`.
    static func cluster(_ command: String, port: Int) throws -> CLI.Result {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return try CLI.run("/bin/bash", [repo.appendingPathComponent("Tools/pg-test-cluster.sh").path, command], in: repo,
                           env: ["CSLEDGER_PG_PORT": String(port)])
    }

    /// A throwaway PostgreSQL of a test's own (a test that stops it midway), started: its port and its address.
    /// The port is above Linux's ephemeral range (32768-60999), which the other tests' daemons and connections
    /// take theirs from: a port drawn inside it was once already taken (CI, "could not bind ... Address already in
    /// use"). Another port is tried if one is taken anyway. The caller stops it (`cluster("stop", port:)`).
    static func ownCluster() throws -> (port: Int, address: String) {
        var failures: [String] = []
        for _ in 0..<5 {
            let port = 61_000 + Int.random(in: 0..<4_000)
            let started = try cluster("start", port: port)
            if started.status == 0 { return (port, started.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) }
            failures.append("port \(port): \(started.stderr.suffix(300))")
            _ = try? cluster("stop", port: port)  // its folder
        }
        throw LedgerError(.storage, "no throwaway PostgreSQL could be started: \(failures.joined(separator: "; "))")
    }

    @Test("PostgreSQL stopped and started during appends: the daemon answers 503 meanwhile, loses no acknowledged entry, and appends again without a restart")
    func postgresRestart() throws {
        // A server of this test's own, since it is stopped midway; needs the same tools as the shared one.
        guard TestPostgres.database("PostgreSQL restarted") != nil else { return }
        let (port, database) = try Self.ownCluster()
        defer { _ = try? Self.cluster("stop", port: port) }
        let site = try Site(database: database, label: "restart")
        let clients = try Self.setUp(site, clients: 3, daemons: 1)
        let daemon = try Self.startDaemon(site, 0)
        defer { daemon.stop() }
        let resumed = Locked<Date?>(nil)
        let result = try Self.load(site, clients: clients, urls: Locked([daemon.url]), seconds: 7) {
            Thread.sleep(forTimeInterval: 1.5)
            let halted = try? Self.cluster("halt", port: port)
            #expect(halted?.status == 0, "\(halted?.stderr ?? "")")
            Thread.sleep(forTimeInterval: 1.5)
            let again = try? Self.cluster("start", port: port)
            #expect(again?.status == 0, "\(again?.stderr ?? "")")
            resumed.withLock { $0 = Date() }
        }
        #expect(result.failures.isEmpty, "\(result.failures.prefix(3))")
        #expect(result.unavailable > 0, "no append was refused with 503 while PostgreSQL was down")
        print("PostgreSQL restarted under load: \(result.receipts.count) acknowledged of \(result.tried) tried, \(result.unavailable) answered 503")
        // Appends went on after the restart, through the same daemon process.
        let after = try RemoteLedger(url: daemon.url, token: clients[0].tokens[0])
        let s = try Statement(type: "load.note", time: .now(), actor: clients[0].key.keyID, log: site.origin, body: ["after": .bool(true)])
        let receipt = try after.append(try SignedStatement(statement: s, actorKey: clients[0].key))
        try Self.check(site, receipts: result.receipts + [receipt], setup: 1 + 1 + 3, exact: false, tried: result.tried + 1)
        // A 503 while the store is out of reach says when to try again.
        _ = try Self.cluster("halt", port: port)
        let down = try SignedStatement(statement: try Statement(type: "load.note", time: .now(), actor: clients[0].key.keyID, log: site.origin,
                                                                body: ["down": .bool(true)]), actorKey: clients[0].key)
        let raw = try CLI.run("curl", ["-s", "-i", "-X", "POST", "-H", "Authorization: Bearer \(clients[0].tokens[0])", "-H", "Content-Type: application/json",
                                       "--data-binary", String(decoding: StatementSubmission.encode(down), as: UTF8.self),
                                       "\(daemon.url)/v1/statements"], in: site.dir.url)
        #expect(raw.stdout.hasPrefix("HTTP/1.1 503") && raw.stdout.lowercased().contains("retry-after: 1"), "\(raw.stdout.prefix(400))")
    }
}

/// The daemon that is killed and started again, swapped by the restarting loop (one thread at a time).
final class DaemonBox: @unchecked Sendable {
    var daemon: Daemon
    init(_ daemon: Daemon) { self.daemon = daemon }
}
