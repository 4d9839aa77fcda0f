import Dispensing
import Foundation
import LedgerAccess
import LedgerCore

extension Ledger {
    /// Largest signature image kept: a carrier's capture is a few kilobytes; this leaves room for a photo
    /// of a paper slip (csledgerd takes it in base64 within its 1.5 MB limit for this request).
    package static let maxSignatureImageBytes = 1024 * 1024

    /// Keeps the signature image beside the ledger (`<ledger>.files/proof-of-delivery/<sha256>.<type>`) and
    /// the signer's personal data off the chain (`data` from `PersonalData.deliverySignerData`).
    ///
    /// - Parameter imageType: the image file's extension (`png`, `jpg`, ...), letters and digits only.
    package func addDeliverySigner(_ data: [String: JSONValue], signatureImage: [UInt8], imageType: String) throws -> DeliverySigner {
        guard !signatureImage.isEmpty else { throw LedgerError(.invalidArgument, "the signature image is empty") }
        guard signatureImage.count <= Self.maxSignatureImageBytes else {
            throw LedgerError(.invalidArgument, "the signature image is larger than \(Self.maxSignatureImageBytes / 1024 / 1024) MB")
        }
        let digest = Hash.sha256(signatureImage).hex
        try keepFile(Data(signatureImage), sha256: digest, folder: "proof-of-delivery", extension: imageType)
        let reference = try personalData.add(kind: .deliverySigner, data: data)
        return DeliverySigner(reference: reference, signatureImageSHA256: digest)
    }
}

extension Ledger {
    /// Undoes `addDeliverySigner` for a delivery the ledger refused: removes the signer's personal data and,
    /// given its hash, the signature image, unless an entry refers to them. Returns false, and removes
    /// nothing, when an entry names the signer.
    ///
    /// The image goes only if no recorded delivery names its hash (the same image may have been sent
    /// again for a delivery recorded earlier): every `shipment.delivered` entry is read, by the type index.
    @discardableResult
    package func discardDeliverySigner(_ ref: String, signatureImageSHA256: String?) throws -> Bool {
        if let digest = signatureImageSHA256, digest.count != 64 || !digest.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) {
            throw LedgerError(.invalidArgument, "the signature image hash must be 64 lowercase hex digits")
        }
        guard try personalData.discard(ref, kind: .deliverySigner) else { return false }
        guard let digest = signatureImageSHA256 else { return true }
        let named = try database.entryCount(type: DispensingType.shipmentDelivered, containing: "\"" + digest + "\"")
        guard named == 0 else { return true }
        let folder = filesDirectory.appendingPathComponent("proof-of-delivery")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        for name in names where name == digest || name.hasPrefix(digest + ".") {
            try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
        }
        return true
    }
}
