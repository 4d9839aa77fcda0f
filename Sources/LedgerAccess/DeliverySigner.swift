import LedgerCore

/// The adult who signed for a parcel, as a delivery statement names them: a reference and commitment
/// (the name and ID stay off the chain) and the SHA-256 of the signature image kept beside the ledger.
package struct DeliverySigner: Sendable, Equatable {
    /// The signer's reference and commitment, as the statement carries them.
    package let reference: PersonalDataReference
    /// SHA-256 of the signature image, hex, as the statement carries it.
    package let signatureImageSHA256: String

    package init(reference: PersonalDataReference, signatureImageSHA256: String) {
        self.reference = reference
        self.signatureImageSHA256 = signatureImageSHA256
    }
}
