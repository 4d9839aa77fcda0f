import Foundation
import Testing
@testable import CSLedgerKit
@testable import LedgerCore
@testable import LedgerStore

/// Issue 18, "hostile input, round two", through the built `csledger` and `csledgerd`: numbers, files that
/// are not ledgers, keys of other types, edited drafts, control characters, usage errors.
@Suite("Hostile input, round two", .serialized)
struct HostileRoundTwoTests {
    typealias D = DispensingLedger
    static let time = "2026-03-05T12:00:00Z"

    /// What a refused command must leave: entries, checkpoints and personal data as they were.
    static func state(_ f: D) throws -> String {
        try f.sqlite("SELECT (SELECT count(*) FROM entries) || '/' || (SELECT count(*) FROM checkpoints) || '/' || (SELECT count(*) FROM personal_data)")
    }

    static func expectOneLine(_ r: CLI.Result, status: Int32, _ what: String, says: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.status == status, "\(what): exit \(r.status): \(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.split(separator: "\n").count == 1 && r.stderr.hasPrefix("csledger: error: "), "\(what): \(r.stderr)", sourceLocation: sourceLocation)
        #expect(!r.stderr.contains("Usage:") && !r.stdout.contains("USAGE:"), "\(what): a usage screen", sourceLocation: sourceLocation)
        if !says.isEmpty {
            #expect(says.contains { r.stderr.lowercased().contains($0.lowercased()) }, "\(what) does not name the problem: \(r.stderr)", sourceLocation: sourceLocation)
        }
    }

    // MARK: - 1. Numbers: every CLI numeric flag

    /// Each numeric flag of the command line: the arguments with `V` where the number goes, and whether 0 is malformed there.
    struct Flag: Sendable, CustomStringConvertible {
        let name: String
        let args: [String]
        let zeroIsMalformed: Bool
        var description: String { name }
    }

    static func with(_ args: [String], _ flag: String, _ value: String) -> [String] {
        var a = args
        if let i = a.firstIndex(of: flag) { a[i + 1] = value; return a }
        if let i = a.firstIndex(where: { $0.hasPrefix(flag + "=") }) { a.replaceSubrange(i...i, with: [flag, value]); return a }
        return a + [flag, value]
    }

    static let flags: [Flag] = [
        Flag(name: "log --from", args: ["log", "--from", "V"], zeroIsMalformed: false),
        Flag(name: "log --to", args: ["log", "--to", "V"], zeroIsMalformed: false),
        Flag(name: "prove inclusion SEQ", args: ["prove", "inclusion", "V"], zeroIsMalformed: false),
        Flag(name: "prove consistency OLD_SIZE", args: ["prove", "consistency", "V"], zeroIsMalformed: true),
        Flag(name: "waste --quantity", args: with(D.waste(quantity: "1", time: time), "--quantity", "V"), zeroIsMalformed: true),
        Flag(name: "count --counted", args: ["count", "--lot", D.vialLot, "--counted", "V", "--time", time] + D.pharmacist + D.witnessed, zeroIsMalformed: false),
        Flag(name: "receive --containers", args: with(D.receive(lot: "NUM1", time: time), "--containers", "V"), zeroIsMalformed: true),
        Flag(name: "receive --units-per-container", args: with(D.receive(lot: "NUM2", time: time), "--units-per-container", "V"), zeroIsMalformed: true),
        Flag(name: "rx add --refills", args: with(D.rxAdd("RX-NUM", time: time), "--refills", "V"), zeroIsMalformed: false),
        Flag(name: "rx add --days-supply", args: with(D.rxAdd("RX-NUM", time: time), "--days-supply", "V"), zeroIsMalformed: true),
        Flag(name: "dispense --fill", args: with(D.dispense(time: time), "--fill", "V"), zeroIsMalformed: true),
        Flag(name: "dispense --days-supply", args: with(D.dispense(time: time), "--days-supply", "V"), zeroIsMalformed: true),
        Flag(name: "dispense --quantity", args: with(D.dispense(time: time), "--quantity", "V"), zeroIsMalformed: true),
        Flag(name: "correct --seq", args: ["correct", "--seq", "V", "--reason", "wrong lot"] + D.pharmacist, zeroIsMalformed: true),
        Flag(name: "resolve --loss-report", args: ["resolve", "F4-0000000000", "--reason", "filed", "--loss-report", "V"] + D.compliance, zeroIsMalformed: false),
        Flag(name: "append --repeat", args: ["append", "--type", "test.note", "--body", "{}", "--key", "Keys/facility.pem", "--repeat", "V"], zeroIsMalformed: true),
        Flag(name: "export dea41 --destruction", args: ["export", "dea41", "--destruction", "V", "--out", "dea41-out"], zeroIsMalformed: true),
    ]

    static let malformed = ["-1", "-6", "-9223372036854775808", "9223372036854775807", "9223372036854775808", "18446744073709551615",
                            "18446744073709551616", "abc", "1e3", "0x10"]

    @Test("every numeric flag, every malformed number: one line, exit 2, nothing written", arguments: flags)
    func numericFlag(_ flag: Flag) throws {
        let f = try D.make()
        let before = try Self.state(f)
        for value in Self.malformed + (flag.zeroIsMalformed ? ["0"] : []) {
            let args = flag.args.map { $0 == "V" ? value : $0 }
            let r = try f.csledger(args)
            Self.expectOneLine(r, status: 2, "\(flag.name) \(value)")
        }
        #expect(try Self.state(f) == before, "\(flag.name) wrote something")
    }

    @Test("a negative number as its own argument gets the same refusal as --flag=-N, not 'missing value'")
    func negativeAsOwnArgument() throws {
        let f = try D.make()
        let joined = try f.csledger(D.waste(quantity: "-6", time: Self.time))
        let separate = try f.csledger(Self.with(D.waste(quantity: "1", time: Self.time), "--quantity", "-6"))
        Self.expectOneLine(separate, status: 2, "--quantity -6", says: ["quantity"])
        #expect(separate.stderr == joined.stderr, "\(separate.stderr) vs \(joined.stderr)")
        #expect(!separate.stderr.contains("Missing value"))
        let counted = try f.csledger(["count", "--lot", D.vialLot, "--counted", "-1", "--time", Self.time] + D.pharmacist + D.witnessed)
        Self.expectOneLine(counted, status: 2, "--counted -1", says: ["counted"])
    }

    // MARK: - 7. Usage errors

    @Test("usage errors are one line and exit 2, for csledger and csledgerd; --help still prints and exits 0")
    func usageErrors() throws {
        let f = try D.make()
        for args in [["verify", "--no-such-option"], ["waste", "--quantity"], ["log", "--from"], ["no-such-command"], ["log", "--from", "x"],
                     ["append", "--type", "t.n", "--body", "{}", "--repeat", "0"]] {
            let r = try f.csledger(args)
            Self.expectOneLine(r, status: 2, args.joined(separator: " "))
            #expect(r.stderr.hasSuffix("[invalid-argument]\n") || r.stderr.contains("["), "\(r.stderr)")
        }
        let negative = try f.csledger(["prove", "inclusion", "-1"])
        Self.expectOneLine(negative, status: 2, "prove inclusion -1", says: ["seq number"])
        let help = try f.csledger(["waste", "--help"])
        #expect(help.status == 0 && help.stdout.contains("USAGE"))
        let d = try CLI.run(Daemon.path, ["--no-such-option"], in: f.root)
        #expect(d.status == 2 && d.stderr.split(separator: "\n").count == 1 && d.stderr.hasPrefix("csledgerd: error: "), "\(d.stderr)")
        let dn = try CLI.run(Daemon.path, ["--idle-timeout", "-5"], in: f.root)
        #expect(dn.status == 2 && dn.stderr.split(separator: "\n").count == 1 && dn.stderr.contains("--idle-timeout"), "\(dn.stderr)")
    }

    // MARK: - 3. Files that are not ledgers

    @Test("an SQLite file of another program and an empty file: every command exits 3 with one line, the file stays byte for byte")
    func notALedger() throws {
        let f = try D.make()
        let other = f.dir.path("other.db")
        let made = try CLI.run("sqlite3", [other, "CREATE TABLE recipes (name TEXT); INSERT INTO recipes VALUES ('soup');"], in: f.root)
        try #require(made.status == 0, "\(made.stderr)")
        FileManager.default.createFile(atPath: f.dir.path("empty.sqlite"), contents: Data())
        for path in [other, f.dir.path("empty.sqlite")] {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            let commands: [[String]] = [
                ["migrate"], ["count", "--lot", D.vialLot, "--counted", "1"] + D.pharmacist + D.witnessed, ["verify"], ["inventory"],
                ["log"], ["checkpoint"], ["actor", "list"], ["prove", "inclusion", "0"], ["reconcile"], ["token", "list"],
                ["append", "--type", "test.note", "--body", "{}", "--key", "Keys/facility.pem"],
            ]
            for args in commands {
                let r = try f.csledger(args + ["--ledger", path])
                Self.expectOneLine(r, status: 3, "\(args[0]) on \(path)", says: ["not a csledger ledger"])
                #expect(!r.stderr.contains("migrate"), "\(args[0]): \(r.stderr)")
            }
            let d = try CLI.run(Daemon.path, ["--ledger", path, "--listen", "127.0.0.1:0", "--facility-key", "Keys/facility.pem"], in: f.root)
            #expect(d.status == 3 && d.stderr.contains("not a csledger ledger") && d.stderr.split(separator: "\n").count == 1, "\(d.stderr)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == bytes, "\(path) was changed")
            let wal = FileManager.default.contents(atPath: path + "-wal") ?? Data()
            #expect(wal.isEmpty, "a write-ahead log was written beside \(path)")
        }
        #expect(try CLI.run("sqlite3", [other, "SELECT group_concat(name) FROM sqlite_master"], in: f.root).stdout == "recipes\n")
    }

    @Test("a FIFO or a device given as the ledger is refused at once, not waited on")
    func notARegularFile() throws {
        let f = try D.make()
        let fifo = f.dir.path("ledger.fifo")
        try #require(mkfifo(fifo, 0o600) == 0)
        for path in [fifo, "/dev/zero", "/dev/null", f.dir.path("Keys")] {
            for args in [["count", "--lot", D.vialLot, "--counted", "1"] + D.pharmacist + D.witnessed, ["verify"], ["migrate"]] {
                // `timeout` stops a command that blocks, so the test reports a hang instead of waiting on it.
                let r = try CLI.run("timeout", ["-s", "KILL", "20", CLI.csledgerPath] + args + ["--ledger", path], in: f.root)
                #expect(r.status == 3, "\(args[0]) on \(path): exit \(r.status) \(r.stderr)")
                #expect(r.stderr.contains("not a regular file") && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
            }
        }
        let d = try CLI.run("timeout", ["-s", "KILL", "20", Daemon.path, "--ledger", fifo, "--listen", "127.0.0.1:0"], in: f.root)
        #expect(d.status == 3 && d.stderr.contains("not a regular file"), "\(d.status) \(d.stderr)")
    }

    // MARK: - 4. Keys

    @Test("keys of other types are refused by name with exit 4: X25519, Ed448, RSA, EC")
    func otherKeyTypes() throws {
        let f = try D.make()
        let kinds: [(String, [String], String)] = [
            ("x25519", ["genpkey", "-algorithm", "x25519"], "X25519"), ("ed448", ["genpkey", "-algorithm", "ed448"], "Ed448"),
            ("rsa", ["genpkey", "-algorithm", "rsa", "-pkeyopt", "rsa_keygen_bits:1024"], "RSA"),
            ("ec", ["genpkey", "-algorithm", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"], "EC"),
        ]
        let before = try Self.state(f)
        for (name, gen, type) in kinds {
            try #require(try CLI.run("openssl", gen + ["-out", "Keys/\(name).pem"], in: f.root).status == 0)
            try #require(try CLI.run("openssl", ["pkey", "-in", "Keys/\(name).pem", "-pubout", "-out", "Keys/\(name).pub.pem"], in: f.root).status == 0)
            chmod(f.dir.path("Keys/\(name).pem"), 0o600)
            for args in [["keys", "show", "Keys/\(name).pem"], ["keys", "show", "Keys/\(name).pub.pem"],
                         ["actor", "enroll", "--name", "Mallory", "--role", "witness", "--public-key", "Keys/\(name).pub.pem", "--key", "Keys/facility.pem"],
                         D.waste(quantity: "1", time: Self.time, key: ["--key", "Keys/\(name).pem"]),
                         D.waste(quantity: "1", time: Self.time, witnesses: ["--witness-key", "Keys/\(name).pem"])] {
                let r = try f.csledger(args)
                Self.expectOneLine(r, status: 4, "\(args.prefix(2).joined(separator: " ")) with \(name)", says: [type])
                #expect(r.stderr.contains("not an Ed25519 key"), "\(r.stderr)")
                #expect(!r.stdout.contains("key id"), "a key id was printed for a \(type) key")
            }
        }
        #expect(try Self.state(f) == before)
    }

    // MARK: - 5. cosign

    @Test("cosign refuses a draft edited after the actor signed it, and shows the witness what they attest")
    func cosignChecksAndShows() throws {
        let f = try D.make()
        try f.ok(D.waste(quantity: "2", time: "2026-03-05T17:00:00Z", witnesses: ["--witness", try f.keyID("witness"), "--draft", "d.json"]))
        let path = f.dir.path("d.json")
        let original = try String(contentsOfFile: path, encoding: .utf8)
        let edited = original.replacingOccurrences(of: #""quantity":"2""#, with: #""quantity":"0.2""#)
        #expect(edited != original)
        try edited.write(toFile: path, atomically: true, encoding: .utf8)
        let r = try f.csledger(["cosign", "d.json", "--key", "Keys/witness.pem"])
        Self.expectOneLine(r, status: 2, "cosign of an edited draft", says: ["does not verify", "changed"])
        #expect(try String(contentsOfFile: path, encoding: .utf8) == edited, "the edited draft was signed")

        try original.write(toFile: path, atomically: true, encoding: .utf8)
        let ok = try f.ok(["cosign", "d.json", "--key", "Keys/witness.pem"])
        for shown in ["waste.recorded", "2026-03-05T17:00:00.000Z", D.vialLotID, "quantity", "2", "(pharmacist)", "remainder of opened vial"] {
            #expect(ok.stdout.contains(shown), "the summary does not show \(shown): \(ok.stdout)")
        }
        let summary = ok.stdout.components(separatedBy: "signed; the draft is complete")[0]
        #expect(summary.contains("actor"), "the summary comes before signing: \(ok.stdout)")
        try f.record(["submit", "d.json"])
    }

    // MARK: - 6. Control characters

    @Test("control characters are refused in names and reasons at write time, and escaped by actor list")
    func controlCharacters() throws {
        let f = try D.make()
        let before = try Self.state(f)
        try f.ok(["keys", "generate", "eve"])
        for name in ["Eve\u{1B}[2J\u{1B}[H", "Eve\u{9B}2J", "Eve\u{7F}"] {
            let r = try f.csledger(["actor", "enroll", "--name", name, "--role", "witness", "--public-key", "Keys/eve.pub.pem", "--key", "Keys/facility.pem"])
            Self.expectOneLine(r, status: 2, "enrol \(name.debugDescription)", says: ["control character"])
            #expect(!r.stderr.contains("\u{1B}"))
            let p = try f.csledger(["patient", "add", "--name", name, "--address", "1 Elm St", "--dob", "1980-01-01"])
            Self.expectOneLine(p, status: 2, "patient \(name.debugDescription)", says: ["control character"])
        }
        let waste = try f.csledger(Self.with(D.waste(quantity: "1", time: Self.time), "--reason", "spilled\u{1B}]0;owned\u{7}"))
        Self.expectOneLine(waste, status: 2, "waste reason", says: ["control character"])
        #expect(try Self.state(f) == before)

        // A ledger written before the rule: the name is shown escaped, never raw.
        _ = try CLI.run("sqlite3", [f.ledgerPath, "UPDATE signers SET name = 'Lee' || char(27) || '[2J' WHERE role = 'witness'"], in: f.root)
        let list = try f.ok(["actor", "list"])
        #expect(!list.stdout.contains("\u{1B}") && list.stdout.contains(#"Lee\u{1b}[2J"#), "\(list.stdout.debugDescription)")
    }

    // MARK: - Daemon: numbers kill nothing; bearer in any case; TLS key mode

    @Test("csledgerd live: every route's malformed numbers get 400 and it stays up; log --server with a huge --from exits 2; lowercase bearer works")
    func daemonNumbers() throws {
        let dir = try TempDir()
        let clients = try DaemonLiveTests.makeLedger(dir, admins: 1)
        let daemon = try Daemon(["--ledger", dir.path("ledger.sqlite"), "--listen", "127.0.0.1:0", "--log-level", "warning"], in: dir.url)
        defer { daemon.stop() }
        let token = clients[0].token
        // The request of the issue: it used to stop the daemon.
        var urls = ["/v1/entries?from=9223372036854775800&limit=100", "/v1/entries?from=9223372036854775807"]
        for value in ["-1", "-9223372036854775808", "9223372036854775807", "9223372036854775808", "18446744073709551615",
                      "18446744073709551616", "9007199254740992", "abc", "1e3", "0x10", "1.5", "%2D1"] {
            urls += ["/v1/entries?from=\(value)", "/v1/entries?limit=\(value)", "/v1/entries/\(value)", "/v1/proofs/inclusion/\(value)",
                     "/v1/proofs/consistency?old_size=\(value)"]
        }
        urls += ["/v1/entries?limit=0", "/v1/proofs/consistency?old_size=0"]
        var args = ["-s", "-g", "-w", "%{http_code}\\n", "-H", "authorization: bearer \(token)"]
        for u in urls { args += ["-o", "/dev/null", daemon.url + u] }
        let r = try CLI.run("curl", args, in: dir.url)
        let codes = r.stdout.split(separator: "\n").map(String.init)
        #expect(codes.count == urls.count, "\(r.stderr)")
        for (u, c) in zip(urls, codes) { #expect(c == "400", "\(u): \(c)") }
        #expect(daemon.process.isRunning, "csledgerd stopped: \(daemon.stderr)")
        let me = try CLI.run("curl", ["-s", "-w", "\\n%{http_code}", "-H", "Authorization: bearer \(token)", daemon.url + "/v1/me"], in: dir.url)
        #expect(me.stdout.hasSuffix("\n200"), "lowercase bearer: \(me.stdout)")

        for from in ["9223372036854775800", "9223372036854775807", "-1"] {
            let log = try CLI.csledger(["log", "--server", daemon.url, "--from", from], in: dir.url, env: ["CSLEDGER_TOKEN": token])
            #expect(log.status == 2 && log.stderr.split(separator: "\n").count == 1, "log --from \(from): \(log.status) \(log.stderr)")
        }
        #expect(daemon.process.isRunning, "csledgerd stopped: \(daemon.stderr)")
        let health = try CLI.run("curl", ["-s", daemon.url + "/healthz"], in: dir.url)
        #expect(health.stdout.contains("ok"))
        #expect(daemon.stop() == 0)
    }

    @Test("csledgerd refuses a TLS private key that other users can read")
    func tlsKeyMode() throws {
        let dir = try TempDir()
        _ = try DaemonLiveTests.makeLedger(dir, admins: 0)
        let r = try CLI.run("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                                        "-keyout", "tls.key", "-out", "tls.crt", "-days", "2", "-subj", "/CN=csledgerd test"], in: dir.url)
        try #require(r.status == 0, "openssl: \(r.stderr)")
        chmod(dir.path("tls.key"), 0o644)
        let d = try CLI.run(Daemon.path, ["--ledger", "ledger.sqlite", "--listen", "127.0.0.1:0", "--tls-cert", "tls.crt", "--tls-key", "tls.key"], in: dir.url)
        #expect(d.status == 2 && d.stderr.contains("can be read by other users") && d.stderr.split(separator: "\n").count == 1, "\(d.stderr)")
    }
}
