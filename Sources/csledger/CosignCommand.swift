import ArgumentParser
import CSLedgerKit
import Dispensing
import Foundation
import LedgerAccess
import LedgerCore

struct Cosign: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Add your witness signature to a draft (remote witnessing).",
        discussion: """
            Before signing, checks every signature already on the draft against the statement with the keys \
            enrolled in the ledger (--ledger, or $CSLEDGER_LEDGER): a draft changed after it was signed is refused. \
            Then prints what you attest (type, time, who records it, lots, quantities) and signs.
            """)
    @Argument(help: "The draft file.") var file: String
    @Option(help: ArgumentHelp("Your private key (or $CSLEDGER_KEY).", valueName: "path")) var key: String?
    @OptionGroup var ledgerOptions: LedgerOptions

    func run() throws {
        guard let path = key ?? ProcessInfo.processInfo.environment["CSLEDGER_KEY"] else { throw LedgerError(.keyFileMissing, "pass your key with --key PATH") }
        let k = try KeyFiles.loadPrivateKey(path: path)
        var d = try Draft.read(path: file)
        // The keys that signed so far, and who they are, come from the ledger (read-only).
        let ledger: Ledger
        do { ledger = try ledgerOptions.open(readOnly: true) } catch let e as LedgerError where e.code == .ledgerMissing {
            throw LedgerError(.ledgerMissing, "cosign checks the signatures already on the draft with the keys enrolled in the ledger, and there is no ledger at \(ledgerOptions.path); pass --ledger FILE (a copy of the ledger file will do)")
        }
        let signers = Dictionary(try ledger.database.signers().map { ($0.keyID, $0) }, uniquingKeysWith: { a, _ in a })
        try Self.checkDraftIsForThisLedger(d, ledger: ledger)
        try d.checkSignaturesSoFar(publicKey: { signers[$0]?.publicKey })
        Output.line("you are attesting, as witness \(k.keyID.short):")
        for line in d.witnessSummary(signer: { signers[$0] }) { Output.line(line) }
        d.signed = try d.signed.cosigned(by: k)  // refuses a key that is not a witness, or one that signed already
        try d.write(path: file, replacing: true)
        Output.line(d.missingSigners.isEmpty ? "signed; the draft is complete: csledger submit \(file)" : "signed; \(d.missingSigners.count) witness signature(s) still missing")
    }

    // MARK: - The draft's ledger

    /// Refuses a draft made for another ledger: its statement names another origin in `log`, or none where
    /// this ledger requires one (a witness never attests to a statement that this ledger would refuse).
    static func checkDraftIsForThisLedger(_ draft: Draft, ledger: Ledger) throws {
        try draft.signed.statement.checkLog(origin: try ledger.origin(), required: try ledger.logRequiredFrom() != nil)
    }
}
