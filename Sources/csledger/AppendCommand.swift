import ArgumentParser
import CSLedgerKit
import LedgerAccess
import LedgerCore

struct Append: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Append a raw statement (admins only; for tooling and tests).",
        discussion: "Signs {type, time, actor, witnesses, body} with --key and each --witness-key, then appends it.")

    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var signing: SigningOptions
    @OptionGroup var server: ServerOptions
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
        let ledger = try ledgerOptions.target(server: server, signing: signing)
        guard let role = try ledger.signerRole(key.keyID) else {
            throw LedgerError(.signerNotEnrolled, "key \(key.keyID.short) is not enrolled in this ledger; an admin enrols it with `csledger actor enroll`")
        }
        // The rule csledgerd applies to every statement posted to it (one function for both).
        try RawStatementRule.check(type: type, role: role)
        // The command line is stricter: a known type is recorded with its own command, so raw appends stay an admin's tool.
        guard role == .admin else {
            throw LedgerError(.roleNotAllowed, "only an enrolled admin may append raw statements (this key is a \(role.rawValue))")
        }
        func record(_ body: [String: JSONValue], at time: Timestamp) throws -> AppendReceipt {
            let statement = try Statement(type: type, time: time, actor: key.keyID, witnesses: witnesses.map(\.keyID),
                                          log: try ledger.origin(), body: body)
            return try ledger.append(try SignedStatement(statement: statement, actorKey: key, witnessKeys: witnesses))
        }
        var appended = try record(object, at: time)
        for i in 1..<`repeat` {
            // The same signed statement is never recorded twice, so each copy carries its own nonce.
            var copy = object
            copy["repeat_nonce"] = .string("\(i)-\(UInt64.random(in: 0...UInt64.max))")
            appended = try record(copy, at: self.time == nil ? .now() : time)
        }
        if output.json {
            Output.json(["seq": .number(Double(appended.seq)), "leaf_hash": .string(appended.leafHash.hex)])
        } else {
            Output.line("appended seq \(appended.seq) (\(type))")
        }
    }
}
