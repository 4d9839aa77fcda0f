/// `dose.administered`: a dose given in the clinic. Actor: clinician; one witness when anything is wasted.
/// CLI: `csledger administer`. The lot's balance goes down by `given` (administered) and `wasted` (wasted).
public struct DoseAdministered: StatementBody {
    public static let type = DispensingType.doseAdministered

    public enum Member {
        public static let lotID = "lot_id"
        public static let unit = "unit"
        public static let patient = "patient"
        public static let order = "order"
        public static let drawn = "drawn"
        public static let given = "given"
        public static let wasted = "wasted"
        public static let wasteMethod = "waste_method"
        public static let monitoredUntil = "monitored_until"
        public static let overrideReason = StatementMember.overrideReason
    }

    /// The vial's lot id (`70000012310:KV2611A`), usable at the statement's time; at most 60 characters.
    public var lotID: String
    /// The unit, when given; it must be the lot's.
    public var unit: String?
    /// The patient, `{ref, commitment}`.
    public var patient: PersonalDataReference
    /// The order the dose follows; at most 60 characters.
    public var order: String
    /// The amount drawn up, in the lot's unit: exactly `given + wasted`.
    public var drawn: Quantity
    /// The amount given to the patient (may be zero).
    public var given: Quantity
    /// The rest, wasted (absent means none).
    public var wasted: Quantity?
    /// How the rest was wasted, at most 120 characters; required when `wasted` is more than zero.
    public var wasteMethod: String?
    /// When the clinician who gave the dose discharged the patient after monitoring (RFC 3339 UTC); counts as
    /// the dose's discharge (`dose.discharged`). Not before the dose, not in the future.
    public var monitoredUntil: Timestamp?
    /// Why the lot may go below zero (`--override-reason`). Not checked.
    public var overrideReason: String?
    public var asWritten: [String: JSONValue] = [:]

    public init(lotID: String, unit: String? = nil, patient: PersonalDataReference, order: String, drawn: Quantity,
                given: Quantity, wasted: Quantity? = nil, wasteMethod: String? = nil, monitoredUntil: Timestamp? = nil,
                overrideReason: String? = nil) {
        self.lotID = lotID
        self.unit = unit
        self.patient = patient
        self.order = order
        self.drawn = drawn
        self.given = given
        self.wasted = wasted
        self.wasteMethod = wasteMethod
        self.monitoredUntil = monitoredUntil
        self.overrideReason = overrideReason
    }

    public init(reading r: BodyReader) throws {
        lotID = try r.string(Member.lotID, max: 60)
        unit = try r.optionalString(Member.unit, max: 20)
        patient = try r.read(Member.patient)
        order = try r.string(Member.order, max: 60)
        drawn = try r.quantity(Member.drawn)
        given = try r.quantity(Member.given, allowZero: true)
        wasted = try r.optionalQuantity(Member.wasted, allowZero: true)
        let w = wasted ?? .zero
        guard given.micros + w.micros == drawn.micros else {
            throw LedgerError(.invalidBody, "\(Self.type): amount drawn (\(drawn)) must equal amount given (\(given)) plus amount wasted (\(w))")
        }
        // The method is read only when something was wasted, as it always was.
        wasteMethod = w.isPositive ? try r.string(Member.wasteMethod, max: 120) : r.uncheckedString(Member.wasteMethod)
        monitoredUntil = try r.optionalTime(Member.monitoredUntil)
        overrideReason = r.uncheckedString(Member.overrideReason)
    }

    public var members: [String: JSONValue] {
        var m: [String: JSONValue] = [:]
        m.put(Member.lotID, lotID)
        m.put(Member.unit, unit)
        m.put(Member.patient, patient)
        m.put(Member.order, order)
        m.put(Member.drawn, drawn)
        m.put(Member.given, given)
        m.put(Member.wasted, wasted)
        m.put(Member.wasteMethod, wasteMethod)
        m.put(Member.monitoredUntil, monitoredUntil)
        m.put(Member.overrideReason, overrideReason)
        return m
    }

    /// The amount wasted, zero when none.
    public var wastedAmount: Quantity { wasted ?? .zero }
}
