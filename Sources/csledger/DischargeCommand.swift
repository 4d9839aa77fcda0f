import ArgumentParser
import CSLedgerKit
import Dispensing
import LedgerCore

struct Discharge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Record that you discharged the patient of a monitored clinic dose (--time: when they left fit to go).")
    @OptionGroup var record: RecordOptions
    @Option(help: "The seq of the dose.administered entry.") var dose: Int

    func run() throws {
        guard dose >= 0 else { throw LedgerError(.invalidArgument, "--dose must be the seq number of a dose (0 or more)") }
        let ledger = try record.target()
        try record.record(DoseDischarged(doseSeq: dose), ledger: ledger) {
            "patient of dose \(dose) discharged, recorded at seq \($0)"
        }
    }
}
