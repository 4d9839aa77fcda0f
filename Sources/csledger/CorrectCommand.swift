import ArgumentParser
import CSLedgerKit
import Dispensing
import Foundation
import LedgerAccess
import LedgerCore

struct Correct: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Correct an entry: a new entry names it and why, and reverses its effect on the inventory; the original stays.")
    @OptionGroup var record: RecordOptions
    @Option(help: "The seq of the entry being corrected.") var seq: Int
    @Option(help: "Why.") var reason: String

    func run() throws {
        try seqNumber(seq, "--seq")
        let ledger = try record.target()
        try record.record(EntryCorrected(corrects: seq, reason: reason), ledger: ledger) {
            "entry \(seq) corrected by seq \($0); record the right event now if one is needed"
        }
    }
}
