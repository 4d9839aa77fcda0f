import ArgumentParser
import CSLedgerKit
import Dispensing
import Foundation
import LedgerCore

struct Receive: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Record a lot received from a supplier (typed, or from a GS1 DataMatrix scan).",
        discussion: """
            The person who checked the delivery signs as witness (--witness-key). With --scan, the GTIN, lot, expiry
            and serial come from the barcode (with or without the ]d2 prefix; GS separators; expiry day 00 = month end).
            """)

    @OptionGroup var record: RecordOptions

    @Option(help: "Supplier's name.") var supplierName: String
    @Option(help: "Supplier's address.") var supplierAddress: String
    @Option(help: "Supplier's DEA number.") var supplierDea: String
    @Option(help: "Invoice or order number (DEA Form 222/CSOS for Schedule II; invoice for III).") var invoice: String
    @Option(help: "Drug name, e.g. \"Ketamine HCl\".") var drug: String
    @Option(help: "Strength, e.g. \"50 mg/mL\".") var strength: String
    @Option(help: "Finished form, e.g. \"injection, solution\" or \"tablet, sublingual\".") var form: String
    @Option(help: "NDC, hyphenated (4-4-2, 5-3-2, 5-4-1 or 5-4-2).") var ndc: String?
    @Option(help: "Lot number.") var lot: String?
    @Option(help: "Expiry date, YYYY-MM-DD.") var expiry: String?
    @Option(help: "Serial number, when the package has one.") var serial: String?
    @Option(help: "A GS1 DataMatrix scan: (01) GTIN, (17) expiry, (10) lot, (21) serial.") var scan: String?
    @Option(help: "Number of containers received.") var containers: Int
    @Option(help: "Units per container, in --unit (e.g. 10 for a 10 mL vial).") var unitsPerContainer: String
    @Option(help: "The unit the lot is counted in: mL, tablet, troche ...") var unit: String
    @Option(help: "The quantity the invoice states, when it differs from what arrived.") var invoiceQuantity: String?
    @Flag(help: "The product is only ever administered in the clinic, never dispensed or shipped (e.g. esketamine nasal spray under its REMS).")
    var inClinicOnly = false
    @Flag(help: "The lot comes from another registrant (a transfer in): the supplier is the sending registrant, --invoice its transfer invoice.")
    var transferIn = false

    func run() throws {
        let ledger = try record.target()
        var lotNumber = lot, expiryDate = expiry, serialNumber = serial
        var gtin: String?
        let ndcText = ndc
        if let scan {
            let s = try GS1Scan.parse(scan)
            gtin = s.gtin.digits
            lotNumber = lotNumber ?? s.lot
            expiryDate = expiryDate ?? s.expiry?.description
            serialNumber = serialNumber ?? s.serial
            if let lot, let scanned = s.lot, lot != scanned { throw LedgerError(.invalidArgument, "--lot \(lot) differs from the scanned lot \(scanned)") }
            // A typed value may repeat the barcode, never contradict it: the label is what was received.
            if let expiry, let scanned = s.expiry?.description, expiry != scanned {
                throw LedgerError(.invalidArgument, "--expiry \(expiry.prefix(20)) differs from the scanned expiry \(scanned); check the label")
            }
            if let serial, let scanned = s.serial, serial != scanned {
                throw LedgerError(.invalidArgument, "--serial \(serial.prefix(40)) differs from the scanned serial \(scanned); check the label")
            }
            if ndcText == nil {
                throw LedgerError(.invalidArgument, "the scan gives the NDC digits \(s.gtin.ndc10Digits ?? "?") but not their layout; add --ndc with hyphens (e.g. 12345-678-90)")
            }
        }
        guard let ndcText else { throw LedgerError(.invalidArgument, "give the product's --ndc (or --scan its barcode)") }
        guard let lotNumber else { throw LedgerError(.invalidArgument, "give the --lot number (or --scan the barcode)") }
        guard let expiryDate else { throw LedgerError(.invalidArgument, "give the --expiry date YYYY-MM-DD (or --scan the barcode)") }
        guard containers > 0 else { throw LedgerError(.invalidArgument, "--containers must be 1 or more") }
        let perContainer = try parseQuantity(unitsPerContainer, "--units-per-container")
        let total = try perContainer * containers
        let body = LotReceived(
            supplier: Party(name: supplierName, address: supplierAddress, deaNumber: supplierDea), invoice: invoice,
            drug: DrugDescription(name: drug, strength: strength, form: form), ndc: ndcText, gtin: gtin, lot: lotNumber,
            expiry: expiryDate, serial: serialNumber, containers: containers, unitsPerContainer: perContainer, unit: unit, quantity: total,
            invoiceQuantity: try invoiceQuantity.map { try parseQuantity($0, "--invoice-quantity", allowZero: true) },
            inClinicOnly: inClinicOnly ? true : nil, transferIn: transferIn ? true : nil)
        try record.record(body, ledger: ledger) { "received lot \(lotNumber): \(total) \(unit) at seq \($0)" }
    }
}
