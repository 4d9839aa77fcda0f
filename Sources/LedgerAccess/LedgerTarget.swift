import LedgerCore

/// The one way a command reaches a ledger, whether it is a file on this machine (`LocalLedgerTarget` in
/// CSLedgerKit) or a csledgerd daemon (`RemoteLedger` in LedgerClient): every read and write a command
/// makes is a typed call here, so each command is "parse, open the target, one call, print".
///
/// Statements are always signed by the caller before `append`; a target never sees a private key (the
/// local one uses the facility key only to sign the new checkpoint, as every append does). This module
/// depends on LedgerCore alone, so the HTTP client needs no database code.
package protocol LedgerTarget: Sendable {
    // MARK: Writes

    /// The ledger's origin, which every statement for it names (`log`).
    func origin() throws -> String
    /// Appends one fully signed statement; returns once the entry is durable.
    func append(_ signed: SignedStatement) throws -> AppendReceipt
    /// Keeps a patient's personal data off the chain; returns the reference and commitment that statements carry.
    func addPatient(_ data: [String: JSONValue]) throws -> PersonalDataReference
    /// Keeps the adult who signed for a parcel off the chain and the signature image beside the ledger.
    func addDeliverySigner(_ data: [String: JSONValue], signatureImage: [UInt8], imageType: String) throws -> DeliverySigner
    /// Removes a delivery signer that no entry refers to (the delivery was refused), and the signature
    /// image when no recorded delivery names it; false if an entry names the signer.
    @discardableResult
    func discardDeliverySigner(_ signer: DeliverySigner) throws -> Bool

    // MARK: Lookups a recording command needs

    /// The lot id for a lot number printed on the label (and the NDC when the number is not unique).
    func lotID(lot: String, ndc: String?) throws -> String
    /// The patient reference a recorded prescription names.
    func prescriptionPatient(rx: String) throws -> String
    /// A patient's reference and commitment (never personal data).
    func patientReference(_ ref: String) throws -> PersonalDataReference
    /// The role of the enrolled signer with this key id (nil when it is not enrolled).
    func signerRole(_ key: KeyID) throws -> Role?

    // MARK: Reads

    /// The latest signed checkpoint note, verbatim (with any cosignature lines).
    func checkpoint() throws -> String
    /// A C2SP tlog-proof that entry `seq` is in the tree of the latest checkpoint.
    func inclusionProof(seq: Int) throws -> TlogProof
    /// An RFC 9162 consistency proof from `oldSize` to the latest checkpoint.
    func consistencyProof(oldSize: Int) throws -> ConsistencyProof
    /// Entries `from...` (at most `limit`), each exactly its canonical bytes.
    func entries(from: Int, limit: Int) throws -> [[UInt8]]
    /// Every signer ever enrolled, in enrolment order.
    func signers() throws -> [SignerSummary]
    /// What each lot received, used and must hold, now or at `asOf` (event time).
    func inventory(asOf: Timestamp?, lot: String?) throws -> [InventoryLine]
    /// Every reconciliation rule's findings, rendered as the request asks.
    func reconciliation(_ request: ReconciliationRequest) throws -> ReconciliationOutput
    /// What `resolve` needs to know of one finding as of `asOf`: nil when there is no such finding.
    func finding(_ id: String, asOf: Timestamp, configFile: String?) throws -> FindingState?
}

extension LedgerTarget {
    /// The statement type of entry `seq` (nil when there is none).
    package func entryType(seq: Int) throws -> String? {
        guard let bytes = try entries(from: seq, limit: 1).first, let json = try? JSONParser.parse(bytes),
              json["seq"]?.integerValue == seq else { return nil }
        return json["statement"]?["type"]?.stringValue
    }
}
