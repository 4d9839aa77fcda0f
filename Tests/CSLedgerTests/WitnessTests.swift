import Foundation
import Glibc
import Testing
@testable import CSLedgerKit
@testable import LedgerCore

/// `csledger witness serve`, driven over HTTP (curl) as a log would: every refusal of c2sp.org/tlog-witness
/// with the spec's status, state kept across restarts and SIGKILLs, never two inconsistent cosignatures.
@Suite(.serialized) struct WitnessTests {
    static let origin = "test.example.org/ledger"
    static let name = "witness.test/w1"

    struct Answer { let status: Int; let contentType: String; let body: String }

    /// POSTs `body` to `<url>/add-checkpoint` with curl.
    static func post(_ url: String, _ body: String, in dir: URL, curl extra: [String] = []) throws -> Answer {
        let id = UUID().uuidString
        let bodyPath = dir.appendingPathComponent("req-\(id)").path, headerPath = dir.appendingPathComponent("hdr-\(id)").path
        let outPath = dir.appendingPathComponent("out-\(id)").path
        try Data(body.utf8).write(to: URL(fileURLWithPath: bodyPath))
        defer { for p in [bodyPath, headerPath, outPath] { try? FileManager.default.removeItem(atPath: p) } }
        let r = try CLI.run("curl", extra + ["-sS", "--max-time", "20", "-o", outPath, "-D", headerPath, "-w", "%{http_code}",
                                     "-H", "Content-Type: text/plain", "--data-binary", "@" + bodyPath, url + "/add-checkpoint"], in: dir)
        guard r.status == 0, let status = Int(r.stdout) else { return Answer(status: 0, contentType: "", body: r.stderr) }
        let headers = (try? String(contentsOfFile: headerPath, encoding: .utf8)) ?? ""
        let type = headers.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-type:") }
            .map { String($0.dropFirst("content-type:".count)).trimmingCharacters(in: .whitespaces) } ?? ""
        return Answer(status: status, contentType: type, body: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "")
    }

    static func startWitness(_ l: CLILedger, state: String = "witness.sqlite", initialize: Bool = true, extraLogs: [String] = []) throws -> Daemon {
        var args = ["witness", "serve", "--key", "Keys/w1.pem", "--name", name, "--log", "\(origin)=Keys/facility.pub.pem",
                    "--listen", "127.0.0.1:0", "--state", state]
        for e in extraLogs { args += ["--log", e] }
        if initialize { args.append("--init") }
        return try Daemon(args, in: l.root, program: CLI.csledgerPath, banner: "csledger witness: listening on ")
    }

    static func w1(_ l: CLILedger) throws -> Cosignature.Witness {
        try Cosignature.Witness(name: name, publicKey: try KeyFiles.loadPublicKey(path: l.dir.path("Keys/w1.pub.pem")))
    }

    static func consistency(_ l: CLILedger, from old: Int) throws -> [String] {
        let r = try l.csledger(["prove", "consistency", String(old)])
        #expect(r.status == 0, "\(r.stderr)")
        return try JSONParser.parse(Array(r.stdout.utf8))["path"]?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    static func request(old: Int, proof: [String] = [], note: String) -> String {
        "old \(old)\n" + proof.map { $0 + "\n" }.joined() + "\n" + note
    }

    @Test("Each refusal with the spec's status; the same checkpoint twice; 409 with text/x.tlog.size; 422; a fork of the same size")
    func refusals() throws {
        let l = try CLILedger(entries: 2)
        #expect(try l.csledger(["keys", "generate", "w1"]).status == 0)
        let w = try Self.startWitness(l)
        defer { w.stop() }
        let cp = try l.checkpoint()
        let size = try Checkpoint(body: try SignedNote.parse(cp).text).size
        let facility = try l.key("facility")

        // 400: not a request at all; no "old" line; a proof line that is not a hash.
        #expect(try Self.post(w.url, "hello\n", in: l.root).status == 400)
        #expect(try Self.post(w.url, "\n" + cp, in: l.root).status == 400)
        #expect(try Self.post(w.url, "old 0\nnot-base64!\n\n" + cp, in: l.root).status == 400)
        #expect(try Self.post(w.url, "old 00\n\n" + cp, in: l.root).status == 400)
        // 404: a log the witness does not know (validly signed by its own key).
        let other = try CheckpointSigner(origin: "other.example/log", key: facility).sign(size: 1, root: Hash.sha256([1]))
        #expect(try Self.post(w.url, Self.request(old: 0, note: other), in: l.root).status == 404)
        // 403: the right origin, signed by a key the witness does not trust for it.
        let forged = try CheckpointSigner(origin: Self.origin, key: try l.key("pharmacist")).sign(size: size, root: Hash.sha256([2]))
        #expect(try Self.post(w.url, Self.request(old: 0, note: forged), in: l.root).status == 403)
        // 400: the old size above the checkpoint's.
        #expect(try Self.post(w.url, Self.request(old: size + 1, note: cp), in: l.root).status == 400)

        // 200: the first checkpoint of the log; the answer is a cosignature line by the witness key.
        let first = try Self.post(w.url, Self.request(old: 0, note: cp), in: l.root)
        #expect(first.status == 200, "\(first.body)")
        let cosigned = try SignedNote.parse(cp + first.body)
        #expect(Cosignature.verify(note: cosigned, name: Self.name, publicKey: try Self.w1(l).publicKey) != nil)
        #expect(first.body.hasPrefix("\u{2014} \(Self.name) ") && first.body.hasSuffix("\n"))

        // The same checkpoint twice: cosigned again, one state row at that size.
        let again = try Self.post(w.url, Self.request(old: size, note: cp), in: l.root)
        #expect(again.status == 200)
        let rows = try CLI.run("sqlite3", [l.dir.path("witness.sqlite"), "SELECT origin, tree_size FROM logs"], in: l.root)
        #expect(rows.stdout == "\(Self.origin)|\(size)\n")

        // 409: an old size that is not the one last cosigned; the body is that size, as text/x.tlog.size.
        let conflict = try Self.post(w.url, Self.request(old: 0, note: cp), in: l.root)
        #expect(conflict.status == 409)
        #expect(conflict.contentType == "text/x.tlog.size")
        #expect(conflict.body == "\(size)\n")

        // 409: the same size with another root (a fork the facility key signed).
        let fork = try CheckpointSigner(origin: Self.origin, key: facility).sign(size: size, root: Hash.sha256([3]))
        #expect(try Self.post(w.url, Self.request(old: size, note: fork), in: l.root).status == 409)

        // The ledger grows: 422 for a wrong proof, 200 for the right one.
        #expect(try l.csledger(["append", "--type", "test.note", "--body", #"{"text":"more"}"#, "--key", "Keys/facility.pem", "--repeat", "3"]).status == 0)
        let cp2 = try l.checkpoint()
        let proof = try Self.consistency(l, from: size)
        #expect(!proof.isEmpty)
        var bad = proof
        bad[0] = Hash.sha256([9]).base64
        #expect(try Self.post(w.url, Self.request(old: size, proof: bad, note: cp2), in: l.root).status == 422)
        #expect(try Self.post(w.url, Self.request(old: size, proof: Array(proof.dropLast()), note: cp2), in: l.root).status == 422)
        // A checkpoint of a bigger tree that does not extend the cosigned one: no proof can verify.
        let bigFork = try CheckpointSigner(origin: Self.origin, key: facility).sign(size: size + 3, root: Hash.sha256([4]))
        #expect(try Self.post(w.url, Self.request(old: size, proof: proof, note: bigFork), in: l.root).status == 422)
        let good = try Self.post(w.url, Self.request(old: size, proof: proof, note: cp2), in: l.root)
        #expect(good.status == 200)
        let size2 = try Checkpoint(body: try SignedNote.parse(cp2).text).size
        #expect(try Self.post(w.url, Self.request(old: size, proof: proof, note: cp2), in: l.root).body == "\(size2)\n")
        // The older checkpoint is never cosigned again (no rollback).
        #expect(try Self.post(w.url, Self.request(old: size2, note: cp), in: l.root).status == 400)
    }

    @Test("witness serve --tls-cert/--tls-key: HTTPS with a certificate curl checks; plain HTTP to it fails; a readable key or one flag alone refused")
    func tls() throws {
        let l = try CLILedger(entries: 2)
        #expect(try l.csledger(["keys", "generate", "w1"]).status == 0)
        let cert = try CLI.run("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                                           "-keyout", "w.key", "-out", "w.crt", "-days", "2", "-subj", "/CN=witness test",
                                           "-addext", "subjectAltName=IP:127.0.0.1"], in: l.root)
        try #require(cert.status == 0, "openssl: \(cert.stderr)")
        chmod(l.dir.path("w.key"), 0o600)
        let base = ["witness", "serve", "--key", "Keys/w1.pem", "--name", Self.name, "--log", "\(Self.origin)=Keys/facility.pub.pem",
                    "--listen", "127.0.0.1:0", "--state", "witness.sqlite", "--init"]
        let w = try Daemon(base + ["--tls-cert", "w.crt", "--tls-key", "w.key"], in: l.root, program: CLI.csledgerPath,
                           banner: "csledger witness: listening on ")
        defer { w.stop() }
        #expect(w.url.hasPrefix("https://127.0.0.1:"), "\(w.url)")
        let cp = try l.checkpoint()
        let answer = try Self.post(w.url, Self.request(old: 0, note: cp), in: l.root, curl: ["--cacert", "w.crt"])
        #expect(answer.status == 200, "\(answer.body)")
        #expect(Cosignature.verify(note: try SignedNote.parse(cp + answer.body), name: Self.name, publicKey: try Self.w1(l).publicKey) != nil)
        // Without the certificate curl trusts, and in plain HTTP to the TLS port: no answer at all.
        #expect(try Self.post(w.url, Self.request(old: 0, note: cp), in: l.root).status == 0)
        #expect(try Self.post(w.url.replacingOccurrences(of: "https://", with: "http://"), Self.request(old: 0, note: cp), in: l.root).status == 0)
        // Refused before listening: a key others can read, one flag alone.
        chmod(l.dir.path("w.key"), 0o644)
        let readable = try l.csledger(base + ["--tls-cert", "w.crt", "--tls-key", "w.key"])
        #expect(readable.status == 4 && readable.stderr.contains("can be read by other users"), "\(readable.stderr)")
        let alone = try l.csledger(base + ["--tls-cert", "w.crt"])
        #expect(alone.status == 2 && alone.stderr.contains("give both --tls-cert and --tls-key, or neither"), "\(alone.stderr)")
    }

    @Test("State survives a restart; no state file and no --init: refused; --init never resets; another witness's state refused")
    func restart() throws {
        let l = try CLILedger(entries: 1)
        #expect(try l.csledger(["keys", "generate", "w1"]).status == 0)
        #expect(try l.csledger(["keys", "generate", "w2"]).status == 0)
        // Without the state file and without --init: refuses to start, exit 3, says why.
        let missing = try l.csledger(["witness", "serve", "--key", "Keys/w1.pem", "--name", Self.name, "--log", "\(Self.origin)=Keys/facility.pub.pem",
                                      "--listen", "127.0.0.1:0", "--state", "witness.sqlite"])
        #expect(missing.status == 3)
        #expect(missing.stderr.contains("--init"))
        #expect(!FileManager.default.fileExists(atPath: l.dir.path("witness.sqlite")))

        let cp = try l.checkpoint()
        let size = try Checkpoint(body: try SignedNote.parse(cp).text).size
        var w = try Self.startWitness(l)
        #expect(try Self.post(w.url, Self.request(old: 0, note: cp), in: l.root).status == 200)
        #expect(w.stop() == 0)
        // Restarted (with --init again: it never resets an existing state): the size it cosigned is kept.
        w = try Self.startWitness(l, initialize: true)
        let c = try Self.post(w.url, Self.request(old: 0, note: cp), in: l.root)
        #expect(c.status == 409 && c.body == "\(size)\n")
        w.stop()
        w = try Self.startWitness(l, initialize: false)
        #expect(try Self.post(w.url, Self.request(old: size, note: cp), in: l.root).status == 200)
        w.stop()
        // The state of w1 with w2's key: refused.
        let wrong = try l.csledger(["witness", "serve", "--key", "Keys/w2.pem", "--name", Self.name, "--log", "\(Self.origin)=Keys/facility.pub.pem",
                                    "--listen", "127.0.0.1:0", "--state", "witness.sqlite"])
        #expect(wrong.status == 2)
        #expect(wrong.stderr.contains("belongs to witness"))
    }

    /// An honest history of `n` leaves and its subtrees, for checkpoints and consistency proofs.
    struct History {
        let leaves: [Hash]
        func root(_ size: Int) -> Hash { MerkleTree.root(leaves: Array(leaves[0..<size])) }
        func proof(_ old: Int, _ new: Int) throws -> [Hash] {
            try MerkleTree.consistencyProof(oldSize: old, newSize: new) { level, index in
                MerkleTree.root(leaves: Array(leaves[(index << level)..<((index + 1) << level)]))
            }
        }
    }

    @Test("SIGKILLed 50 times while a client pushes growing checkpoints and forks: never rolls back, never cosigns a fork")
    func sigkillLoop() throws {
        let l = try CLILedger()
        #expect(try l.csledger(["keys", "generate", "w1"]).status == 0)
        let facility = try l.key("facility")
        let signer = CheckpointSigner(origin: Self.origin, key: facility)
        var rng = SystemRandomNumberGenerator()
        let honest = History(leaves: (0..<1200).map { Hash.sha256(Array("honest \($0)".utf8)) })
        let forked = History(leaves: honest.leaves.enumerated().map { i, h in i < 5 ? h : Hash.sha256(Array("fork \(i)".utf8)) })
        let witnessKey = try Self.w1(l)

        let stop = Locked(false)
        let cosignedHonest = Locked<[Int]>([])      // sizes the witness cosigned (answers received)
        let cosignedFork = Locked<[Int]>([])
        let url = Locked("")
        var w = try Self.startWitness(l)
        url.withLock { $0 = w.url }
        let root = l.root
        let client = Thread {
            var known = 0, next = 0
            while !stop.withLock({ $0 }) {
                let base = url.withLock { $0 }
                do {
                    // Honest growth from what the witness says it has.
                    next = min(honest.leaves.count, max(next, known) + Int.random(in: 1...4))
                    if next <= known { next = known }
                    let proof = known == 0 || known == next ? [] : try honest.proof(known, next)
                    let note = try signer.sign(size: next, root: honest.root(next))
                    let a = try Self.post(base, "old \(known)\n" + proof.map { $0.base64 + "\n" }.joined() + "\n" + note, in: root)
                    if a.status == 200 {
                        let n = try SignedNote.parse(note + a.body)
                        if Cosignature.verify(note: n, name: Self.name, publicKey: witnessKey.publicKey) != nil {
                            cosignedHonest.withLock { $0.append(next) }
                        }
                        known = next
                    } else if a.status == 409, let s = Int(a.body.dropLast()) {
                        known = s
                    }
                    // A fork, claimed from an older size and from the witness's size: never to be cosigned.
                    if known > 5 {
                        for old in [5, known] {
                            let fsize = known + 1
                            let fproof = try forked.proof(old, fsize)
                            let fnote = try signer.sign(size: fsize, root: forked.root(fsize))
                            let f = try Self.post(base, "old \(old)\n" + fproof.map { $0.base64 + "\n" }.joined() + "\n" + fnote, in: root)
                            if f.status == 200 { cosignedFork.withLock { $0.append(fsize) } }
                        }
                    }
                } catch {}
            }
        }
        client.start()
        var sizesAfterRestart: [Int] = []
        for _ in 0..<50 {
            Thread.sleep(forTimeInterval: Double(Int.random(in: 20...120, using: &rng)) / 1000)
            w.killHard()
            let seen = cosignedHonest.withLock { $0.max() ?? 0 }
            w = try Self.startWitness(l, initialize: false)
            url.withLock { $0 = w.url }
            // Never rolled back: the size it holds is at least every size it answered a cosignature for.
            let probe = try Self.post(w.url, "old 0\n\n" + (try signer.sign(size: 1, root: honest.root(1))), in: l.root)
            let held = probe.status == 409 ? Int(probe.body.dropLast()) ?? -1 : (probe.status == 200 ? 1 : -1)
            #expect(held >= seen, "the witness holds \(held) after a kill, but had cosigned \(seen)")
            sizesAfterRestart.append(held)
        }
        stop.withLock { $0 = true }
        while client.isExecuting { Thread.sleep(forTimeInterval: 0.05) }
        w.stop()
        #expect(cosignedFork.withLock { $0 }.isEmpty, "the witness cosigned a fork")
        #expect(sizesAfterRestart == sizesAfterRestart.sorted(), "the witness's size went down across kills: \(sizesAfterRestart)")
        #expect((cosignedHonest.withLock { $0.max() } ?? 0) > 20, "too few cosignatures to mean anything")
    }

    @Test("csledger witness add-checkpoint: keeps the cosignature, checkpoint prints it, 409 answered from the witness's size, a truncated ledger is caught")
    func addCheckpointFromTheLedger() throws {
        let l = try CLILedger(entries: 2)
        #expect(try l.csledger(["keys", "generate", "w1"]).status == 0)
        let w = try Self.startWitness(l)
        defer { w.stop() }
        let spec = "\(w.url)=\(Self.name)=Keys/w1.pub.pem"
        let before = l.dir.path("before.sqlite")
        #expect(try CLI.run("sqlite3", [l.ledgerPath, ".backup '\(before)'"], in: l.root).status == 0)

        let first = try l.csledger(["witness", "add-checkpoint", spec])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.hasPrefix("\u{2014} \(Self.name) "))
        let note = try SignedNote.parse(try l.checkpoint())
        #expect(note.signatures.count == 2)
        #expect(Cosignature.verify(note: note, name: Self.name, publicKey: try Self.w1(l).publicKey) != nil)
        // Cosignatures are not derived from the entries: the ledger still verifies, and its tables still answer.
        #expect(try l.csledger(["verify"]).status == 0)
        #expect(try l.csledger(["inventory"]).status == 0)

        // The ledger grows; the next push sends the proof from the size the witness last cosigned.
        #expect(try l.csledger(["append", "--type", "test.note", "--body", #"{"text":"x"}"#, "--key", "Keys/facility.pem", "--repeat", "4"]).status == 0)
        #expect(try l.csledger(["witness", "add-checkpoint", spec]).status == 0)
        let size = try Checkpoint(body: note.text).size + 4
        #expect(try CLI.run("sqlite3", [l.ledgerPath, "SELECT max(tree_size) FROM cosignatures"], in: l.root).stdout == "\(size)\n")

        // The ledger forgets what it kept (rows deleted): old 0 gets a 409 with the witness's size, then the push succeeds from it.
        #expect(try l.sqlite("DELETE FROM cosignatures;").status == 0)
        #expect(try l.csledger(["append", "--type", "test.note", "--body", #"{"text":"y"}"#, "--key", "Keys/facility.pem"]).status == 0)
        let again = try l.csledger(["witness", "add-checkpoint", spec])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try CLI.run("sqlite3", [l.ledgerPath, "SELECT tree_size FROM cosignatures"], in: l.root).stdout == "\(size + 1)\n")

        // A copy of the ledger from before the growth (entries cut off after they were witnessed): caught, exit 1.
        let cut = try CLI.csledger(["witness", "add-checkpoint", spec, "--ledger", before], in: l.root)
        #expect(cut.status == 1)
        #expect(cut.stderr.contains("ledger-tampered"))
        // An unreachable witness: exit 3, nothing kept.
        let down = try l.csledger(["witness", "add-checkpoint", "http://127.0.0.1:9=\(Self.name)=Keys/w1.pub.pem"])
        #expect(down.status == 3)
        #expect(try l.csledger(["witness", "add-checkpoint", "nonsense"]).status == 2)
    }

    @Test("csledgerd --witness: two witnesses, one down: appends go on, the other cosigns each new checkpoint; /v1/health says which")
    func daemonPushesInTheBackground() throws {
        let l = try CLILedger(entries: 1)
        #expect(try l.csledger(["keys", "generate", "w1"]).status == 0)
        #expect(try l.csledger(["keys", "generate", "w2"]).status == 0)
        let w = try Self.startWitness(l)
        defer { w.stop() }
        let token = try l.csledger(["token", "issue", "--actor", try l.key("facility").keyID.hex]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let d = try Daemon(["--ledger", l.ledgerPath, "--listen", "127.0.0.1:0", "--facility-key", l.dir.path("Keys/facility.pem"),
                            "--witness", "\(w.url)=\(Self.name)=Keys/w1.pub.pem",
                            "--witness", "http://127.0.0.1:9=witness.test/w2=Keys/w2.pub.pem",
                            "--witness-interval", "200ms", "--log-level", "error"], in: l.root)
        defer { d.stop() }
        let env = ["CSLEDGER_TOKEN": token]
        for i in 0..<6 {
            let started = Date()
            let a = try CLI.csledger(["--server", d.url, "append", "--type", "test.note", "--body", "{\"text\":\"n\(i)\"}", "--key", "Keys/facility.pem"], in: l.root, env: env)
            #expect(a.status == 0, "\(a.stderr)")
            #expect(Date().timeIntervalSince(started) < 5, "an append waited")
            Thread.sleep(forTimeInterval: 0.1)
        }
        let size = try Checkpoint(body: try SignedNote.parse(try l.checkpoint()).text).size
        var health = JSONValue.null
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let h = try CLI.run("curl", ["-sS", "-H", "Authorization: Bearer \(token)", d.url + "/v1/health"], in: l.root)
            health = (try? JSONParser.parse(Array(h.stdout.utf8))) ?? .null
            let w1 = health["witnesses"]?.arrayValue?.first
            if w1?["cosigned_size"]?.integerValue == size { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        let list = health["witnesses"]?.arrayValue ?? []
        #expect(list.count == 2, "\(health)")
        #expect(list.first?["cosigned_size"]?.integerValue == size, "\(health)")
        #expect(list.last?["cosigned_size"] == .null)
        #expect(list.last?["last_error"]?.stringValue?.contains("could not be reached") == true, "\(health)")
        // The served checkpoint carries w1's cosignature of the latest size.
        let served = try CLI.csledger(["--server", d.url, "checkpoint"], in: l.root, env: env)
        let note = try SignedNote.parse(served.stdout)
        #expect(try Checkpoint(body: note.text).size == size)
        #expect(Cosignature.verify(note: note, name: Self.name, publicKey: try Self.w1(l).publicKey) != nil)
        #expect(Cosignature.verify(note: note, name: "witness.test/w2", publicKey: try KeyFiles.loadPublicKey(path: l.dir.path("Keys/w2.pub.pem"))) == nil)
        // The compliance officer's overview names each witness: w1 with the size it cosigned, w2 with none.
        #expect(try l.csledger(["keys", "generate", "officer"]).status == 0)
        try l.enroll("officer", role: "compliance")
        let officer = try l.csledger(["token", "issue", "--actor", try l.key("officer").keyID.hex]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let jar = l.dir.path("cookies.txt")
        let signin = try CLI.run("curl", ["-sS", "-c", jar, "-o", "/dev/null", "-w", "%{http_code}", "--data-urlencode", "token=\(officer)",
                                          d.url + "/signin"], in: l.root)
        #expect(signin.stdout == "303" || signin.stdout == "302", "\(signin.stdout) \(signin.stderr)")
        let overview = try CLI.run("curl", ["-sS", "-b", jar, d.url + "/"], in: l.root).stdout
        let witnesses = overview.components(separatedBy: "id=\"witnesses\">").dropFirst().first?.components(separatedBy: "</dd>").first ?? ""
        #expect(witnesses.contains("\(Self.name): \(size) of "), "\(witnesses)")
        #expect(witnesses.contains("witness.test/w2: no valid cosignature yet"), "\(witnesses)")
    }

    @Test("verify --witness: a truncated or forked copy of a witnessed ledger fails (exit 1) with no kept checkpoint file; thresholds")
    func verifyWithWitnesses() throws {
        let l = try CLILedger(entries: 2)
        #expect(try l.csledger(["keys", "generate", "w1"]).status == 0)
        #expect(try l.csledger(["keys", "generate", "w2"]).status == 0)
        let w = try Self.startWitness(l)
        defer { w.stop() }
        let online = "\(w.url)=\(Self.name)=Keys/w1.pub.pem", offline = "\(Self.name)=Keys/w1.pub.pem"
        func backup(_ name: String) throws {
            #expect(try CLI.run("sqlite3", [l.ledgerPath, ".backup '\(l.dir.path(name))'"], in: l.root).status == 0)
        }
        func append(_ ledger: String, _ text: String, _ n: Int) throws {
            let r = try l.csledger(["append", "--ledger", ledger, "--type", "test.note", "--body", "{\"text\":\"\(text)\"}", "--key", "Keys/facility.pem", "--repeat", String(n)])
            #expect(r.status == 0, "\(r.stderr)")
        }
        try backup("before.sqlite")
        try append(l.ledgerPath, "honest", 3)
        #expect(try l.csledger(["witness", "add-checkpoint", online]).status == 0)

        // The honest ledger: offline (the cosignature kept in it) and online.
        let ok = try l.csledger(["verify", "--witness", offline])
        #expect(ok.status == 0, "\(ok.stdout)")
        #expect(ok.stdout.contains("witnessed    "))
        #expect(try l.csledger(["verify", "--witness", online]).status == 0)
        // Two needed, one cosigned: fails; a threshold above the witnesses given: bad input.
        #expect(try l.csledger(["verify", "--witness", offline, "--witness", "witness.test/w2=Keys/w2.pub.pem", "--witness-threshold", "2"]).status == 1)
        #expect(try l.csledger(["verify", "--witness", offline, "--witness-threshold", "2"]).status == 2)

        // Truncation: the file put back to an earlier, fully signed state. Plain verify cannot tell.
        #expect(try l.csledger(["verify", "--ledger", "before.sqlite"]).status == 0)
        let cut = try l.csledger(["verify", "--ledger", "before.sqlite", "--witness", online])
        #expect(cut.status == 1, "\(cut.stdout)")
        #expect(cut.stdout.contains("lost entries"), "\(cut.stdout)")
        #expect(try l.csledger(["verify", "--ledger", "before.sqlite", "--witness", offline]).status == 1)   // nothing witnessed in it
        // The same truncated file holding the cosignature kept before: caught offline too.
        #expect(try l.sqlite("ATTACH '\(l.dir.path("before.sqlite"))' AS cut; INSERT INTO cut.cosignatures SELECT * FROM main.cosignatures;").status == 0)
        let cutOffline = try l.csledger(["verify", "--ledger", "before.sqlite", "--witness", offline, "--json"])
        #expect(cutOffline.status == 1, "\(cutOffline.stdout)")

        // A fork from the earlier state, signed by the facility key: same size as witnessed, then longer.
        #expect(try CLI.run("sqlite3", [l.dir.path("before.sqlite"), ".backup '\(l.dir.path("fork.sqlite"))'"], in: l.root).status == 0)
        #expect(try CLI.run("sqlite3", [l.dir.path("fork.sqlite"), "DELETE FROM cosignatures"], in: l.root).status == 0)
        try append(l.dir.path("fork.sqlite"), "forged", 3)
        #expect(try l.csledger(["verify", "--ledger", "fork.sqlite"]).status == 0)
        let sameSize = try l.csledger(["verify", "--ledger", "fork.sqlite", "--witness", online])
        #expect(sameSize.status == 1, "\(sameSize.stdout)")
        try append(l.dir.path("fork.sqlite"), "more", 2)
        let longer = try l.csledger(["verify", "--ledger", "fork.sqlite", "--witness", online])
        #expect(longer.status == 1, "\(longer.stdout)")
        #expect(longer.stdout.contains("not an extension"), "\(longer.stdout)")
        // The honest ledger still verifies against the witness afterwards (the forks were never cosigned).
        #expect(try l.csledger(["verify", "--witness", online]).status == 0)
    }

    @Test("an export bundle carries the cosigned checkpoint verbatim; verify-report and verify-bundle.sh (openssl) check cosignatures and the threshold")
    func bundlesCarryCosignatures() throws {
        let l = try CLILedger(entries: 2)
        #expect(try l.csledger(["keys", "generate", "w1"]).status == 0)
        #expect(try l.csledger(["keys", "generate", "w2"]).status == 0)
        let w = try Self.startWitness(l)
        defer { w.stop() }
        #expect(try l.csledger(["witness", "add-checkpoint", "\(w.url)=\(Self.name)=Keys/w1.pub.pem"]).status == 0)
        let cosigned = try l.checkpoint()
        let e = try l.csledger(["export", "inspection", "--from", "2020-01-01", "--to", "2035-12-31", "--out", "bundle"])
        #expect(e.status == 0, "\(e.stderr)")
        let manifest = try JSONParser.parse(Array(try Data(contentsOf: l.root.appendingPathComponent("bundle/manifest.json"))))
        #expect(manifest["checkpoint"]?.stringValue == cosigned)

        let w1 = "\(Self.name)=Keys/w1.pub.pem", w2 = "witness.test/w2=Keys/w2.pub.pem"
        let ok = try l.csledger(["verify-report", "bundle", "--witness", w1])
        #expect(ok.status == 0, "\(ok.stdout)")
        #expect(ok.stdout.contains("cosigned by  \(Self.name)"))
        #expect(try l.csledger(["verify-report", "bundle", "--witness", w2]).status == 1)
        #expect(try l.csledger(["verify-report", "bundle", "--witness", w1, "--witness", w2, "--witness-threshold", "2"]).status == 1)
        #expect(try l.csledger(["verify-report", "bundle", "--witness", w1, "--witness", w2, "--witness-threshold", "1"]).status == 0)

        guard ExportScriptTests.available else { return }
        let bin = try ExportScriptTests.toolbox(in: l.root)
        func script(_ args: [String]) throws -> CLI.Result {
            try CLI.run(try CLI.which("sh"), [ExportScriptTests.script, "bundle"] + args, in: l.root, env: ["PATH": bin])
        }
        let s1 = try script(["--witness", w1])
        #expect(s1.status == 0, "\(s1.stdout) \(s1.stderr)")
        #expect(s1.stdout.contains("ok   checkpoint cosigned by witness \(Self.name)"))
        #expect(try script(["--witness", w2]).status == 1)
        #expect(try script(["--witness", w1, "--witness", w2, "--witness-threshold", "2"]).status == 1)
        // A cosignature line whose time was changed no longer verifies (the time is signed).
        let text = try String(contentsOf: l.root.appendingPathComponent("bundle/manifest.json"), encoding: .utf8)
        let line = cosigned.split(separator: "\n").first { $0.hasPrefix("\u{2014} \(Self.name) ") }!
        var blob = Array(Data(base64Encoded: String(line.split(separator: " ").last!))!)
        blob[11] ^= 1
        let forged = text.replacingOccurrences(of: String(line.split(separator: " ").last!), with: Data(blob).base64EncodedString())
        #expect(forged != text)
        try CLI.run("cp", ["-r", "bundle", "forged"], in: l.root)
        try Data(forged.utf8).write(to: l.root.appendingPathComponent("forged/manifest.json"))
        let f = try CLI.run(try CLI.which("sh"), [ExportScriptTests.script, "forged", "--witness", w1], in: l.root, env: ["PATH": bin])
        #expect(f.status == 1)
        #expect(f.stdout.contains("cosigned by 0 of the given witnesses"), "\(f.stdout)")
    }
}
