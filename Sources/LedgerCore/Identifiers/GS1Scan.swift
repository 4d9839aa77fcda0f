/// What a GS1 DataMatrix (or GS1-128, GS1 QR) on a drug package says:
/// GTIN (AI 01), expiry (AI 17), lot (AI 10) and serial number (AI 21).
package struct GS1Scan: Sendable, Hashable {
    /// The package's GTIN, AI (01).
    package let gtin: GTIN
    /// The expiry date, AI (17), if present.
    package let expiry: ExpiryDate?
    /// The lot (batch) number, AI (10), if present.
    package let lot: String?
    /// The serial number, AI (21), if present.
    package let serial: String?

    /// Longest lot (batch) number GS1 allows.
    package static let maxLotLength = 20
    /// Longest serial number GS1 allows.
    package static let maxSerialLength = 20

    /// Makes a scan from its parts, checking the lot and serial number the
    /// same way `parse` does.
    package init(gtin: GTIN, expiry: ExpiryDate? = nil, lot: String? = nil, serial: String? = nil) throws(IdentifierError) {
        if let lot { try Self.checkText(Array(lot.utf8), ai: "10") }
        if let serial { try Self.checkText(Array(serial.utf8), ai: "21") }
        self.gtin = gtin
        self.expiry = expiry
        self.lot = lot
        self.serial = serial
    }

    /// Reads a scan as a scanner delivers it.
    ///
    /// Accepted:
    /// - element strings: AIs and values run together, each variable-length
    ///   value (lot, serial) ended by the GS character (0x1D) or the end of the
    ///   input, optionally after a symbology identifier `]d2` (GS1 DataMatrix),
    ///   `]C1` (GS1-128), `]Q3` (GS1 QR), `]e0` (GS1 DataBar) or `]J1` (GS1 DotCode);
    /// - the human-readable form with AIs in parentheses,
    ///   `(01)00312345678906(17)271231(10)LOT42`; there a lot or serial number
    ///   ends where the next `(NN)` starts.
    ///
    /// Besides (01), (10), (17) and (21), the well-known AIs (11), (12), (13),
    /// (15), (16) dates, (20), (22), (240), (241), (30), (7003), (710)-(715)
    /// and (90)-(99) are checked and skipped; any other AI is refused naming it.
    /// Surrounding spaces, tabs and line ends (a scanner's Enter) are ignored.
    ///
    /// - Parameter referenceYear: the current year, for the century of
    ///   two-digit years (see `ExpiryDate.init(gs1:referenceYear:)`); nil reads 20YY.
    package static func parse(_ scan: String, referenceYear: Int? = nil) throws(IdentifierError) -> GS1Scan {
        var b = Array(IdentifierText.trimmed(scan).utf8)
        if b.first == UInt8(ascii: "]") {
            guard b.count >= 3 else {
                throw IdentifierError(.invalidScan, "GS1 scan \(IdentifierText.shown(scan)) ends inside its symbology identifier")
            }
            let id = String(decoding: b[0..<3], as: UTF8.self)
            guard gs1SymbologyIdentifiers.contains(id) else {
                throw IdentifierError(.invalidScan,
                    "GS1 scan starts with symbology identifier \(IdentifierText.shown(id)), which is not a GS1 symbol")
            }
            b.removeFirst(3)
        }
        guard !b.isEmpty else {
            throw IdentifierError(.invalidScan, "GS1 scan is empty")
        }
        let elements = b.first == UInt8(ascii: "(")
            ? try parseBracketed(b)
            : try parseElementString(b)

        var gtin: GTIN?
        var expiry: ExpiryDate?
        var lot: String?
        var serial: String?
        var seen: [String: [UInt8]] = [:]
        for (spec, value) in elements {
            if let earlier = seen[spec.ai] {
                guard earlier == value else {
                    throw IdentifierError(.invalidScan,
                        "GS1 scan has (\(spec.ai)) twice with different values")
                }
                continue
            }
            seen[spec.ai] = value
            try spec.check(value)
            let text = String(decoding: value, as: UTF8.self)
            switch spec.role {
            case .gtin:
                do throws(IdentifierError) {
                    gtin = try GTIN(text)
                } catch {
                    throw IdentifierError(error.code, "GS1 scan (01): \(error.message)")
                }
            case .expiry:
                do throws(IdentifierError) {
                    expiry = try ExpiryDate(gs1: text, referenceYear: referenceYear)
                } catch {
                    throw IdentifierError(.invalidExpiry, "GS1 scan (17): \(error.message)")
                }
            case .lot:
                lot = text
            case .serial:
                serial = text
            case .date:
                do throws(IdentifierError) {
                    _ = try ExpiryDate(gs1: text, referenceYear: referenceYear)
                } catch {
                    throw IdentifierError(.invalidScan, "GS1 scan (\(spec.ai)) \(spec.title): \(error.message)")
                }
            case .skipped:
                break
            }
        }
        guard let gtin else {
            throw IdentifierError(.invalidScan, "GS1 scan has no GTIN (01)")
        }
        return try GS1Scan(gtin: gtin, expiry: expiry, lot: lot, serial: serial)
    }

    /// The element string a GS1 DataMatrix holds (without symbology identifier):
    /// `01…17YYMMDD10LOT<GS>21SERIAL`, a GS after every variable field but the last.
    /// The expiry is written with its actual day (never `00`).
    package var elementString: String {
        var parts: [(String, String, Bool)] = [("01", gtin.digits, false)]
        if let expiry { parts.append(("17", Self.yymmdd(expiry), false)) }
        if let lot { parts.append(("10", lot, true)) }
        if let serial { parts.append(("21", serial, true)) }
        var out = ""
        for (i, (ai, value, variable)) in parts.enumerated() {
            out += ai + value
            if variable, i < parts.count - 1 { out += "\u{1D}" }
        }
        return out
    }

    /// The human-readable form: `(01)…(17)YYMMDD(10)LOT(21)SERIAL`.
    package var humanReadable: String {
        var out = "(01)" + gtin.digits
        if let expiry { out += "(17)" + Self.yymmdd(expiry) }
        if let lot { out += "(10)" + lot }
        if let serial { out += "(21)" + serial }
        return out
    }

    static func yymmdd(_ d: ExpiryDate) -> String {
        ExpiryDate.two(d.year % 100) + ExpiryDate.two(d.month) + ExpiryDate.two(d.day)
    }

    // MARK: - Application identifiers

    static let gs: UInt8 = 0x1D
    static let gs1SymbologyIdentifiers: Set<String> = ["]d2", "]C1", "]Q3", "]e0", "]J1"]

    enum Role: Sendable { case gtin, expiry, lot, serial, date, skipped }

    /// One application identifier this reader knows.
    struct Spec: Sendable {
        let ai: String
        let title: String
        /// Exact length of a fixed-length value; nil for variable length.
        let fixed: Int?
        /// Longest value.
        let max: Int
        /// Digits only (otherwise CSET 82).
        let numeric: Bool
        let role: Role

        func check(_ value: [UInt8]) throws(IdentifierError) {
            if let fixed {
                guard value.count == fixed else {
                    throw IdentifierError(.invalidScan,
                        "GS1 scan (\(ai)) \(title) must be \(fixed) digits, found \(value.count)")
                }
            }
            if numeric {
                guard IdentifierText.isDigits(value) else {
                    throw IdentifierError(.invalidScan,
                        "GS1 scan (\(ai)) \(title) must be digits, found \(IdentifierText.shown(String(decoding: value, as: UTF8.self)))")
                }
            } else {
                try GS1Scan.checkText(value, ai: ai, title: title, max: max)
            }
        }
    }

    static let specs: [String: Spec] = {
        var all: [Spec] = [
            Spec(ai: "01", title: "GTIN", fixed: 14, max: 14, numeric: true, role: .gtin),
            Spec(ai: "10", title: "lot", fixed: nil, max: maxLotLength, numeric: false, role: .lot),
            Spec(ai: "11", title: "production date", fixed: 6, max: 6, numeric: true, role: .date),
            Spec(ai: "12", title: "due date", fixed: 6, max: 6, numeric: true, role: .date),
            Spec(ai: "13", title: "packaging date", fixed: 6, max: 6, numeric: true, role: .date),
            Spec(ai: "15", title: "best before date", fixed: 6, max: 6, numeric: true, role: .date),
            Spec(ai: "16", title: "sell by date", fixed: 6, max: 6, numeric: true, role: .date),
            Spec(ai: "17", title: "expiry date", fixed: 6, max: 6, numeric: true, role: .expiry),
            Spec(ai: "20", title: "variant", fixed: 2, max: 2, numeric: true, role: .skipped),
            Spec(ai: "21", title: "serial number", fixed: nil, max: maxSerialLength, numeric: false, role: .serial),
            Spec(ai: "22", title: "consumer product variant", fixed: nil, max: 20, numeric: false, role: .skipped),
            Spec(ai: "240", title: "additional product id", fixed: nil, max: 30, numeric: false, role: .skipped),
            Spec(ai: "241", title: "customer part number", fixed: nil, max: 30, numeric: false, role: .skipped),
            Spec(ai: "30", title: "count", fixed: nil, max: 8, numeric: true, role: .skipped),
            Spec(ai: "7003", title: "expiry date and time", fixed: 10, max: 10, numeric: true, role: .skipped),
            Spec(ai: "90", title: "internal information", fixed: nil, max: 30, numeric: false, role: .skipped),
        ]
        for n in 710...715 {
            all.append(Spec(ai: String(n), title: "national healthcare reimbursement number", fixed: nil, max: 20, numeric: false, role: .skipped))
        }
        for n in 91...99 {
            all.append(Spec(ai: String(n), title: "internal information", fixed: nil, max: 90, numeric: false, role: .skipped))
        }
        return Dictionary(uniqueKeysWithValues: all.map { ($0.ai, $0) })
    }()

    /// How many digits an AI starting with these two digits has, per the GS1
    /// AI prefix table; used to name an unknown AI.
    static func aiLength(prefix: Int) -> Int {
        switch prefix {
        case 0...22, 30, 37, 90...99: return 2
        case 23...29, 40...42, 71: return 3
        default: return 4
        }
    }

    static func checkText(_ value: [UInt8], ai: String, title: String? = nil, max: Int? = nil) throws(IdentifierError) {
        let code: IdentifierError.Code = ai == "10" ? .invalidLot : ai == "21" ? .invalidSerial : .invalidScan
        let name = title ?? (ai == "10" ? "lot" : ai == "21" ? "serial number" : "value")
        let limit = max ?? (ai == "10" ? maxLotLength : ai == "21" ? maxSerialLength : 90)
        let label = "GS1 (\(ai)) \(name)"
        guard !value.isEmpty else {
            throw IdentifierError(code, "\(label) is empty")
        }
        let scalars = Array(String(decoding: value, as: UTF8.self).unicodeScalars)
        if let bad = scalars.firstIndex(where: { !($0.isASCII && IdentifierText.isCSET82(UInt8($0.value))) }) {
            let u = scalars[bad]
            let what = u == " " ? "a space" : u.value == 0x1D ? "a GS separator" : "\"\(IdentifierText.escaped(u))\""
            throw IdentifierError(code,
                "\(label) \(IdentifierText.shown(String(decoding: value, as: UTF8.self))) has \(what) at position \(bad + 1), outside the GS1 character set 82")
        }
        guard value.count <= limit else {
            throw IdentifierError(code,
                "\(label) \(IdentifierText.shown(String(decoding: value, as: UTF8.self))) is longer than \(limit) characters (is a GS separator missing?)")
        }
    }

    // MARK: - Reading the two forms

    /// Splits AIs and values run together, variable fields ended by GS.
    static func parseElementString(_ b: [UInt8]) throws(IdentifierError) -> [(Spec, [UInt8])] {
        var out: [(Spec, [UInt8])] = []
        var i = 0
        let n = b.count
        while i < n {
            if b[i] == gs { i += 1; continue }  // FNC1 in first position, or a doubled separator
            guard IdentifierText.isDigit(b[i]) else {
                throw IdentifierError(.invalidScan,
                    "GS1 scan has \"\(IdentifierText.escaped(Unicode.Scalar(b[i])))\" at position \(i + 1) where an application identifier should start")
            }
            var spec: Spec?
            for len in 2...4 where i + len <= n && IdentifierText.isDigits(b[i..<(i + len)]) {
                if let s = specs[String(decoding: b[i..<(i + len)], as: UTF8.self)] {
                    spec = s
                    break
                }
            }
            guard let spec else {
                guard i + 2 <= n, IdentifierText.isDigit(b[i + 1]) else {
                    throw IdentifierError(.invalidScan, "GS1 scan is truncated: it ends inside an application identifier")
                }
                let len = min(aiLength(prefix: IdentifierText.value(b[i..<(i + 2)])), n - i)
                var end = i
                while end < i + len, IdentifierText.isDigit(b[end]) { end += 1 }
                let ai = String(decoding: b[i..<end], as: UTF8.self)
                throw IdentifierError(.unknownAI, "GS1 scan has unknown application identifier (\(ai))")
            }
            i += spec.ai.utf8.count
            if let fixed = spec.fixed {
                guard n - i >= fixed else {
                    throw IdentifierError(.invalidScan,
                        "GS1 scan is truncated: (\(spec.ai)) \(spec.title) needs \(fixed) digits, found \(n - i)")
                }
                out.append((spec, Array(b[i..<(i + fixed)])))
                i += fixed
            } else {
                var end = i
                while end < n, b[end] != gs { end += 1 }
                out.append((spec, Array(b[i..<end])))
                i = end
            }
        }
        return out
    }

    /// Splits the human-readable form `(AI)value(AI)value…`.
    static func parseBracketed(_ b: [UInt8]) throws(IdentifierError) -> [(Spec, [UInt8])] {
        let open = UInt8(ascii: "("), close = UInt8(ascii: ")"), space = UInt8(ascii: " ")
        let n = b.count
        /// The AI digits of a `(NN)` starting at `k`, and where its value starts.
        func ai(at k: Int) -> (String, Int)? {
            guard k < n, b[k] == open else { return nil }
            var j = k + 1
            while j < n, j - k - 1 < 4, IdentifierText.isDigit(b[j]) { j += 1 }
            let len = j - k - 1
            guard len >= 2, j < n, b[j] == close else { return nil }
            return (String(decoding: b[(k + 1)..<j], as: UTF8.self), j + 1)
        }
        var out: [(Spec, [UInt8])] = []
        var i = 0
        while i < n {
            guard let (code, start) = ai(at: i) else {
                throw IdentifierError(.invalidScan,
                    "GS1 scan has no (AI) at position \(i + 1): write each application identifier in parentheses, such as (01)")
            }
            guard let spec = specs[code] else {
                throw IdentifierError(.unknownAI, "GS1 scan has unknown application identifier (\(code))")
            }
            var end = start
            while end < n, ai(at: end) == nil { end += 1 }
            var lo = start, hi = end
            while lo < hi, b[lo] == space { lo += 1 }
            while hi > lo, b[hi - 1] == space { hi -= 1 }
            if let fixed = spec.fixed, hi - lo < fixed, end == n {
                throw IdentifierError(.invalidScan,
                    "GS1 scan is truncated: (\(spec.ai)) \(spec.title) needs \(fixed) digits, found \(hi - lo)")
            }
            out.append((spec, Array(b[lo..<hi])))
            i = end
        }
        return out
    }
}
