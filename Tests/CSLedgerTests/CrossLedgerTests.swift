import Foundation
import Testing
@testable import CSLedgerKit
@testable import LedgerCore
@testable import LedgerStore

/// Statements name their ledger (SPEC v2 `log`): one signed for ledger A cannot be recorded in ledger B,
/// where the same pharmacist is enrolled, neither on B's file nor through B's daemon.
@Suite("A statement signed for one ledger is refused by another")
struct CrossLedgerTests {
    typealias D = DispensingLedger

    /// Ledger A (the fixture) and ledger B beside it in the same folder, with the same staff enrolled.
    static func twoLedgers() throws -> (a: DispensingLedger, bPath: String) {
        let a = try D.make()
        let b = a.dir.path("b.sqlite")
        try a.ok(["init", "--origin", "b.example.org/ledger", "--facility-name", "Clinic B", "--dea-number", CLILedger.dea,
                  "--key", "Keys/facility.pem", "--ledger", b])
        for (name, role) in [("pharmacist", "pharmacist"), ("witness", "witness")] {
            try a.ok(["actor", "enroll", "--name", name.capitalized, "--role", role, "--public-key", "Keys/\(name).pub.pem",
                      "--key", "Keys/facility.pem", "--ledger", b])
        }
        return (a, b)
    }

    /// A lot.received signed by A's pharmacist for ledger A, as anyone who can read A's entries could copy it.
    static func receiptDraftForA(_ a: DispensingLedger) throws -> String {
        try a.ok(D.receive(lot: "KT9999Z", time: "2026-03-06T10:00:00Z") + ["--draft", "receipt.json"])
        let text = try String(contentsOfFile: a.dir.path("receipt.json"), encoding: .utf8)
        #expect(text.contains(#""log":"test.example.org/ledger""#), "the draft names its ledger: \(text)")
        return "receipt.json"
    }

    @Test("on the file: ledger B refuses A's signed receipt (wrong-ledger, exit 2, nothing written); A takes it")
    func onTheFile() throws {
        let (a, b) = try Self.twoLedgers()
        let draft = try Self.receiptDraftForA(a)
        let before = try LedgerDatabase.open(path: b, readOnly: true).size()
        let r = try a.csledger(["submit", draft, "--ledger", b])
        #expect(r.status == 2, "\(r.stdout) \(r.stderr)")
        #expect(r.stderr.contains("wrong-ledger") && r.stderr.contains("test.example.org/ledger"), "\(r.stderr)")
        #expect(try LedgerDatabase.open(path: b, readOnly: true).size() == before)
        let inventory = try a.csledger(["inventory", "--ledger", b])
        #expect(inventory.status == 0 && !inventory.stdout.contains("KT9999Z"), "B shows stock it never received: \(inventory.stdout)")
        try a.ok(["submit", draft])
        #expect(try a.inventory()["KT9999Z"] != nil)
    }

    @Test("through ledger B's daemon: the same refusal, and B's ledger unchanged")
    func throughTheDaemon() throws {
        let (a, b) = try Self.twoLedgers()
        let draft = try Self.receiptDraftForA(a)
        let db = try Ledger.open(path: b)
        let token = try APITokens(database: db.database).issue(for: try a.key("pharmacist").keyID, expires: nil).token
        let before = try db.database.size()
        let daemon = try Daemon(["--ledger", b, "--listen", "127.0.0.1:0", "--facility-key", a.dir.path("Keys/facility.pem"),
                                 "--log-level", "warning"], in: a.root)
        defer { _ = daemon.stop() }
        let r = try CLI.csledger(["submit", draft, "--server", daemon.url], in: a.root, env: ["CSLEDGER_TOKEN": token])
        #expect(r.status == 2, "\(r.stdout) \(r.stderr)")
        #expect(r.stderr.contains("wrong-ledger"), "\(r.stderr)")
        #expect(try db.database.size() == before)
    }

    @Test("a statement that names no ledger is refused by a v2 ledger")
    func unnamed() throws {
        let a = try D.make()
        let key = try a.key("pharmacist")
        let s = try Statement(type: "test.note", time: .now(), actor: key.keyID, body: ["text": "no log"])
        try Draft(signed: try SignedStatement(statement: s, actorKey: key)).write(path: a.dir.path("old.json"))
        let r = try a.csledger(["submit", "old.json"])
        #expect(r.status == 2 && r.stderr.contains("wrong-ledger") && r.stderr.contains("does not name its ledger"), "\(r.stderr)")
    }
}

/// csledgerd checks the file too: a table changed behind its back while it runs is caught before the
/// next append (503, nothing written) and before the next report.
@Suite("csledgerd and a file changed behind its back")
struct DaemonTamperTests {
    @Test("a lot's balance inflated with sqlite3 while the daemon runs: the next write and inventory are refused")
    func tamperWhileServing() throws {
        let l = try DispensingLedger.make()
        let db = try Ledger.open(path: l.ledgerPath)
        let token = try APITokens(database: db.database).issue(for: try l.key("pharmacist").keyID, expires: nil).token
        let daemon = try Daemon(["--ledger", l.ledgerPath, "--listen", "127.0.0.1:0", "--facility-key", l.dir.path("Keys/facility.pem"),
                                 "--log-level", "warning"], in: l.root)
        defer { _ = daemon.stop() }
        func remote(_ args: [String]) throws -> CLI.Result {
            try CLI.csledger(["--server", daemon.url] + (try l.resolve(args)), in: l.root, env: ["CSLEDGER_TOKEN": token])
        }
        let ok = try remote(DispensingLedger.dispense(time: "2026-03-04T10:00:00Z"))
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(try remote(["inventory"]).status == 0)
        let size = try db.database.size()
        let t = try CLI.run("sqlite3", [l.ledgerPath], in: l.root, stdin: Data("UPDATE lots SET on_hand_micros = on_hand_micros + 500000000;".utf8))
        #expect(t.status == 0, "\(t.stderr)")
        let refused = try remote(DispensingLedger.dispense(fill: 2, time: "2026-03-26T10:00:00Z"))
        #expect(refused.status == 3, "\(refused.stdout) \(refused.stderr)")
        #expect(refused.stderr.contains("csledger verify"), "\(refused.stderr)")
        #expect(try db.database.size() == size)
        let inventory = try remote(["inventory"])
        #expect(inventory.status != 0, "\(inventory.stdout)")
        #expect(inventory.stderr.contains("csledger verify"), "\(inventory.stderr)")
    }
}

extension CrossLedgerTests {
    @Test("cosign refuses a draft made for another ledger, before signing anything")
    func cosignOtherLedger() throws {
        let (a, b) = try Self.twoLedgers()
        try a.ok(DispensingLedger.waste(quantity: "0.5", time: "2026-03-05T10:00:00Z", witnesses: []) + ["--witness", "$W", "--draft", "w.json"])
        let before = try String(contentsOfFile: a.dir.path("w.json"), encoding: .utf8)
        let r = try a.csledger(["cosign", "w.json", "--key", "Keys/witness.pem", "--ledger", b])
        #expect(r.status == 2 && r.stderr.contains("wrong-ledger"), "\(r.stdout) \(r.stderr)")
        #expect(try String(contentsOfFile: a.dir.path("w.json"), encoding: .utf8) == before, "the draft must be left as it was")
        try a.ok(["cosign", "w.json", "--key", "Keys/witness.pem"])
    }
}
