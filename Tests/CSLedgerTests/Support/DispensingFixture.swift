import Foundation
import Testing
@testable import CSLedgerKit
@testable import LedgerCore
@testable import LedgerStore

/// A pharmacy/clinic ledger ready for a day's work, made through the CLI on top of `CLILedger`.
///
/// Besides CLILedger's facility, pharmacist and witness it has a clinician, a second witness
/// (`witness2`) and a compliance officer, all enrolled, plus a `stranger` key that is not enrolled;
/// two patients (A and B, with distinctive names so tests can grep for leaks); a vial lot
/// (10 × 10 mL) and a tablet lot (3 × 30 tablets) received in March 2026; and prescription
/// RX-1001 for patient A (6 tablets, 2 refills, issued 2026-03-01).
///
/// The CLI builds this once per test run (a template folder); each test gets its own copy of the
/// folder, so tests are independent and cost a few milliseconds to set up instead of ~20 processes.
///
/// `make(backend)` gives the same ledger in either store (see `Backend`). In PostgreSQL it is the template's ledger
/// copied there once per run (`store copy`) and cloned into a database of the test's own, since its entries are
/// signed for the origin test.example.org/ledger; the copied folder then holds no ledger file, only the mirror.
final class DispensingLedger {
    struct Person: Sendable {
        let ref: String
        let commitment: String
        let name: String
        let address: String
        /// `{"ref","commitment"}` as statements carry it.
        var json: JSONValue { ["ref": .string(ref), "commitment": .string(commitment)] }
    }

    // The scenario, in one place. Quantities are in each lot's unit.
    static let supplierDEA = "RD2345672"      // (2+4+6) + 2*(3+5+7) = 42 → 2
    static let prescriberDEA = "BL7654329"    // (7+5+3) + 2*(6+4+2) = 39 → 9
    static let vialLot = "KV2611A", vialNDC = "70000-123-10", vialLotID = "70000012310:KV2611A"
    static let tabletLot = "KT2610B", tabletNDC = "70000-456-30", tabletLotID = "70000045630:KT2610B"
    static let vialReceived = "2026-03-02T09:00:00Z", tabletsReceived = "2026-03-02T10:00:00Z"
    static let rx = "RX-1001", rxIssued = "2026-03-01", rxAdded = "2026-03-03T09:00:00Z"
    static let patientAName = "Zebulon Quixote-Marchetti", patientAAddress = "4471 Larkspur Hollow Rd, Tucson, AZ 85701"
    static let patientBName = "Philippa Wrenbourne-Okonkwo", patientBAddress = "9 Cormorant Quay, Galveston, TX 77550"
    /// Every figure `inventory --json` prints per lot.
    static let figures = ["received", "dispensed", "administered", "shipped", "wasted", "destroyed", "lost", "returned", "adjusted", "transferred", "on_hand"]

    static let pharmacist = ["--key", "Keys/pharmacist.pem"]
    static let clinician = ["--key", "Keys/clinician.pem"]
    static let compliance = ["--key", "Keys/compliance.pem"]
    static let witnessed = ["--witness-key", "Keys/witness.pem"]
    static let twoWitnesses = ["--witness-key", "Keys/witness.pem", "--witness-key", "Keys/witness2.pem"]

    let dir: TempDir
    let place: LedgerPlace
    let patientA: Person
    let patientB: Person
    var root: URL { dir.url }
    var ledgerPath: String { dir.path("ledger.sqlite") }

    /// A fresh copy of the prepared ledger, in a file.
    static func make() throws -> DispensingLedger { try #require(try make(.file)) }

    /// A fresh copy of the prepared ledger in `backend`'s store; nil when that is PostgreSQL and no server is there
    /// (after a SKIPPED line).
    static func make(_ backend: Backend) throws -> DispensingLedger? {
        let t = try template.get()
        let dir = try TempDir()
        for item in try FileManager.default.contentsOfDirectory(atPath: t.path) {
            try FileManager.default.copyItem(atPath: t.path + "/" + item, toPath: dir.path(item))
        }
        let place: LedgerPlace?
        switch backend {
        case .file:
            place = backend.place(in: dir, origin: CLILedger.fileOrigin)
        case .postgres:
            place = try backend.place(copying: t.path + "/ledger.sqlite", in: dir, reuse: true)
            // Only PostgreSQL holds the ledger now: a command that missed it finds no ledger rather than the file.
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: dir.path("ledger.sqlite" + suffix)) }
        }
        guard let place else { return nil }
        return DispensingLedger(dir: dir, place: place, template: t)
    }

    private init(dir: TempDir, place: LedgerPlace, template t: Template) {
        self.dir = dir
        self.place = place
        patientA = t.patientA
        patientB = t.patientB
    }

    deinit { place.release() }

    /// Starts csledgerd on this ledger (on PostgreSQL with a mirror of its own, `daemon.sqlite`, as an operator runs it;
    /// the CLI's commands here use the test's) after issuing API tokens for `signers` where the daemon keeps them.
    /// Also returns where the daemon keeps files beside its ledger (signature images): `<file>.files`, or beside its mirror.
    func startDaemon(tokensFor signers: [String]) throws -> (daemon: Daemon, tokens: [String: String], files: String) {
        let mirror = place.mirror.map { _ in dir.path("daemon.sqlite") }
        let ledger = try place.open(mirror: mirror)
        var tokens: [String: String] = [:]
        for name in signers {
            tokens[name] = try APITokens(database: ledger.database).issue(for: try key(name).keyID, expires: nil).token
        }
        let daemon = try Daemon(["--ledger", place.address] + (mirror.map { ["--mirror", $0] } ?? [])
                                + ["--listen", "127.0.0.1:0", "--facility-key", dir.path("Keys/facility.pem"), "--log-level", "warning"], in: root)
        return (daemon, tokens, (mirror ?? place.address) + ".files")
    }

    // MARK: - Running the CLI

    /// Runs `csledger args` in the ledger's folder. Tokens in arguments are replaced: `$PA`/`$PB` patient refs,
    /// `$W`/`$W2`/`$STRANGER` key ids, `$TOMORROW` a UTC time a day from now.
    @discardableResult
    func csledger(_ args: [String]) throws -> CLI.Result {
        // The recorded facility key path points into the template's build folder; each copy uses its own key.
        try CLI.csledger(try resolve(args), in: root, env: place.env.merging(["CSLEDGER_FACILITY_KEY": dir.path("Keys/facility.pem")]) { $1 })
    }

    /// Runs a command that must succeed (the test stops here if it does not) and returns its result.
    @discardableResult
    func ok(_ args: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> CLI.Result {
        let r = try csledger(args)
        try #require(r.status == 0, "csledger \(args.prefix(2).joined(separator: " ")) failed: \(r.stderr)", sourceLocation: sourceLocation)
        return r
    }

    /// Runs a recording command with `--json` that must succeed; returns the new entry's seq.
    @discardableResult
    func record(_ args: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> Int {
        let r = try ok(args + ["--json"], sourceLocation: sourceLocation)
        let json = try JSONParser.parse(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        return try #require(json["seq"]?.integerValue, "no seq in \(r.stdout)", sourceLocation: sourceLocation)
    }

    func resolve(_ args: [String]) throws -> [String] {
        let tokens: [(String, String)] = [
            ("$PA", patientA.ref), ("$PB", patientB.ref), ("$STRANGER", try keyID("stranger")),
            ("$W2", try keyID("witness2")), ("$W", try keyID("witness")),
            ("$TOMORROW", Timestamp.now().adding(milliseconds: 86_400_000).description),
        ]
        return args.map { a in tokens.reduce(a) { $0.replacingOccurrences(of: $1.0, with: $1.1) } }
    }

    func key(_ name: String) throws -> SignerKey { try KeyFiles.loadPrivateKey(path: dir.path("Keys/\(name).pem")) }
    func keyID(_ name: String) throws -> String { try KeyFiles.loadPublicKey(path: dir.path("Keys/\(name).pub.pem")).keyID.hex }

    func checkpoint() throws -> String {
        let r = try csledger(["checkpoint"])
        #expect(r.status == 0, "checkpoint: \(r.stderr)")
        return r.stdout
    }

    /// `verify --json`: exit status and failure codes.
    func verify() throws -> (status: Int32, failures: [String]) {
        let r = try csledger(["verify", "--json"])
        let json = try JSONParser.parse(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        return (r.status, (json["failures"]?.arrayValue ?? []).map { "\($0["seq"]?.integerValue ?? -1) \($0["code"]?.stringValue ?? "") \($0["message"]?.stringValue ?? "")" })
    }

    func expectVerifies(sourceLocation: SourceLocation = #_sourceLocation) throws {
        let v = try verify()
        #expect(v.status == 0, "verify: \(v.failures)", sourceLocation: sourceLocation)
        #expect(v.failures.isEmpty, sourceLocation: sourceLocation)
    }

    /// `inventory --json` (and `extra` flags), by lot number: every field as printed.
    func inventory(_ extra: [String] = []) throws -> [String: [String: String]] {
        let r = try ok(["inventory", "--json"] + extra)
        var lots: [String: [String: String]] = [:]
        for line in r.stdout.split(separator: "\n") {
            guard let o = try JSONParser.parse(String(line)).objectValue, let lot = o["lot"]?.stringValue else {
                Issue.record("inventory line is not an object with a lot: \(line)")
                continue
            }
            lots[lot] = o.compactMapValues(\.stringValue)
        }
        return lots
    }

    /// Checks one lot's figures in `inventory --json`: those given, and every other figure "0"; and its status unless nil.
    func expectLot(_ lot: String, _ expected: [String: String], status: String? = "active", asOf: String? = nil,
                   sourceLocation: SourceLocation = #_sourceLocation) throws {
        let inv = try inventory(asOf.map { ["--as-of", $0] } ?? [])
        guard let line = inv[lot] else {
            Issue.record("lot \(lot) is not in the inventory\(asOf.map { " as of \($0)" } ?? ""): \(inv.keys.sorted())", sourceLocation: sourceLocation)
            return
        }
        for unknown in Set(expected.keys).subtracting(Self.figures) { Issue.record("not a figure: \(unknown)", sourceLocation: sourceLocation) }
        for f in Self.figures {
            #expect(line[f] == (expected[f] ?? "0"), "lot \(lot) \(f)\(asOf.map { " as of \($0)" } ?? "")", sourceLocation: sourceLocation)
        }
        if let status { #expect(line["status"] == status, "lot \(lot) status", sourceLocation: sourceLocation) }
    }

    /// Names and addresses of the fixture's patients, and distinctive parts of them: never in an error message.
    static let personalData = [patientAName, patientAAddress, patientBName, patientBAddress, "Quixote", "Larkspur", "Wrenbourne", "Cormorant"]

    /// A refused command: exit status 2 (bad input), nothing on stdout, one line `csledger: error: … [code]`
    /// containing each of `says`, and no patient's name or address.
    func expectRefusal(_ r: CLI.Result, _ code: String, _ says: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(r.status == 2, "exit status: \(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stdout.isEmpty, "\(r.stdout)", sourceLocation: sourceLocation)
        #expect(r.stderr.split(separator: "\n", omittingEmptySubsequences: false).count == 2 && r.stderr.hasSuffix("\n"),
                "one line: \(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.hasPrefix("csledger: error: "), "\(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.hasSuffix(" [\(code)]\n"), "\(r.stderr)", sourceLocation: sourceLocation)
        for s in says { #expect(r.stderr.contains(s), "message names \"\(s)\": \(r.stderr)", sourceLocation: sourceLocation) }
        for secret in Self.personalData {
            #expect(!r.stderr.contains(secret), "the message shows personal data: \(r.stderr)", sourceLocation: sourceLocation)
        }
    }

    /// The entry at `seq` as `log` prints it, parsed.
    func entry(_ seq: Int) throws -> JSONValue {
        let r = try ok(["log", "--from", String(seq), "--to", String(seq)])
        return try JSONParser.parse(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// The number of entries (the file's, or PostgreSQL's).
    func size() throws -> Int { try place.size() }

    /// Runs SQL with the sqlite3 binary (read-only checks of the tables kept beside the entries: in the ledger file,
    /// or in the mirror of a ledger in PostgreSQL, the only place those tables are; see `LedgerPlace.localFile`).
    func sqlite(_ sql: String) throws -> String {
        let r = try CLI.run("sqlite3", ["-readonly", place.localFile, sql], in: root)
        #expect(r.status == 0, "sqlite3: \(r.stderr)")
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Signs a statement with `actor` (and witnesses, all present), writes it as a draft file and `submit`s it:
    /// the way to put a body the flags cannot express through the CLI's append path.
    func submitStatement(type: String, body: [String: JSONValue], actor: String, witnesses: [String] = [],
                         time: String) throws -> CLI.Result {
        let actorKey = try key(actor)
        let witnessKeys = try witnesses.map { try key($0) }
        let statement = try Statement(type: type, time: try #require(Timestamp(time)), actor: actorKey.keyID,
                                      witnesses: witnessKeys.map(\.keyID), log: "test.example.org/ledger", body: body)
        let signed = try SignedStatement(statement: statement, actorKey: actorKey, witnessKeys: witnessKeys)
        let path = dir.path("statement-\(UUID().uuidString).json")
        try Draft(signed: signed).write(path: path)
        return try csledger(["submit", path])
    }

    // MARK: - Command lines of the scenario

    static func receive(lot: String, ndc: String = tabletNDC, strength: String = "100 mg", form: String = "tablet, sublingual",
                        expiry: String = "2027-10-31", containers: Int = 2, perContainer: String = "30", unit: String = "tablet",
                        dea: String = supplierDEA, time: String, key: [String] = pharmacist, witnesses: [String] = witnessed,
                        extra: [String] = []) -> [String] {
        ["receive", "--supplier-name", "Gulf Coast Pharma Distribution", "--supplier-address", "1 Wholesale Way, Columbus, OH 43215",
         "--supplier-dea", dea, "--invoice", "INV-\(lot)", "--drug", "Ketamine HCl", "--strength", strength, "--form", form,
         "--ndc", ndc, "--lot", lot, "--expiry", expiry, "--containers", String(containers), "--units-per-container", perContainer,
         "--unit", unit, "--time", time] + key + witnesses + extra
    }

    static func receiveVials(lot: String, expiry: String = "2028-03-31", containers: Int = 10, time: String, extra: [String] = []) -> [String] {
        receive(lot: lot, ndc: vialNDC, strength: "50 mg/mL", form: "injection, solution", expiry: expiry,
                containers: containers, perContainer: "10", unit: "mL", time: time, extra: extra)
    }

    /// `receive` with the typed --lot and --expiry left out, for --scan.
    static func receiveScanned(_ scan: String, ndc: String = vialNDC, extraLot: String? = nil, time: String) -> [String] {
        var args = receiveVials(lot: "-", time: time)
        args[args.firstIndex(of: "--ndc")! + 1] = ndc
        for flag in ["--lot", "--expiry"] {
            let i = args.firstIndex(of: flag)!
            args.removeSubrange(i...(i + 1))
        }
        return args + ["--scan", scan] + (extraLot.map { ["--lot", $0] } ?? [])
    }

    /// A GS1 DataMatrix scan as a scanner types it: `]d2`, (01) GTIN, (17) expiry, (10) lot, GS, (21) serial.
    static func scan(gtin: String, expiry: String = "280300", lot: String, serial: String = "SN000417") -> String {
        "]d2" + "01" + gtin + "17" + expiry + "10" + lot + "\u{1D}" + "21" + serial
    }

    static func rxAdd(_ rx: String, patient: String = "$PA", issued: String = "2026-03-01", quantity: String = "6", refills: Int = 2,
                      time: String, extra: [String] = []) -> [String] {
        ["rx", "add", "--rx", rx, "--issued", issued, "--patient", patient, "--prescriber-name", "Dr. Maya Lin",
         "--prescriber-address", "200 Telehealth Ave, Austin, TX 78701", "--prescriber-dea", prescriberDEA,
         "--drug", "Ketamine HCl", "--strength", "100 mg", "--form", "tablet, sublingual", "--quantity", quantity,
         "--unit", "tablet", "--directions", "Dissolve 1 tablet under the tongue as directed, at most twice weekly",
         "--refills=\(refills)", "--days-supply", "21", "--time", time] + pharmacist + extra
    }

    static func dispense(_ rx: String = rx, fill: Int = 1, quantity: String = "6", lots: [String] = [tabletLot], time: String,
                         key: [String] = pharmacist, extra: [String] = []) -> [String] {
        ["dispense", "--rx", rx, "--fill", String(fill), "--quantity", quantity, "--days-supply", "21", "--time", time]
            + lots.flatMap { ["--lot", $0] } + key + extra
    }

    static func ship(_ fills: [String] = ["\(rx)/1"], tracking: String, time: String, extra: [String] = []) -> [String] {
        ["ship", "--carrier", "UPS", "--service", "Next Day Air", "--tracking", tracking, "--time", time]
            + fills.flatMap { ["--fill", $0] } + pharmacist + extra
    }

    static func deliver(tracking: String, delivered: String, image: String = "pod.png", signer: String = patientAName,
                        time: String, extra: [String] = []) -> [String] {
        ["deliver", "--tracking", tracking, "--delivered", delivered, "--signer-name", signer, "--age-verified",
         "--id-type", "drivers_license", "--id-last", "4821", "--signature-image", image, "--time", time] + pharmacist + extra
    }

    static func waste(lot: String = vialLot, quantity: String, time: String, key: [String] = pharmacist,
                      witnesses: [String] = witnessed, extra: [String] = []) -> [String] {
        ["waste", "--lot", lot, "--quantity=\(quantity)", "--reason", "remainder of opened vial", "--method", "drug disposal container",
         "--time", time] + key + witnesses + extra
    }

    static func administer(lot: String = vialLot, patient: String = "$PB", drawn: String = "1", given: String = "0.8", time: String,
                           key: [String] = clinician, witnesses: [String] = witnessed, extra: [String] = []) -> [String] {
        ["administer", "--lot", lot, "--patient", patient, "--order", "ORD-301", "--drawn=\(drawn)", "--given=\(given)",
         "--waste-method", "drug disposal container", "--time", time] + key + witnesses + extra
    }

    static func destroy(_ items: [String], time: String, key: [String] = compliance, witnesses: [String] = twoWitnesses) -> [String] {
        ["destroy", "--method", "incineration by reverse distributor", "--location", "Back office safe, 12 Main St, Austin, TX",
         "--reason", "expired", "--time", time] + items.flatMap { ["--lot", $0] } + key + witnesses
    }

    /// A small file standing in for the carrier's signature image.
    func writeImage(_ name: String = "pod.png") throws -> Data {
        var bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        bytes += Array("proof of delivery \(UUID().uuidString)".utf8)
        let data = Data(bytes)
        try data.write(to: URL(fileURLWithPath: dir.path(name)))
        return data
    }

    // MARK: - The template, built once per test run

    struct Template: Sendable {
        let path: String
        let patientA: Person
        let patientB: Person
    }

    struct SetupFailed: Error, CustomStringConvertible {
        let description: String
    }

    static let templatePath = FileManager.default.temporaryDirectory
        .appendingPathComponent("csledger-dispensing-template-\(UUID().uuidString)").path

    static let template: Result<Template, any Error> = Result { try buildTemplate() }

    private static func buildTemplate() throws -> Template {
        let l = try CLILedger()
        @discardableResult
        func run(_ args: [String]) throws -> CLI.Result {
            let r = try l.csledger(args)
            guard r.status == 0 else { throw SetupFailed(description: "fixture: csledger \(args.prefix(2).joined(separator: " ")): \(r.stderr)") }
            return r
        }
        for name in ["clinician", "witness2", "compliance", "stranger"] { try run(["keys", "generate", name]) }
        for (name, role) in [("clinician", "clinician"), ("witness2", "witness"), ("compliance", "compliance")] {
            try run(["actor", "enroll", "--name", name.capitalized, "--role", role, "--public-key", "Keys/\(name).pub.pem",
                     "--key", "Keys/facility.pem"])
        }
        func addPatient(_ name: String, _ address: String, _ dob: String) throws -> Person {
            let r = try run(["patient", "add", "--name", name, "--address", address, "--dob", dob, "--json"])
            let json = try JSONParser.parse(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
            guard let ref = json["ref"]?.stringValue, let c = json["commitment"]?.stringValue else {
                throw SetupFailed(description: "patient add --json printed \(r.stdout)")
            }
            return Person(ref: ref, commitment: c, name: name, address: address)
        }
        let a = try addPatient(patientAName, patientAAddress, "1984-07-19")
        let b = try addPatient(patientBName, patientBAddress, "1971-02-03")
        try run(receiveVials(lot: vialLot, time: vialReceived))
        try run(receive(lot: tabletLot, containers: 3, time: tabletsReceived))
        try run(rxAdd(rx, patient: a.ref, time: rxAdded))
        let fm = FileManager.default
        try fm.createDirectory(atPath: templatePath, withIntermediateDirectories: true)
        for item in try fm.contentsOfDirectory(atPath: l.root.path) {
            try fm.copyItem(atPath: l.root.path + "/" + item, toPath: templatePath + "/" + item)
        }
        atexit { try? FileManager.default.removeItem(atPath: DispensingLedger.templatePath) }
        return Template(path: templatePath, patientA: a, patientB: b)
    }
}
