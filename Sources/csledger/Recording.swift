import ArgumentParser
import CSLedgerKit
import Foundation
import LedgerAccess
import LedgerCore

/// Options every recording command shares: who signs, witnesses, time, drafts, output.
struct RecordOptions: ParsableArguments {
    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var signing: SigningOptions
    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions

    @Option(name: .customLong("witness-key"), help: ArgumentHelp("A witness's private key, when the witness is here (repeatable).", valueName: "path"))
    var witnessKeys: [String] = []

    @Option(name: .customLong("witness"), help: ArgumentHelp("A witness who will cosign remotely: their key id (repeatable; needs --draft).", valueName: "key-id"))
    var remoteWitnesses: [String] = []

    @Option(help: ArgumentHelp("When it happened, UTC (default now).", valueName: "time"))
    var time: String?

    @Option(help: ArgumentHelp("Write the signed draft to FILE for remote witnesses (`csledger cosign`, then `csledger submit`) instead of appending.", valueName: "file"))
    var draft: String?

    /// Where the command records: the ledger file, or csledgerd with --server.
    func target() throws -> any LedgerTarget { try ledgerOptions.target(server: server, signing: signing) }

    /// Signs `body` (its statement type is the body's) and appends it (or writes a draft); prints the result.
    func record(_ body: some StatementBody, ledger: any LedgerTarget, summary: (Int) -> String) throws {
        try record(type(of: body).type, body.body, ledger: ledger, summary: summary)
    }

    /// Signs `body` as `type` and appends it (or writes a draft); prints the result.
    func record(_ type: String, _ body: [String: JSONValue], ledger: any LedgerTarget, summary: (Int) -> String) throws {
        let key = try signing.signerKey()
        let witnesses = try witnessKeys.map { try KeyFiles.loadPrivateKey(path: $0) }
        let remote = try remoteWitnesses.map { text -> KeyID in
            guard let k = KeyID(text.lowercased()) else { throw LedgerError(.invalidArgument, "--witness \(text.prefix(70)) is not a key id; see `csledger actor list`") }
            return k
        }
        if !remote.isEmpty, draft == nil { throw LedgerError(.invalidArgument, "--witness (remote) needs --draft FILE; witnesses who are here sign with --witness-key") }
        let statement = try Statement(type: type, time: try parseTime(time), actor: key.keyID,
                                      witnesses: witnesses.map(\.keyID) + remote, log: try ledger.origin(), body: body)
        if let draft {
            var signed = SignedStatement(statement: statement, signatures: [EntrySignature(key: key.keyID, signature: key.sign(statement.signingInput))])
            for w in witnesses { signed = try signed.cosigned(by: w) }
            let d = Draft(signed: signed)
            try d.write(path: draft)
            Output.line("draft written to \(draft); waiting for \(d.missingSigners.count) witness signature(s): csledger cosign \(draft) --key WITNESS.pem, then csledger submit \(draft)")
            return
        }
        let signed = try SignedStatement(statement: statement, actorKey: key, witnessKeys: witnesses)
        let appended = try ledger.append(signed)
        if output.json {
            Output.json(["seq": .number(Double(appended.seq)), "type": .string(type), "leaf_hash": .string(appended.leafHash.hex)])
        } else {
            Output.line(summary(appended.seq))
        }
    }
}

/// `LOT` or `LOT=QUANTITY`, as --lot takes it.
struct LotUse {
    let lot: String
    let quantity: String?

    init(_ text: String) {
        if let eq = text.lastIndex(of: "=") {
            lot = String(text[..<eq])
            quantity = String(text[text.index(after: eq)...])
        } else {
            lot = text
            quantity = nil
        }
    }
}

/// Resolves lot numbers to lot ids, with the quantity each one gives.
func lotItems(_ uses: [String], ndc: String?, ledger: any LedgerTarget, total: String? = nil) throws -> [LotQuantity] {
    guard !uses.isEmpty else { throw LedgerError(.invalidArgument, "name the lot with --lot LOT (or LOT=QUANTITY for several)") }
    let parsed = uses.map(LotUse.init)
    return try parsed.map { u in
        guard let q = u.quantity ?? (parsed.count == 1 ? total : nil) else {
            throw LedgerError(.invalidArgument, "with several lots, give each one's quantity as --lot LOT=QUANTITY")
        }
        return LotQuantity(lotID: try ledger.lotID(lot: u.lot, ndc: ndc), quantity: try parseQuantity(q, "--lot \(u.lot)"))
    }
}

/// A quantity flag's text, checked to be a positive decimal before anything is signed.
func parseQuantity(_ text: String, _ flag: String, allowZero: Bool = false) throws -> Quantity {
    guard let q = try? Quantity(parsing: text), allowZero ? !q.isNegative : q.isPositive else {
        throw LedgerError(.invalidArgument, "\(flag) \"\(text.prefix(20))\" must be a \(allowZero ? "" : "positive ")decimal number such as 2.5")
    }
    return q
}
