/// The objects several statement bodies share.

/// A DEA registrant named in a body: a supplier, a prescriber, the receiver of a transfer.
public struct Party: BodyObject {
    public enum Member {
        public static let name = "name"
        public static let address = "address"
        public static let deaNumber = "dea_number"
    }

    /// The registrant's or prescriber's name as registered, at most 200 characters.
    public var name: String
    /// One line, "street, city, ST ZIP", at most 300 characters.
    public var address: String
    /// The DEA registration number as written; its check digit is verified when read (`DEANumber`).
    public var deaNumber: String
    public var asWritten: [String: JSONValue] = [:]

    public init(name: String, address: String, deaNumber: String) {
        self.name = name
        self.address = address
        self.deaNumber = deaNumber
    }

    public init(reading r: BodyReader) throws {
        name = try r.string(Member.name)
        address = try r.string(Member.address, max: 300)
        deaNumber = try r.dea(Member.deaNumber).description
    }

    public var members: [String: JSONValue] {
        [Member.name: .string(name), Member.address: .string(address), Member.deaNumber: .string(deaNumber)]
    }
}

/// A drug as its label names it.
public struct DrugDescription: BodyObject {
    public enum Member {
        public static let name = "name"
        public static let strength = "strength"
        public static let form = "form"
    }

    /// The drug's name, e.g. `Ketamine HCl`; at most 200 characters.
    public var name: String
    /// The strength with its unit, e.g. `50 mg/mL`; at most 60 characters.
    public var strength: String
    /// The finished dosage form, e.g. `injection, solution`; at most 60 characters.
    public var form: String
    public var asWritten: [String: JSONValue] = [:]

    public init(name: String, strength: String, form: String) {
        self.name = name
        self.strength = strength
        self.form = form
    }

    public init(reading r: BodyReader) throws {
        name = try r.string(Member.name)
        strength = try r.string(Member.strength, max: 60)
        form = try r.string(Member.form, max: 60)
    }

    public var members: [String: JSONValue] {
        [Member.name: .string(name), Member.strength: .string(strength), Member.form: .string(form)]
    }
}

/// A quantity taken from (or counted on) one lot: an item of a destruction, a loss, a transfer, a fill.
public struct LotQuantity: BodyObject {
    public enum Member {
        public static let lotID = "lot_id"
        public static let quantity = "quantity"
        public static let unit = "unit"
    }

    /// The lot id: the 11-digit NDC, a colon and the lot number (`70000012310:KV2611A`); at most 60 characters.
    public var lotID: String
    /// The quantity, in the lot's unit; greater than zero.
    public var quantity: Quantity
    /// The unit, when the item names it; it must be the lot's.
    public var unit: String?
    public var asWritten: [String: JSONValue] = [:]

    public init(lotID: String, quantity: Quantity, unit: String? = nil) {
        self.lotID = lotID
        self.quantity = quantity
        self.unit = unit
    }

    public init(reading r: BodyReader) throws {
        lotID = try r.string(Member.lotID, max: 60)
        unit = try r.optionalString(Member.unit, max: 20)
        quantity = try r.quantity(Member.quantity)
    }

    public var members: [String: JSONValue] {
        var m: [String: JSONValue] = [Member.lotID: .string(lotID), Member.quantity: .string(quantity.description)]
        m.put(Member.unit, unit)
        return m
    }
}

/// One fill of a prescription, as a shipment names it.
public struct FillReference: BodyObject {
    public enum Member {
        public static let rxNumber = "rx_number"
        public static let fillNumber = "fill_number"
    }

    /// The prescription's number (`rx.added`), at most 40 characters.
    public var rxNumber: String
    /// The fill: 1 for the first, 2 for the first refill ... (1 to 6: Schedule III allows 5 refills).
    public var fillNumber: Int
    public var asWritten: [String: JSONValue] = [:]

    public init(rxNumber: String, fillNumber: Int) {
        self.rxNumber = rxNumber
        self.fillNumber = fillNumber
    }

    public init(reading r: BodyReader) throws {
        rxNumber = try r.string(Member.rxNumber, max: 40)
        fillNumber = try r.integer(Member.fillNumber, 1...6)
    }

    public var members: [String: JSONValue] {
        [Member.rxNumber: .string(rxNumber), Member.fillNumber: .number(Double(fillNumber))]
    }
}
