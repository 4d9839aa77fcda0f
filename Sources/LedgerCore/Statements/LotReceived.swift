/// `lot.received`: a lot comes in from a supplier, or from another registrant (a transfer in)
/// (21 CFR 1304.22(a)(2)). Actor: pharmacist or clinician; one witness, the person who verified the delivery.
/// CLI: `csledger receive`. The lot's balance goes up by `quantity`.
public struct LotReceived: StatementBody {
    public static let type = DispensingType.lotReceived

    public enum Member {
        public static let supplier = "supplier"
        public static let invoice = "invoice"
        public static let drug = "drug"
        public static let ndc = "ndc"
        public static let gtin = "gtin"
        public static let lot = "lot"
        public static let expiry = "expiry"
        public static let serial = "serial"
        public static let containers = "containers"
        public static let unitsPerContainer = "units_per_container"
        public static let unit = "unit"
        public static let quantity = "quantity"
        public static let invoiceQuantity = "invoice_quantity"
        public static let inClinicOnly = "in_clinic_only"
        public static let transferIn = "transfer_in"
    }

    /// Who sent it: `{name, address, dea_number}`; for a transfer in, the sending registrant.
    public var supplier: Party
    /// The invoice or order number (for a transfer in, the sender's transfer invoice); at most 60 characters.
    public var invoice: String
    /// The drug as the label names it.
    public var drug: DrugDescription
    /// The NDC as on the label, hyphenated (4-4-2, 5-3-2, 5-4-1, 5-4-2); checked when read (`parsedNDC`),
    /// normalised to 11 digits in the lot id.
    public var ndc: String
    /// The GTIN-14 from a GS1 DataMatrix scan, digits; its check digit is verified and it contains the NDC.
    public var gtin: String?
    /// The lot number (GS1 character set), at most 20 characters.
    public var lot: String
    /// The expiry date, `YYYY-MM-DD` (the end of that day; `expiryDate`); a lot already expired at the statement's
    /// time is refused.
    public var expiry: String
    /// The package's serial number, when it has one; at most 20 characters.
    public var serial: String?
    /// The number of containers received, a whole number from 1 to 100000.
    public var containers: Int
    /// The quantity in each container, in `unit` (`10` for a 10 mL vial).
    public var unitsPerContainer: Quantity
    /// The unit the lot is counted in from now on: `mL`, `tablet`, `troche` ...; at most 20 characters.
    public var unit: String
    /// What was received, in `unit`: exactly `containers × unitsPerContainer`.
    public var quantity: Quantity
    /// What the invoice states, when it differs from what arrived (the reconciliation reports it); may be zero.
    public var invoiceQuantity: Quantity?
    /// `true`: the product (the NDC) is only ever administered in the clinic, from this entry on. Required for
    /// esketamine (Spravato nasal spray) under its REMS.
    public var inClinicOnly: Bool?
    /// `true`: the lot comes from another registrant; `supplier` is that registrant.
    public var transferIn: Bool?
    public var asWritten: [String: JSONValue] = [:]

    /// A receipt; `quantity` must be `containers × unitsPerContainer` (reading checks it).
    public init(supplier: Party, invoice: String, drug: DrugDescription, ndc: String, gtin: String? = nil, lot: String,
                expiry: String, serial: String? = nil, containers: Int, unitsPerContainer: Quantity, unit: String, quantity: Quantity,
                invoiceQuantity: Quantity? = nil, inClinicOnly: Bool? = nil, transferIn: Bool? = nil) {
        self.supplier = supplier
        self.invoice = invoice
        self.drug = drug
        self.ndc = ndc
        self.gtin = gtin
        self.lot = lot
        self.expiry = expiry
        self.serial = serial
        self.containers = containers
        self.unitsPerContainer = unitsPerContainer
        self.unit = unit
        self.quantity = quantity
        self.invoiceQuantity = invoiceQuantity
        self.inClinicOnly = inClinicOnly
        self.transferIn = transferIn
    }

    public init(reading r: BodyReader) throws {
        supplier = try r.read(Member.supplier)
        invoice = try r.string(Member.invoice, max: 60)
        drug = try r.read(Member.drug)
        let ndc = try r.ndc(Member.ndc)
        self.ndc = ndc.description
        if r.has(Member.gtin) {
            let text = try r.string(Member.gtin, max: 14)
            let g: GTIN
            do { g = try GTIN(text) } catch { throw r.error(Member.gtin, "is not valid: \(error.message)") }
            guard ndc.matchesGTIN(g) else { throw r.error(Member.gtin, "does not contain the NDC \(ndc.hyphenated)") }
            gtin = text
        }
        lot = try r.string(Member.lot, max: 20)
        expiry = try r.date(Member.expiry)
        guard (try? ExpiryDate(iso: expiry)) != nil else { throw r.error(Member.expiry, "is not a valid date") }
        serial = try r.optionalString(Member.serial, max: 20)
        containers = try r.integer(Member.containers, 1...100_000)
        unitsPerContainer = try r.quantity(Member.unitsPerContainer)
        unit = try r.string(Member.unit, max: 20)
        quantity = try r.quantity(Member.quantity)
        guard let expected = unitsPerContainer.multiplied(by: containers), expected == quantity else {
            throw r.error(Member.quantity, "must equal containers × units_per_container (\(containers) × \(unitsPerContainer))")
        }
        invoiceQuantity = try r.optionalQuantity(Member.invoiceQuantity, allowZero: true)
        inClinicOnly = try r.optionalBool(Member.inClinicOnly)
        if inClinicOnly != true, Self.isREMSInClinicProduct(drugName: drug.name) {
            throw r.error(Member.inClinicOnly, "must be true: esketamine nasal spray is never dispensed for home use under its REMS (receive it with --in-clinic-only)")
        }
        transferIn = try r.optionalBool(Member.transferIn)
    }

    public var members: [String: JSONValue] {
        var m: [String: JSONValue] = [:]
        m.put(Member.supplier, supplier)
        m.put(Member.invoice, invoice)
        m.put(Member.drug, drug)
        m.put(Member.ndc, ndc)
        m.put(Member.gtin, gtin)
        m.put(Member.lot, lot)
        m.put(Member.expiry, expiry)
        m.put(Member.serial, serial)
        m.put(Member.containers, containers)
        m.put(Member.unitsPerContainer, unitsPerContainer)
        m.put(Member.unit, unit)
        m.put(Member.quantity, quantity)
        m.put(Member.invoiceQuantity, invoiceQuantity)
        m.put(Member.inClinicOnly, inClinicOnly)
        m.put(Member.transferIn, transferIn)
        return m
    }

    /// `ndc` parsed; nil only for a value built with an NDC that is not one.
    public var parsedNDC: NDC? { try? NDC(ndc) }

    /// `expiry` parsed; nil only for a value built with a date that is not one.
    public var expiryDate: ExpiryDate? { try? ExpiryDate(iso: expiry) }

    /// The lot id statements use: the normalised NDC and the lot number.
    public var lotID: String? { parsedNDC.map { "\($0.normalized):\(lot)" } }

    /// Esketamine (Spravato nasal spray, the only esketamine product) is never dispensed for home use under its
    /// REMS: a receipt of it must mark it in-clinic-only.
    public static func isREMSInClinicProduct(drugName: String) -> Bool {
        let name = drugName.lowercased()
        return name.contains("esketamine") || name.contains("spravato")
    }
}
