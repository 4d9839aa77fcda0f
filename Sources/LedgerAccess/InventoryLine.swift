import LedgerCore

/// One lot's line of the perpetual inventory, as `csledger inventory` prints it and `GET /v1/inventory`
/// sends it (one definition for both): the lot's identity and its figures, by name, in report order.
package struct InventoryLine: Sendable, Equatable {
    package let lotID: String
    package let drug: String
    package let ndc: String
    package let lot: String
    package let expiry: String
    package let unit: String
    package let status: String
    /// `received`, `dispensed`, ... `on_hand`, in the order reports print them.
    package let figures: [Figure]

    /// One named figure of a line.
    package struct Figure: Sendable, Equatable {
        package let name: String
        package let quantity: Quantity
        package init(_ name: String, _ quantity: Quantity) {
            self.name = name
            self.quantity = quantity
        }
    }

    package init(lotID: String, drug: String, ndc: String, lot: String, expiry: String, unit: String, status: String, figures: [Figure]) {
        self.lotID = lotID
        self.drug = drug
        self.ndc = ndc
        self.lot = lot
        self.expiry = expiry
        self.unit = unit
        self.status = status
        self.figures = figures
    }

    /// The figures every line has, in report order (`InventoryReport.Line.figures` gives them so).
    package static let figureNames = ["received", "dispensed", "administered", "shipped", "wasted", "destroyed", "lost", "returned", "adjusted", "transferred", "on_hand"]

    static let identity = ["lot_id", "drug", "ndc", "lot", "expiry", "unit", "status"]

    /// `{"lot_id","drug","ndc","lot","expiry","unit","status", figure: "decimal", ...}`.
    package var json: JSONValue {
        var o: [String: JSONValue] = ["lot_id": .string(lotID), "drug": .string(drug), "ndc": .string(ndc), "lot": .string(lot),
                                      "expiry": .string(expiry), "unit": .string(unit), "status": .string(status)]
        for f in figures { o[f.name] = .string(f.quantity.description) }
        return .object(o)
    }

    /// Reads the JSON form, taking the figures in the order `names` gives (the server's report order);
    /// nil when it is not one.
    package init?(json: JSONValue, figureNames names: [String]) {
        guard let o = json.objectValue else { return nil }
        var strings: [String: String] = [:]
        for k in Self.identity {
            guard let s = o[k]?.stringValue else { return nil }
            strings[k] = s
        }
        var figures: [Figure] = []
        for name in names {
            guard let s = o[name]?.stringValue, let q = try? Quantity(parsing: s, allowNegative: true) else { return nil }
            figures.append(Figure(name, q))
        }
        self.init(lotID: strings["lot_id"]!, drug: strings["drug"]!, ndc: strings["ndc"]!, lot: strings["lot"]!, expiry: strings["expiry"]!,
                  unit: strings["unit"]!, status: strings["status"]!, figures: figures)
    }

    /// The figure named `name` (zero when the line has none).
    package subscript(_ name: String) -> Quantity { figures.first { $0.name == name }?.quantity ?? .zero }
}
