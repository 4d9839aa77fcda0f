import Foundation
import Testing
@testable import CSLedgerKit
@testable import LedgerCore
@testable import LedgerStore

/// `csledger --server URL ...` against the built daemon gives what the same commands give on a file.
@Suite("csledger --server", .serialized)
struct ServerModeTests {
    typealias D = DispensingLedger

    /// Two copies of the prepared ledger: one used as a file, one served by csledgerd (from a file, or from PostgreSQL
    /// with a mirror of the daemon's own, as an operator runs it; the CLI's commands on `remote` use another).
    struct Pair {
        let local: DispensingLedger
        let remote: DispensingLedger
        let daemon: Daemon
        let tokens: [String: String]
        /// Where the daemon keeps files beside its ledger (signature images): `<ledger file>.files`, or beside its mirror.
        let daemonFiles: String

        /// The remote copy in `backend`'s store; nil when that is PostgreSQL and no server is there (after a SKIPPED line).
        static func make(_ backend: Backend) throws -> Pair? {
            guard let remote = try D.make(backend) else { return nil }
            return try Pair(remote: remote)
        }

        private init(remote: DispensingLedger) throws {
            local = try D.make()
            self.remote = remote
            (daemon, tokens, daemonFiles) = try remote.startDaemon(tokensFor: ["pharmacist", "clinician", "compliance", "facility"])
        }

        /// The same command on both: locally on the file, and with --server (global form) on the daemon.
        func both(_ args: [String], as signer: String = "pharmacist") throws -> (local: CLI.Result, remote: CLI.Result) {
            let l = try local.csledger(args)
            let r = try CLI.csledger(["--server", daemon.url] + (try remote.resolve(args)), in: remote.root,
                                     env: ["CSLEDGER_TOKEN": tokens[signer]!])
            return (l, r)
        }
    }

    @Test("dispense, administer, waste, count and a refusal: same output, same exit status, same inventory", arguments: Backend.allCases)
    func sameAsLocal(_ backend: Backend) throws {
        guard let p = try Pair.make(backend) else { return }
        let steps: [([String], String)] = [
            (D.dispense(time: "2026-03-04T10:00:00Z"), "pharmacist"),
            (D.administer(time: "2026-03-04T11:00:00Z"), "clinician"),
            (D.waste(quantity: "0.5", time: "2026-03-04T12:00:00Z"), "pharmacist"),
            (["count", "--lot", D.tabletLot, "--counted", "84", "--time", "2026-03-05T09:00:00Z"] + D.pharmacist + D.witnessed, "pharmacist"),
        ]
        for (args, signer) in steps {
            let (l, r) = try p.both(args, as: signer)
            #expect(l.status == 0, "\(args[0]) locally: \(l.stderr)")
            #expect(r.status == 0, "\(args[0]) with --server: \(r.stderr)")
            #expect(l.stdout == r.stdout, "\(args[0]): \(l.stdout) vs \(r.stdout)")
        }
        // --json prints the same seq, type and leaf hash fields.
        let (lj, rj) = try p.both(D.dispense(fill: 2, time: "2026-03-26T10:00:00Z") + ["--json"])
        #expect(lj.status == 0 && rj.status == 0, "\(lj.stderr) \(rj.stderr)")
        let ljv = try JSONParser.parse(lj.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        let rjv = try JSONParser.parse(rj.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(ljv["seq"] == rjv["seq"] && ljv["type"] == rjv["type"] && rjv["leaf_hash"]?.stringValue?.count == 64)

        // A refusal by the ledger's rules: the same line and exit status.
        let (lr, rr) = try p.both(D.dispense(fill: 3, quantity: "500", time: "2026-04-20T10:00:00Z"))
        #expect(lr.status == 2 && rr.status == 2)
        #expect(lr.stderr == rr.stderr, "\(lr.stderr) vs \(rr.stderr)")
        try p.remote.expectRefusal(rr, "invalid-body", [])

        // Inventory: the file, the daemon's answer, and the daemon's file after it stops all agree.
        let (li, ri) = try p.both(["inventory", "--json"])
        #expect(li.status == 0 && ri.status == 0, "\(ri.stderr)")
        #expect(li.stdout == ri.stdout && !li.stdout.isEmpty)
        let (lt, rt) = try p.both(["inventory"])
        #expect(lt.stdout == rt.stdout)
        #expect(p.daemon.stop() == 0)
        #expect(try p.local.inventory() == p.remote.inventory())
        try p.remote.expectVerifies()
    }

    @Test("reads through the daemon: checkpoint, proofs, log, actor list, reconcile", arguments: Backend.allCases)
    func reads(_ backend: Backend) throws {
        guard let p = try Pair.make(backend) else { return }
        let env = ["CSLEDGER_TOKEN": p.tokens["compliance"]!, "CSLEDGER_SERVER": p.daemon.url]
        func viaServer(_ args: [String]) throws -> CLI.Result { try CLI.csledger(args, in: p.remote.root, env: env) }
        for args in [["checkpoint"], ["prove", "inclusion", "3"], ["prove", "inclusion", "3", "--json"], ["prove", "consistency", "2"],
                     ["log", "--from", "2", "--to", "5"], ["log", "--type", "prescription.added"], ["actor", "list", "--json"]] {
            let r = try viaServer(args)
            let l = try p.remote.csledger(args)
            #expect(r.status == 0, "\(args): \(r.stderr)")
            #expect(r.stdout == l.stdout, "\(args)")
        }
        let l = try p.remote.csledger(["reconcile", "--json", "--all", "--as-of", "2026-03-10"])
        let r = try viaServer(["reconcile", "--json", "--all", "--as-of", "2026-03-10"])
        #expect(r.status == l.status, "\(r.stderr)")
        let lj = try JSONParser.parse(l.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        let rj = try JSONParser.parse(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(lj["findings"] == rj["findings"] && lj["summary"] == rj["summary"])
        #expect(try viaServer(["reconcile", "--as-of", "2026-03-10", "--fail-on", "never"]).stdout.hasPrefix("Reconciliation of "))
        // A pharmacist's token may not read the reconciliation: the server's 403 becomes the local code and exit 2.
        let denied = try CLI.csledger(["reconcile", "--server", p.daemon.url], in: p.remote.root, env: ["CSLEDGER_TOKEN": p.tokens["pharmacist"]!])
        #expect(denied.status == 2)
        #expect(denied.stderr.hasSuffix("[role-not-allowed]\n"))
        #expect(p.daemon.stop() == 0)
    }

    @Test("admin and compliance work through the daemon: enrol, append, a remotely witnessed draft, resolve a finding", arguments: Backend.allCases)
    func adminAndCompliance(_ backend: Backend) throws {
        guard let p = try Pair.make(backend) else { return }
        // An admin enrols a signer and appends raw statements.
        let newKey = SignerKey()
        try newKey.publicKey.pem.write(toFile: p.remote.dir.path("Keys/new.pub.pem"), atomically: true, encoding: .utf8)
        try newKey.publicKey.pem.write(toFile: p.local.dir.path("Keys/new.pub.pem"), atomically: true, encoding: .utf8)
        let (le, re) = try p.both(["actor", "enroll", "--name", "New Tech", "--role", "witness", "--public-key", "Keys/new.pub.pem",
                                   "--key", "Keys/facility.pem"], as: "facility")
        #expect(le.status == 0 && re.status == 0, "\(re.stderr)")
        #expect(le.stdout == re.stdout)
        let (la, ra) = try p.both(["append", "--type", "note.recorded", "--body", #"{"text":"shift change"}"#, "--repeat", "3",
                                   "--key", "Keys/facility.pem"], as: "facility")
        #expect(la.status == 0 && ra.status == 0, "\(ra.stderr)")
        #expect(la.stdout == ra.stdout)
        let (ln, rn) = try p.both(["append", "--type", "note.recorded", "--body", "{}"] + D.pharmacist, as: "pharmacist")
        #expect(ln.status == 2 && rn.status == 2 && ln.stderr == rn.stderr, "\(rn.stderr)")

        // A waste witnessed remotely: draft here, cosign, submit through the daemon.
        let draft = p.remote.dir.path("waste.json")
        let d = try CLI.csledger(["--server", p.daemon.url, "waste", "--lot", D.vialLot, "--quantity", "0.3", "--reason", "spilled",
                                  "--method", "drug disposal container", "--witness", try p.remote.keyID("witness"), "--draft", draft] + D.pharmacist,
                                 in: p.remote.root, env: ["CSLEDGER_TOKEN": p.tokens["pharmacist"]!])
        #expect(d.status == 0, "\(d.stderr)")
        #expect(try CLI.csledger(["cosign", draft, "--key", "Keys/witness.pem"], in: p.remote.root, env: p.remote.place.env).status == 0)
        let sub = try CLI.csledger(["submit", draft, "--server", p.daemon.url], in: p.remote.root, env: ["CSLEDGER_TOKEN": p.tokens["pharmacist"]!])
        #expect(sub.status == 0 && sub.stdout.hasPrefix("submitted waste.recorded at seq "), "\(sub.stderr)")
        // The same on the file, so both ledgers hold the same entries (finding ids name entries).
        let localDraft = p.local.dir.path("waste.json")
        #expect(try p.local.csledger(["waste", "--lot", D.vialLot, "--quantity", "0.3", "--reason", "spilled", "--method", "drug disposal container",
                                      "--witness", try p.local.keyID("witness"), "--draft", localDraft] + D.pharmacist).status == 0)
        #expect(try p.local.csledger(["cosign", localDraft, "--key", "Keys/witness.pem"]).status == 0)
        #expect(try p.local.csledger(["submit", localDraft]).stdout == sub.stdout)

        // A blind count that is off opens a finding; the compliance officer resolves it through the daemon.
        let count = ["count", "--lot", D.tabletLot, "--counted", "80", "--time", "2026-03-05T09:00:00Z"] + D.pharmacist + D.witnessed
        #expect(try p.both(count).remote.status == 0)
        let compliance = ["CSLEDGER_TOKEN": p.tokens["compliance"]!, "CSLEDGER_SERVER": p.daemon.url]
        let open = try CLI.csledger(["reconcile", "--json", "--no-verify"], in: p.remote.root, env: compliance)
        let findings = try JSONParser.parse(open.stdout.trimmingCharacters(in: .whitespacesAndNewlines))["findings"]?.arrayValue ?? []
        let id = try #require(findings.first { $0["lot"]?.stringValue?.contains(D.tabletLot) == true }?["id"]?.stringValue, "\(open.stdout)")
        let resolve = ["resolve", id, "--reason", "recount found 10 tablets in the returns bin"] + D.compliance
        let (lres, rres) = try p.both(resolve, as: "compliance")
        #expect(lres.status == 0 && rres.status == 0, "\(lres.stderr) \(rres.stderr)")
        #expect(lres.stdout == rres.stdout && rres.stdout.hasPrefix("finding \(id) resolved at seq "))
        let again = try CLI.csledger(resolve, in: p.remote.root, env: compliance)
        #expect(again.status == 2 && again.stderr.contains("is already resolved"), "\(again.stderr)")
        let after = try CLI.csledger(["reconcile", "--json", "--all", "--no-verify"], in: p.remote.root, env: compliance)
        let resolved = try JSONParser.parse(after.stdout.trimmingCharacters(in: .whitespacesAndNewlines))["findings"]?.arrayValue ?? []
        #expect(resolved.first { $0["id"]?.stringValue == id }?["status"]?.stringValue == "resolved")
        #expect(p.daemon.stop() == 0)
        try p.remote.expectVerifies()
    }

    @Test("patient add and deliver through the daemon: the personal data and the signature image stay beside the daemon's file", arguments: Backend.allCases)
    func personalDataThroughTheDaemon(_ backend: Backend) throws {
        guard let p = try Pair.make(backend) else { return }
        // The CLI's view of the ledger exists before the patient is added (on PostgreSQL, its mirror: it must take the
        // patient the daemon stored there though no entry came with them).
        #expect(try p.remote.csledger(["checkpoint"]).status == 0)
        let add = ["patient", "add", "--name", "Ottoline Vanstraaten", "--address", "12 Quarry Lane, Bisbee, AZ 85603", "--dob", "1990-05-06", "--json"]
        let (l, r) = try p.both(add)
        #expect(l.status == 0 && r.status == 0, "\(l.stderr) \(r.stderr)")
        let ref = try #require(try JSONParser.parse(r.stdout.trimmingCharacters(in: .newlines))["ref"]?.stringValue)
        #expect(ref.hasPrefix("P-") && !r.stdout.contains("Ottoline"))
        // The daemon's file holds the data; `patient show` there checks it against its commitment.
        let shown = try p.remote.csledger(["patient", "show", ref, "--json"])
        #expect(shown.status == 0 && shown.stdout.contains("Ottoline Vanstraaten") && shown.stdout.contains("\"commitment_matches\":true"), "\(shown.stderr)")
        // A refused patient: the same line from the file and from the daemon.
        let (lb, rb) = try p.both(["patient", "add", "--name", "Ottoline Vanstraaten", "--address", "12 Quarry Lane", "--dob", "2990-01-01"])
        #expect(lb.status == 2 && rb.status == 2 && rb.stderr.contains("must be a past date YYYY-MM-DD") && !rb.stderr.contains("Ottoline"),
                "\(lb.stderr) \(rb.stderr)")

        // Ship on both, then deliver through the daemon with the carrier's image.
        for args in [D.dispense(time: "2026-03-03T10:00:00Z"), D.ship(tracking: "1Z999AA10123456784", time: "2026-03-03T11:00:00Z")] {
            let (a, b) = try p.both(args)
            #expect(a.status == 0 && b.status == 0, "\(a.stderr) \(b.stderr)")
        }
        let image = try p.remote.writeImage()
        let digest = Hash.sha256(Array(image)).hex
        let delivered = try CLI.csledger(["--server", p.daemon.url] + (try p.remote.resolve(
            D.deliver(tracking: "1Z999AA10123456784", delivered: "2026-03-04T15:02:00Z", time: "2026-03-04T16:00:00Z") + ["--json"])),
            in: p.remote.root, env: ["CSLEDGER_TOKEN": p.tokens["pharmacist"]!])
        #expect(delivered.status == 0, "\(delivered.stderr)")
        let seq = try #require(try JSONParser.parse(delivered.stdout.trimmingCharacters(in: .newlines))["seq"]?.integerValue)
        let kept = p.daemonFiles + "/proof-of-delivery/\(digest).png"
        #expect(FileManager.default.contents(atPath: kept) == image, "the daemon keeps the image under its SHA-256")
        #expect(p.daemon.stop() == 0)
        let body = try #require(try p.remote.entry(seq)["statement"]?["body"])
        #expect(body["signature_image_sha256"]?.stringValue == digest)
        let signer = try #require(body["signer"]?["ref"]?.stringValue)
        #expect(try p.remote.place.personalData("SELECT kind FROM personal_data WHERE ref = '\(signer)'") == "delivery_signer")
        #expect(try p.remote.sqlite("SELECT status FROM shipments WHERE tracking = '1Z999AA10123456784'") == "delivered")
        try p.remote.expectVerifies()
    }

    @Test("a bad token, the wrong signer's token, a refused delivery, a stopped server: one line each, the right exit status", arguments: Backend.allCases)
    func errors(_ backend: Backend) throws {
        guard let p = try Pair.make(backend) else { return }
        let args = try p.remote.resolve(D.dispense(time: "2026-03-04T10:00:00Z"))
        let bad = try CLI.csledger(["--server", p.daemon.url, "--token", "csl_nope"] + args, in: p.remote.root)
        #expect(bad.status == 4)
        #expect(bad.stderr.hasPrefix("csledger: error: ") && bad.stderr.hasSuffix("[token-invalid]\n"), "\(bad.stderr)")
        let none = try CLI.csledger(["--server", p.daemon.url] + args, in: p.remote.root)
        #expect(none.status == 4 && none.stderr.contains("CSLEDGER_TOKEN"))
        // The clinician's token with the pharmacist's key: the daemon refuses to let one sign as another.
        let other = try CLI.csledger(["--server", p.daemon.url] + args, in: p.remote.root, env: ["CSLEDGER_TOKEN": p.tokens["clinician"]!])
        #expect(other.status == 2)
        #expect(other.stderr.contains("actor-mismatch"), "\(other.stderr)")
        // A delivery of a parcel never shipped: refused, and the daemon keeps no personal data of its signer.
        _ = try p.remote.writeImage()
        let deliver = try CLI.csledger(["--server", p.daemon.url] + (try p.remote.resolve(D.deliver(tracking: "1Z1", delivered: "2026-03-05T10:00:00Z", time: "2026-03-05T10:00:00Z"))),
                                       in: p.remote.root, env: ["CSLEDGER_TOKEN": p.tokens["pharmacist"]!])
        try p.remote.expectRefusal(deliver, "invalid-body", ["tracking 1Z1 matches no shipment"])
        #expect(try p.remote.place.personalData("SELECT count(*) FROM personal_data WHERE kind = 'delivery_signer'") == "0")
        let images = (try? FileManager.default.contentsOfDirectory(atPath: p.daemonFiles + "/proof-of-delivery")) ?? []
        #expect(images.isEmpty, "the daemon kept the signature of a refused delivery: \(images)")
        let url = p.daemon.url
        #expect(p.daemon.stop() == 0)
        let down = try CLI.csledger(["--server", url] + args, in: p.remote.root, env: ["CSLEDGER_TOKEN": p.tokens["pharmacist"]!])
        #expect(down.status == 3)
        #expect(down.stderr == "csledger: error: cannot reach the ledger server at \(url): connection refused (is csledgerd running there?) [server-unreachable]\n",
                "\(down.stderr)")
        #expect(try p.remote.size() == p.local.size(), "nothing was recorded by the refused requests")
        // A host name that cannot resolve (.invalid never does, RFC 6761): named as such, from the error's type.
        let nowhere = try CLI.csledger(["--server", "https://csledger-test.invalid:8443"] + args, in: p.remote.root,
                                       env: ["CSLEDGER_TOKEN": p.tokens["pharmacist"]!])
        #expect(nowhere.status == 3)
        #expect(nowhere.stderr == "csledger: error: cannot reach the ledger server at https://csledger-test.invalid:8443: the host name does not resolve [server-unreachable]\n",
                "\(nowhere.stderr)")
    }
}
