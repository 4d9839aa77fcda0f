import Foundation
import Testing
@testable import CSLedgerKit
@testable import LedgerCore

/// The openssl binary is the independent check of keys and signatures (SPEC §1, §2, §4).
@Suite("openssl agrees")
struct OpenSSLTests {
    @Test("a key from openssl genpkey signs entries that verify; its public key matches ours")
    func opensslKey() throws {
        let l = try CLILedger()
        let keyPath = l.dir.path("Keys/ossl.pem")
        let gen = try CLI.run("openssl", ["genpkey", "-algorithm", "ed25519", "-out", keyPath], in: l.root)
        #expect(gen.status == 0)
        chmod(keyPath, 0o600)
        let pub = try CLI.run("openssl", ["pkey", "-in", keyPath, "-pubout"], in: l.root)
        #expect(pub.status == 0)
        try pub.stdout.write(toFile: l.dir.path("Keys/ossl.pub.pem"), atomically: true, encoding: .utf8)
        #expect(try KeyFiles.loadPrivateKey(path: keyPath).publicKey.pem == pub.stdout)
        try l.enroll("ossl", role: "pharmacist")
        // The openssl-made key can sign as actor (here, as a witness of an admin's raw statement).
        let a = try l.csledger(["append", "--type", "test.note", "--body", #"{"text":"witnessed"}"#, "--key", "Keys/facility.pem",
                                "--witness-key", "Keys/ossl.pem"])
        #expect(a.status == 0, "\(a.stderr)")
        #expect(try l.verify().status == 0)
    }

    @Test("every entry's signatures and the checkpoint verify with openssl pkeyutl")
    func signaturesVerifyWithOpenSSL() throws {
        let l = try CLILedger(entries: 2)
        let log = try l.csledger(["log"])
        let lines = log.stdout.split(separator: "\n")
        #expect(lines.count == 5)
        let pubs = try Dictionary(uniqueKeysWithValues: ["facility", "pharmacist", "witness"].map {
            (try l.key($0).keyID, l.dir.path("Keys/\($0).pub.pem"))
        })
        for (i, line) in lines.enumerated() {
            let entry = try Entry.decode(canonicalBytes: Array(line.utf8))
            let stmt = l.dir.path("stmt-\(i).jcs")
            try Data(entry.statement.signingInput).write(to: URL(fileURLWithPath: stmt))
            for s in entry.signatures {
                let sig = l.dir.path("sig-\(i).bin")
                try Data(s.signature).write(to: URL(fileURLWithPath: sig))
                let pub = try #require(pubs[s.key])
                let r = try CLI.run("openssl", ["pkeyutl", "-verify", "-pubin", "-inkey", pub, "-rawin", "-in", stmt, "-sigfile", sig], in: l.root)
                #expect(r.status == 0, "entry \(i): \(r.stdout) \(r.stderr)")
                // A changed statement must not verify.
                try Data(entry.statement.signingInput + [0x20]).write(to: URL(fileURLWithPath: stmt + ".bad"))
                let bad = try CLI.run("openssl", ["pkeyutl", "-verify", "-pubin", "-inkey", pub, "-rawin", "-in", stmt + ".bad", "-sigfile", sig], in: l.root)
                #expect(bad.status != 0)
            }
        }
        // The checkpoint: signature = the last 64 bytes of the signature line's base64, over the note text.
        let note = try SignedNote.parse(try l.checkpoint())
        let text = l.dir.path("note.txt"), sig = l.dir.path("note.sig")
        try Data(note.text.utf8).write(to: URL(fileURLWithPath: text))
        try Data(note.signatures[0].signature).write(to: URL(fileURLWithPath: sig))
        let r = try CLI.run("openssl", ["pkeyutl", "-verify", "-pubin", "-inkey", l.dir.path("Keys/facility.pub.pem"), "-rawin", "-in", text, "-sigfile", sig], in: l.root)
        #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
    }

    @Test("a private key readable by others is refused, with the fix in the message")
    func worldReadableKeyRefused() throws {
        let d = try TempDir()
        let keyPath = d.path("k.pem")
        #expect(try CLI.run("openssl", ["genpkey", "-algorithm", "ed25519", "-out", keyPath], in: d.url).status == 0)
        chmod(keyPath, 0o644)
        let r = try CLI.csledger(["init", "--origin", "x.example/ledger", "--facility-name", "X", "--dea-number", CLILedger.dea, "--key", keyPath], in: d.url)
        #expect(r.status == 4)
        #expect(r.stderr.contains("chmod 600"))
        #expect(r.stderr.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: d.path("ledger.sqlite")))
    }
}
