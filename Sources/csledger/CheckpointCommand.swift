import ArgumentParser
import CSLedgerKit
import Foundation
import LedgerAccess
import LedgerCore
import Witness

struct CheckpointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Print the latest signed checkpoint (a C2SP signed note) with every witness cosignature; keep it to check the ledger later.")

    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var server: ServerOptions

    func run() throws {
        print(try ledgerOptions.readTarget(server: server).checkpoint(), terminator: "")
    }
}
