import Dispensing
import LedgerCore
import LedgerStore
import Synchronization

/// Where a command sends what it signed and looks up what it needs first: a ledger file on this
/// machine (`LocalLedgerTarget`) or a csledgerd daemon (`RemoteLedger` in LedgerClient).
///
/// Statements are always signed by the caller before `append`; a target never sees a private key
/// (the local one uses the facility key only to sign the new checkpoint, as every append does).
public protocol LedgerTarget: Sendable {
    /// The ledger's origin, which every statement for it names (`log`).
    func origin() throws -> String
    /// Appends one fully signed statement; returns once the entry is durable.
    func append(_ signed: SignedStatement) throws -> AppendReceipt
    /// The lot id for a lot number printed on the label (and the NDC when the number is not unique).
    func lotID(lot: String, ndc: String?) throws -> String
    /// The patient reference a recorded prescription names.
    func prescriptionPatient(rx: String) throws -> String
    /// A patient's reference and commitment (never personal data).
    func patientReference(_ ref: String) throws -> PersonalData.Reference
    /// The role of the enrolled signer with this key id (nil when it is not enrolled).
    func signerRole(_ key: KeyID) throws -> Role?
    /// Keeps a patient's personal data off the chain (`PersonalData.patientData`); returns the reference
    /// and commitment that statements carry.
    func addPatient(_ data: [String: JSONValue]) throws -> PersonalData.Reference
    /// Keeps the adult who signed for a parcel off the chain and the signature image beside the ledger
    /// (`Ledger.addDeliverySigner`).
    func addDeliverySigner(_ data: [String: JSONValue], signatureImage: [UInt8], imageType: String) throws -> DeliverySigner
    /// Removes a delivery signer that no entry refers to (the delivery was refused), and the signature
    /// image when no recorded delivery names it (`Ledger.discardDeliverySigner`); false if an entry names
    /// the signer.
    @discardableResult
    func discardDeliverySigner(_ signer: DeliverySigner) throws -> Bool
}

/// What an append returns: the entry's seq and leaf hash.
public struct AppendReceipt: Sendable, Equatable {
    public let seq: Int
    public let leafHash: Hash

    public init(seq: Int, leafHash: Hash) {
        self.seq = seq
        self.leafHash = leafHash
    }
}

/// A ledger file on this machine. The facility key that signs the new checkpoint is resolved
/// only when something is appended, so lookups and drafts never need it.
public final class LocalLedgerTarget: LedgerTarget {
    public let ledger: Ledger
    let loadFacilityKey: @Sendable () throws -> SignerKey
    let facilityKey = Mutex<SignerKey?>(nil)

    public init(ledger: Ledger, facilityKey: @escaping @Sendable () throws -> SignerKey) {
        self.ledger = ledger
        self.loadFacilityKey = facilityKey
    }

    public func append(_ signed: SignedStatement) throws -> AppendReceipt {
        let key = try facilityKey.withLock { cached in
            if let cached { return cached }
            let key = try loadFacilityKey()
            cached = key
            return key
        }
        let appended = try ledger.append([signed], facilityKey: key)[0]
        return AppendReceipt(seq: appended.entry.seq, leafHash: appended.leafHash)
    }

    public func origin() throws -> String { try ledger.origin() }
    public func lotID(lot: String, ndc: String?) throws -> String { try ledger.lotID(lot: lot, ndc: ndc) }
    public func prescriptionPatient(rx: String) throws -> String { try ledger.prescriptionPatient(rx: rx) }
    public func patientReference(_ ref: String) throws -> PersonalData.Reference { try ledger.personalData.reference(ref) }
    public func signerRole(_ key: KeyID) throws -> Role? { try ledger.database.signers().first { $0.keyID == key }?.role }
    public func addPatient(_ data: [String: JSONValue]) throws -> PersonalData.Reference {
        try ledger.personalData.add(kind: .patient, data: data)
    }
    public func addDeliverySigner(_ data: [String: JSONValue], signatureImage: [UInt8], imageType: String) throws -> DeliverySigner {
        try ledger.addDeliverySigner(data, signatureImage: signatureImage, imageType: imageType)
    }
    @discardableResult
    public func discardDeliverySigner(_ signer: DeliverySigner) throws -> Bool {
        try ledger.discardDeliverySigner(signer.reference.ref, signatureImageSHA256: signer.signatureImageSHA256)
    }
}
