/// `rx.added`: a prescription (21 CFR 1306.05, 1306.22). Actor: pharmacist. CLI: `csledger rx add`.
/// Checked against the ledger: the number is new, the patient is on file, the date is not in the future
/// nor more than 6 months before the statement's time.
public struct PrescriptionAdded: StatementBody {
    public static let type = DispensingType.prescriptionAdded

    public enum Member {
        public static let rxNumber = "rx_number"
        public static let issued = "issued"
        public static let patient = "patient"
        public static let prescriber = "prescriber"
        public static let drug = "drug"
        public static let ndc = "ndc"
        public static let quantity = "quantity"
        public static let unit = "unit"
        public static let directions = "directions"
        public static let refillsAuthorized = "refills_authorized"
        public static let daysSupply = "days_supply"
    }

    /// Schedule III: at most 5 refills.
    public static let maxRefills = 5

    /// The prescription's number, unique in the ledger; at most 40 characters.
    public var rxNumber: String
    /// The date issued, `YYYY-MM-DD`.
    public var issued: String
    /// The patient, `{ref, commitment}`, added with `csledger patient add`.
    public var patient: PersonalDataReference
    /// The prescriber, `{name, address, dea_number}`.
    public var prescriber: Party
    /// The drug prescribed.
    public var drug: DrugDescription
    /// The product's NDC, hyphenated, when the prescription names one; checked when read.
    public var ndc: String?
    /// The quantity per fill, in `unit`.
    public var quantity: Quantity
    /// The unit of `quantity`: `mL`, `tablet`, `troche` ...; at most 20 characters.
    public var unit: String
    /// The directions for use; at most 500 characters.
    public var directions: String
    /// Refills authorized, 0 to 5.
    public var refillsAuthorized: Int
    /// Days of supply per fill, 1 to 365, when the prescription gives it (a fill may not exceed it).
    public var daysSupply: Int?
    public var asWritten: [String: JSONValue] = [:]

    public init(rxNumber: String, issued: String, patient: PersonalDataReference, prescriber: Party, drug: DrugDescription,
                ndc: String? = nil, quantity: Quantity, unit: String, directions: String, refillsAuthorized: Int, daysSupply: Int? = nil) {
        self.rxNumber = rxNumber
        self.issued = issued
        self.patient = patient
        self.prescriber = prescriber
        self.drug = drug
        self.ndc = ndc
        self.quantity = quantity
        self.unit = unit
        self.directions = directions
        self.refillsAuthorized = refillsAuthorized
        self.daysSupply = daysSupply
    }

    public init(reading r: BodyReader) throws {
        rxNumber = try r.string(Member.rxNumber, max: 40)
        issued = try r.date(Member.issued)
        patient = try r.read(Member.patient)
        prescriber = try r.read(Member.prescriber)
        drug = try r.read(Member.drug)
        ndc = r.has(Member.ndc) ? try r.ndc(Member.ndc).description : nil
        quantity = try r.quantity(Member.quantity)
        unit = try r.string(Member.unit, max: 20)
        directions = try r.string(Member.directions, max: 500)
        guard let refills = r.body[Member.refillsAuthorized]?.integerValue else {
            throw r.error(Member.refillsAuthorized, "must be a whole number")
        }
        guard refills >= 0 else { throw r.error(Member.refillsAuthorized, "must not be negative") }
        guard refills <= Self.maxRefills else {
            throw LedgerError(.invalidBody, "\(Self.type): \(refills) refills authorized; a Schedule III prescription allows at most 5")
        }
        refillsAuthorized = refills
        daysSupply = try r.optionalInteger(Member.daysSupply, 1...365)
    }

    public var members: [String: JSONValue] {
        var m: [String: JSONValue] = [:]
        m.put(Member.rxNumber, rxNumber)
        m.put(Member.issued, issued)
        m.put(Member.patient, patient)
        m.put(Member.prescriber, prescriber)
        m.put(Member.drug, drug)
        m.put(Member.ndc, ndc)
        m.put(Member.quantity, quantity)
        m.put(Member.unit, unit)
        m.put(Member.directions, directions)
        m.put(Member.refillsAuthorized, refillsAuthorized)
        m.put(Member.daysSupply, daysSupply)
        return m
    }
}
