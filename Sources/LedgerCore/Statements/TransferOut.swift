/// `transfer.out`: stock handed to another registrant (a sister location, a reverse distributor). Actor:
/// pharmacist or compliance. CLI: `csledger transfer-out`. Each lot's balance goes down by its quantity (a
/// `transferred` movement); expired, quarantined and recalled lots may leave. The receiver records a
/// `lot.received` with `transfer_in: true`.
public struct TransferOut: StatementBody {
    public static let type = DispensingType.transferOut

    public enum Member {
        public static let to = "to"
        public static let invoice = "invoice"
        public static let reason = "reason"
        public static let items = "items"
        public static let overrideReason = StatementMember.overrideReason
    }

    /// The receiving registrant, `{name, address, dea_number}`; not this registrant.
    public var to: Party
    /// The transfer invoice naming both DEA numbers; at most 60 characters.
    public var invoice: String
    /// Why, when given; at most 300 characters.
    public var reason: String?
    /// The lots and quantities, `[{lot_id, quantity}]`, each lot once (at most 20), received before.
    public var items: [LotQuantity]
    /// Why a lot may go below zero. Not checked.
    public var overrideReason: String?
    public var asWritten: [String: JSONValue] = [:]

    public init(to: Party, invoice: String, reason: String? = nil, items: [LotQuantity], overrideReason: String? = nil) {
        self.to = to
        self.invoice = invoice
        self.reason = reason
        self.items = items
        self.overrideReason = overrideReason
    }

    public init(reading r: BodyReader) throws {
        to = try r.read(Member.to)
        invoice = try r.string(Member.invoice, max: 60)
        reason = try r.optionalString(Member.reason, max: 300)
        items = try r.read(Member.items, max: 20)
        overrideReason = r.uncheckedString(Member.overrideReason)
    }

    public var members: [String: JSONValue] {
        var m: [String: JSONValue] = [:]
        m.put(Member.to, to)
        m.put(Member.invoice, invoice)
        m.put(Member.reason, reason)
        m.put(Member.items, items)
        m.put(Member.overrideReason, overrideReason)
        return m
    }
}
