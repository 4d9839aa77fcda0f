import ArgumentParser
import CSLedgerKit
import Dispensing
import LedgerAccess
import LedgerCore

struct Patient: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Keep patients' personal data off the chain; statements carry only a reference and a commitment.",
        subcommands: [Add.self, Show.self, Erase.self, Policy.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a patient; prints the reference to use with --patient.")
        @OptionGroup var ledgerOptions: LedgerOptions
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions
        @Option(help: "Full name.") var name: String
        @Option(help: "Home address.") var address: String
        @Option(help: "Date of birth, YYYY-MM-DD.") var dob: String

        func run() throws {
            let data = try PersonalData.patientData(name: name, address: address, dateOfBirth: dob, labels: ("--name", "--address", "--dob"))
            // With --server the daemon keeps the data beside its ledger file; nothing is signed.
            let target: any LedgerTarget = try server.remote(ledgerFlag: ledgerOptions.ledger)
                ?? LocalLedgerTarget(ledger: try ledgerOptions.open()) { throw LedgerError(.invalidArgument, "adding a patient signs nothing") }
            let ref = try target.addPatient(data)
            if output.json { Output.json(ref.json) } else { Output.line("patient \(ref.ref) (commitment \(ref.commitment.prefix(12))…)") }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a patient's personal data and check it against its commitment.")
        @OptionGroup var ledgerOptions: LedgerOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The patient reference (P-...).") var ref: String

        func run() throws {
            guard let d = try ledgerOptions.open(readOnly: true).personalData.disclose(ref) else {
                throw LedgerError(.notFound, "no personal data on file for \(ref.prefix(40)) (never added, or erased)")
            }
            let ok = PersonalData.commitment(salt: d.salt, data: d.data) == d.commitment
            if output.json {
                Output.json(["ref": .string(ref), "data": .object(d.data), "salt": .string(Hex.encode(d.salt)),
                             "commitment": .string(d.commitment), "commitment_matches": .bool(ok)])
            } else {
                for (k, v) in d.data.sorted(by: { $0.key < $1.key }) { Output.line("\(k.padding(toLength: 14, withPad: " ", startingAt: 0)) \(v.stringValue ?? "")") }
                Output.line("commitment     \(d.commitment) (\(ok ? "matches" : "DOES NOT MATCH"))")
            }
        }
    }

    struct Erase: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Erase a patient's personal data when retention ends; the ledger still verifies.")
        @OptionGroup var ledgerOptions: LedgerOptions
        @Argument(help: "The patient reference (P-...).") var ref: String

        func run() throws {
            let ledger = try ledgerOptions.open()
            try ledger.personalData.erase(ref)
            // A ledger in PostgreSQL: there too.
            try ledger.erasePersonalDataInStore(path: ledgerOptions.path, ref: ref)
            Output.line("erased the personal data of \(ref); its commitment stays in the ledger")
        }
    }

    struct Policy: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record a prescriber's dispensing policy for a patient: in-clinic only (no take-home doses) or take-home allowed.",
            discussion: """
                Signed by a clinician. While a patient is in-clinic-only, dispense and ship refuse their fills; doses are given
                in the clinic (csledger administer). The reason is a code, never the clinical history: \(DispensingType.policyReasons.joined(separator: ", ")).
                """)
        @OptionGroup var record: RecordOptions
        @Argument(help: "The patient reference (P-...).") var ref: String
        @Flag(help: "Dose the patient in the clinic only: no take-home fill may be dispensed or shipped.") var inClinicOnly = false
        @Flag(help: "Take-home fills are allowed again.") var takeHomeAllowed = false
        @Option(help: "Reason code: \(DispensingType.policyReasons.joined(separator: ", ")).") var reason: String

        func run() throws {
            guard inClinicOnly != takeHomeAllowed else {
                throw LedgerError(.invalidArgument, "give exactly one of --in-clinic-only and --take-home-allowed")
            }
            guard DispensingType.policyReasons.contains(reason) else {
                throw LedgerError(.invalidArgument, "--reason must be one of: \(DispensingType.policyReasons.joined(separator: ", "))")
            }
            let ledger = try record.target()
            let body = PatientPolicySet(patient: try ledger.patientReference(ref), policy: inClinicOnly ? .inClinicOnly : .takeHomeAllowed, reason: reason)
            try record.record(body, ledger: ledger) {
                "patient \(ref) is \(inClinicOnly ? "in-clinic-only" : "allowed take-home fills") from seq \($0)"
            }
        }
    }
}
