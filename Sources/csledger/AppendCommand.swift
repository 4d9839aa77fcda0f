import ArgumentParser
import CSLedgerKit
import LedgerCore

struct Append: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Append a raw statement (admins only; for tooling and tests).",
        discussion: "Signs {type, time, actor, witnesses, body} with --key and each --witness-key, then appends it.")

    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var signing: SigningOptions
    @OptionGroup var output: OutputOptions

    @Option(help: "The statement type, e.g. note.recorded.")
    var type: String

    @Option(help: ArgumentHelp("The statement body: a JSON object, or @file.", valueName: "json"))
    var body: String

    @Option(name: .customLong("witness-key"), help: ArgumentHelp("A witness's private key (repeatable).", valueName: "path"))
    var witnessKeys: [String] = []

    @Option(help: ArgumentHelp("When it happened (default now).", valueName: "time"))
    var time: String?

    @Option(help: ArgumentHelp("Append the statement N times, each in its own transaction with its own checkpoint (load tests; copies after the first get a repeat_nonce).", valueName: "n"))
    var `repeat` = 1

    func validate() throws {
        guard (1...10_000_000).contains(`repeat`) else { throw ValidationError("--repeat must be from 1 to 10000000") }
    }

    func run() throws {
        let object = try parseJSONObject(body, what: "body")
        let time = try parseTime(time)
        let key = try signing.signerKey()
        let witnesses = try witnessKeys.map { try KeyFiles.loadPrivateKey(path: $0) }
        let ledger = try ledgerOptions.open()
        guard let signer = try ledger.database.signers().first(where: { $0.keyID == key.keyID }) else {
            throw LedgerError(.signerNotEnrolled, "key \(key.keyID.short) is not enrolled in this ledger; an admin enrols it with `csledger actor enroll`")
        }
        guard signer.role == .admin else {
            throw LedgerError(.roleNotAllowed, "only an enrolled admin may append raw statements (this key is a \(signer.role.rawValue))")
        }
        let facilityKey = try signing.facilityKey(for: ledger, signer: key)
        var appended = try ledger.record(type: type, body: object, key: key, witnessKeys: witnesses, facilityKey: facilityKey, time: time)
        for i in 1..<`repeat` {
            // The same signed statement is never recorded twice, so each copy carries its own nonce.
            var copy = object
            copy["repeat_nonce"] = .string("\(i)-\(UInt64.random(in: 0...UInt64.max))")
            appended = try ledger.record(type: type, body: copy, key: key, witnessKeys: witnesses, facilityKey: facilityKey,
                                         time: self.time == nil ? .now() : time)
        }
        if output.json {
            Output.json(["seq": .number(Double(appended.entry.seq)), "leaf_hash": .string(appended.leafHash.hex)])
        } else {
            Output.line("appended seq \(appended.entry.seq) (\(type))")
        }
    }
}
