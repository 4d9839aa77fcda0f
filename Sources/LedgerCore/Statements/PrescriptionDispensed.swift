/// `rx.dispensed`: a fill of a prescription. Actor: pharmacist. CLI: `csledger dispense`.
/// Checked against the ledger: the prescription exists and is this patient's, refills are left, the fill
/// number is the next one (or a corrected one entered again), no more than prescribed, usable lots in the
/// prescription's unit adding up to `quantity`, no lot of an in-clinic-only product, the patient not in-clinic-only.
public struct PrescriptionDispensed: StatementBody {
    public static let type = DispensingType.prescriptionDispensed

    public enum Member {
        public static let rxNumber = "rx_number"
        public static let patient = "patient"
        public static let fillNumber = "fill_number"
        public static let quantity = "quantity"
        public static let daysSupply = "days_supply"
        public static let unit = "unit"
        public static let lots = "lots"
        public static let overrideReason = StatementMember.overrideReason
    }

    /// The prescription filled (`rx.added`); at most 40 characters.
    public var rxNumber: String
    /// The prescription's patient, `{ref, commitment}`.
    public var patient: PersonalDataReference
    /// 1 for the first fill, 2 for the first refill ... (1 to 99).
    public var fillNumber: Int
    /// The quantity dispensed, in the prescription's unit.
    public var quantity: Quantity
    /// Days of supply, 1 to 365.
    public var daysSupply: Int
    /// The unit, when given; it must be the prescription's.
    public var unit: String?
    /// The lots it came from, `[{lot_id, quantity}]`, each lot once (at most 20), adding up to `quantity`.
    public var lots: [LotQuantity]
    /// Why a lot may go below zero (`--override-reason`); reported by the reconciliation. Not checked.
    public var overrideReason: String?
    public var asWritten: [String: JSONValue] = [:]

    public init(rxNumber: String, patient: PersonalDataReference, fillNumber: Int, quantity: Quantity, daysSupply: Int,
                unit: String? = nil, lots: [LotQuantity], overrideReason: String? = nil) {
        self.rxNumber = rxNumber
        self.patient = patient
        self.fillNumber = fillNumber
        self.quantity = quantity
        self.daysSupply = daysSupply
        self.unit = unit
        self.lots = lots
        self.overrideReason = overrideReason
    }

    public init(reading r: BodyReader) throws {
        rxNumber = try r.string(Member.rxNumber, max: 40)
        patient = try r.read(Member.patient)
        fillNumber = try r.integer(Member.fillNumber, 1...99)
        quantity = try r.quantity(Member.quantity)
        daysSupply = try r.integer(Member.daysSupply, 1...365)
        unit = try r.optionalString(Member.unit, max: 20)
        lots = try r.read(Member.lots, max: 20)
        overrideReason = r.uncheckedString(Member.overrideReason)
    }

    public var members: [String: JSONValue] {
        var m: [String: JSONValue] = [:]
        m.put(Member.rxNumber, rxNumber)
        m.put(Member.patient, patient)
        m.put(Member.fillNumber, fillNumber)
        m.put(Member.quantity, quantity)
        m.put(Member.daysSupply, daysSupply)
        m.put(Member.unit, unit)
        m.put(Member.lots, lots)
        m.put(Member.overrideReason, overrideReason)
        return m
    }
}
