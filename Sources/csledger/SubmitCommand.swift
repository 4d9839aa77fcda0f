import ArgumentParser
import CSLedgerKit
import Dispensing
import Foundation
import LedgerAccess
import LedgerCore

struct Submit: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Append a fully signed draft.")
    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var signing: SigningOptions
    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "The draft file.") var file: String

    func run() throws {
        let d = try Draft.read(path: file)
        guard d.missingSigners.isEmpty else {
            throw LedgerError(.signatureInvalid, "the draft still needs \(d.missingSigners.count) witness signature(s): csledger cosign \(file) --key WITNESS.pem")
        }
        let appended = try ledgerOptions.target(server: server, signing: signing).append(d.signed)
        if output.json { Output.json(["seq": .number(Double(appended.seq)), "type": .string(d.signed.statement.type)]) }
        else { Output.line("submitted \(d.signed.statement.type) at seq \(appended.seq)") }
    }
}
