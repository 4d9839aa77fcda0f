import ArgumentParser
import CSLedgerKit
import Dispensing
import Foundation
import LedgerAccess
import LedgerCore

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
        let checkedIDType: ShipmentDelivered.IDType = try ShipmentDelivered.choice(idType, for: ShipmentDelivered.Member.idType)
        let person = try PersonalData.deliverySignerData(name: signerName, idLastDigits: idLast, labels: ("--signer-name", "--id-last"),
                                                         idJurisdiction: idJurisdiction, jurisdictionLabel: "--id-jurisdiction")
        // The signer's name and ID digits, and the image, stay beside the ledger file (here, or the daemon's).
        let signer = try target.addDeliverySigner(person, signatureImage: Array(image),
                                                  imageType: URL(fileURLWithPath: signatureImage).pathExtension)
        let body = ShipmentDelivered(tracking: tracking, delivered: delivered, signer: signer.reference, ageVerified: ageVerified,
                                     idType: checkedIDType, signatureImageSHA256: signer.signatureImageSHA256)
        do {
            try record.record(body, ledger: target) { "delivery of \(tracking) recorded at seq \($0)" }
        } catch {
            // Nothing was recorded: keep no personal data of the signer, nor their signature.
            if record.draft == nil { _ = try? target.discardDeliverySigner(signer) }
            throw error
        }
    }
}
