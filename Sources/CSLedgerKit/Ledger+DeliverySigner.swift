import Dispensing
import Foundation
import LedgerCore

/// The adult who signed for a parcel, kept off the chain, and the carrier's signature image kept beside
/// the ledger file: what a `shipment.delivered` statement refers to.
public struct DeliverySigner: Sendable, Equatable {
    /// The signer's reference and commitment, as the statement carries them.
    public let reference: PersonalData.Reference
    /// SHA-256 of the signature image, hex, as the statement carries it.
    public let signatureImageSHA256: String

    public init(reference: PersonalData.Reference, signatureImageSHA256: String) {
        self.reference = reference
        self.signatureImageSHA256 = signatureImageSHA256
    }
}

extension Ledger {
    /// Largest signature image kept: a carrier's capture is a few kilobytes; this leaves room for a photo
    /// of a paper slip (csledgerd takes it in base64 within its 1.5 MB limit for this request).
    public static let maxSignatureImageBytes = 1024 * 1024

    /// Keeps the signature image beside the ledger (`<ledger>.files/proof-of-delivery/<sha256>.<type>`) and
    /// the signer's personal data off the chain (`data` from `PersonalData.deliverySignerData`).
    ///
    /// - Parameter imageType: the image file's extension (`png`, `jpg`, ...), letters and digits only.
    public func addDeliverySigner(_ data: [String: JSONValue], signatureImage: [UInt8], imageType: String) throws -> DeliverySigner {
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
