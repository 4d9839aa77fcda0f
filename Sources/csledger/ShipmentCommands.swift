import ArgumentParser
import CSLedgerKit
import Dispensing
import Foundation
import LedgerAccess
import LedgerCore

struct Ship: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Record fills handed to a carrier, Adult Signature Required.")
    @OptionGroup var record: RecordOptions
    @Option(help: "A fill in the parcel, as RX/FILL (repeatable), e.g. RX1001/1.") var fill: [String] = []
    @Option(help: "Carrier, e.g. UPS.") var carrier: String
    @Option(help: "Service, e.g. \"Next Day Air\".") var service: String
    @Option(help: "Tracking number.") var tracking: String
    @Flag(help: "Ship WITHOUT adult signature (needs --override-reason; the reconciliation flags it).") var noAdultSignature = false
    @Option(help: "Why.") var overrideReason: String?

    func run() throws {
        let ledger = try record.target()
        guard !fill.isEmpty else { throw LedgerError(.invalidArgument, "name each fill in the parcel with --fill RX/FILL") }
        let fills = try fill.map { f -> JSONValue in
            let parts = f.split(separator: "/")
            guard parts.count == 2, let n = Int(parts[1]) else { throw LedgerError(.invalidArgument, "--fill \(f.prefix(40)) must be RX/FILL, e.g. RX1001/1") }
            return .object(["rx_number": .string(String(parts[0])), "fill_number": .number(Double(n))])
        }
        var body: [String: JSONValue] = ["fills": .array(fills), "carrier": .string(carrier), "service": .string(service),
                                         "tracking": .string(tracking), "adult_signature_required": .bool(!noAdultSignature)]
        if let overrideReason { body["override_reason"] = .string(overrideReason) }
        try record.record(DispensingType.shipmentSent, body, ledger: ledger) { "shipment \(tracking) recorded at seq \($0)" }
    }
}

struct Deliver: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Record the carrier's proof of delivery: who signed, age and ID checked, the signature image.")
    @OptionGroup var record: RecordOptions
    @Option(help: "Tracking number.") var tracking: String
    @Option(help: "When it was delivered, UTC like 2026-11-23T15:30:00Z.") var delivered: String
    @Option(help: "The name of the adult who signed.") var signerName: String
    @Flag(help: "The carrier verified the signer is 21 or older.") var ageVerified = false
    @Option(help: "ID shown: drivers_license, state_id, passport, military_id, other, none.") var idType: String
    @Option(help: "The last digits of the ID number (kept off the chain).") var idLast: String?
    @Option(help: "The two-letter code of the state that issued the ID, e.g. TX (kept off the chain; ASAP AIR03).") var idJurisdiction: String?
    @Option(help: "The signature image file from the carrier (kept beside the ledger; its SHA-256 is recorded).") var signatureImage: String

    func run() throws {
        let target = try record.target()
        guard let image = try? InputFile.read(signatureImage, what: "signature image"), !image.isEmpty else {
            throw LedgerError(.invalidArgument, "cannot read the signature image \(signatureImage)")
        }
        guard Timestamp(delivered) != nil else { throw LedgerError(.invalidArgument, "--delivered must be a UTC time like 2026-11-23T15:30:00Z") }
        let person = try PersonalData.deliverySignerData(name: signerName, idLastDigits: idLast, labels: ("--signer-name", "--id-last"),
                                                         idJurisdiction: idJurisdiction, jurisdictionLabel: "--id-jurisdiction")
        // The signer's name and ID digits, and the image, stay beside the ledger file (here, or the daemon's).
        let signer = try target.addDeliverySigner(person, signatureImage: Array(image),
                                                  imageType: URL(fileURLWithPath: signatureImage).pathExtension)
        let body: [String: JSONValue] = ["tracking": .string(tracking), "delivered": .string(delivered), "signer": signer.reference.json,
                                         "age_verified": .bool(ageVerified), "id_type": .string(idType),
                                         "signature_image_sha256": .string(signer.signatureImageSHA256)]
        do {
            try record.record(DispensingType.shipmentDelivered, body, ledger: target) { "delivery of \(tracking) recorded at seq \($0)" }
        } catch {
            // Nothing was recorded: keep no personal data of the signer, nor their signature.
            if record.draft == nil { _ = try? target.discardDeliverySigner(signer) }
            throw error
        }
    }
}

struct Return: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "return", abstract: "Record a parcel that came back; its contents return to their lots.")
    @OptionGroup var record: RecordOptions
    @Option(help: "Tracking number.") var tracking: String
    @Option(help: "restock or quarantine.") var disposition: String
    @Option(help: "Why it came back.") var reason: String

    func run() throws {
        let ledger = try record.target()
        let body: [String: JSONValue] = ["tracking": .string(tracking), "disposition": .string(disposition), "reason": .string(reason)]
        try record.record(DispensingType.shipmentReturned, body, ledger: ledger) { "return of \(tracking) recorded at seq \($0)" }
    }
}

struct LostInTransit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lost-in-transit", abstract: "Record that the carrier lost a parcel (then file the loss with `csledger loss --kind in_transit`).")
    @OptionGroup var record: RecordOptions
    @Option(help: "Tracking number.") var tracking: String
    @Option(help: "What the carrier said.") var reason: String

    func run() throws {
        let ledger = try record.target()
        try record.record(DispensingType.shipmentLost, ["tracking": .string(tracking), "reason": .string(reason)], ledger: ledger) {
            "shipment \(tracking) recorded as lost at seq \($0); report it to DEA (Form 106) within 1 business day: csledger loss --kind in_transit --tracking \(tracking)"
        }
    }
}
