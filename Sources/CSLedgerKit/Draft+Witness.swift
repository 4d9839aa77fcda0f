import LedgerCore

/// What a witness checks before adding their signature to a draft (`csledger cosign`): that every signature
/// already on it is by a signer of the statement and verifies against the statement as it now stands (a
/// draft edited after the actor signed is refused), and a plain summary of what they are attesting.
extension Draft {
    /// Throws `signatureInvalid` unless every signature on the draft is by one of the statement's signers,
    /// with the key `publicKey` gives, over the statement's canonical bytes.
    package func checkSignaturesSoFar(publicKey: (KeyID) -> SignerPublicKey?) throws {
        let statement = signed.statement
        let signers = statement.signers
        guard signed.signatures.first?.key == statement.actor else {
            throw LedgerError(.signatureInvalid, "the draft does not carry the signature of the statement's actor (\(statement.actor.short)); nothing was signed")
        }
        let input = statement.signingInput
        var seen: Set<KeyID> = []
        for s in signed.signatures {
            guard signers.contains(s.key), seen.insert(s.key).inserted else {
                throw LedgerError(.signatureInvalid, "the draft carries a signature by key \(s.key.short), which is not one of the statement's signers; nothing was signed")
            }
            guard let pk = publicKey(s.key), pk.keyID == s.key else {
                throw LedgerError(.signatureInvalid, "key \(s.key.short), which signed the draft, is not enrolled in this ledger; nothing was signed")
            }
            guard s.signature.count == 64, pk.isValidSignature(s.signature, for: input) else {
                throw LedgerError(.signatureInvalid, "the signature by key \(s.key.short) does not verify: the draft was changed after it was signed; nothing was signed")
            }
        }
    }

    /// The lines a witness reads before signing: the type, the time, who records it (name and role when the
    /// ledger knows the key), and the lots, quantities and reason in the body. Text is shown escaped.
    package func witnessSummary(signer: (KeyID) -> Signer?) -> [String] {
        let statement = signed.statement
        func who(_ key: KeyID) -> String {
            guard let s = signer(key) else { return "key \(key.short) (not enrolled in this ledger)" }
            return "\(TerminalText.escaped(s.name)) (\(s.role.rawValue)), key \(key.short)"
        }
        var lines = ["  type      \(statement.type)", "  time      \(statement.time)", "  actor     \(who(statement.actor))"]
        for w in statement.witnesses { lines.append("  witness   \(who(w))") }
        for (label, value) in Self.attestedFields(.object(statement.body), path: "") {
            lines.append("  \(label.padding(toLength: max(9, label.count), withPad: " ", startingAt: 0)) \(TerminalText.escaped(value.prefix(120)))")
        }
        return lines
    }

    /// The body's lots, quantities and reasons, with their paths (`lots[0].quantity`), in a stable order.
    /// The members a witness is shown, wherever they are in the body (names from the statement body types).
    static let attested: Set<String> = [
        LotReceived.Member.lot, LotQuantity.Member.lotID, LotQuantity.Member.quantity, CountRecorded.Member.counted, LotQuantity.Member.unit,
        LotReceived.Member.containers, LotReceived.Member.unitsPerContainer, WasteRecorded.Member.reason, WasteRecorded.Member.method,
        LotStatusChanged.Member.status, FillReference.Member.rxNumber, FillReference.Member.fillNumber, ShipmentSent.Member.tracking,
    ]

    static func attestedFields(_ value: JSONValue, path: String) -> [(String, String)] {
        let wanted = attested
        switch value {
        case .object(let members):
            return members.keys.sorted().flatMap { k -> [(String, String)] in
                let p = path.isEmpty ? k : "\(path).\(k)"
                switch members[k]! {
                case .string(let s) where wanted.contains(k): return [(p, s)]
                case .number(let n) where wanted.contains(k): return [(p, n.rounded() == n && abs(n) < 1e15 ? String(Int64(n)) : String(n))]
                case .object, .array: return attestedFields(members[k]!, path: p)
                default: return []
                }
            }
        case .array(let items):
            return items.enumerated().flatMap { attestedFields($0.element, path: "\(path)[\($0.offset)]") }
        default:
            return []
        }
    }
}
