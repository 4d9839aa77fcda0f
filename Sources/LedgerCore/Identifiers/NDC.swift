/// A US National Drug Code: labeler, product and package segments.
///
/// Accepted forms:
/// - 10 digits with hyphens in the layouts 4-4-2, 5-3-2 and 5-4-1, as printed
///   on packages (`1234-5678-90`, `12345-678-90`, `12345-6789-0`);
/// - the 11-digit 5-4-2 form, with hyphens or as 11 plain digits
///   (`12345-6789-01`, `12345678901`);
/// - the 12-digit 6-4-2 form the FDA has proposed, with hyphens only
///   (`123456-7890-12`);
/// - 10 plain digits only with the layout given, since `1234567890` could be
///   any of three different products.
///
/// `normalized` pads each segment with leading zeros to 5-4-2 (11 digits, as
/// ASAP and billing want); 12-digit NDCs stay as they are. Two NDCs are equal
/// when their normalized forms are: `1234-5678-90` equals `01234-5678-90`.
/// `hyphenated` keeps the layout the NDC was written in.
public struct NDC: Sendable, Hashable, CustomStringConvertible, Codable {
    /// How many digits each segment has. Only the known layouts exist; new
    /// ones (such as the 12-digit forms) are added here as the FDA adopts them.
    public struct Layout: Sendable, Hashable, CustomStringConvertible {
        /// Digits in the labeler code.
        public let labeler: Int
        /// Digits in the product code.
        public let product: Int
        /// Digits in the package code.
        public let package: Int

        init(_ labeler: Int, _ product: Int, _ package: Int) {
            self.labeler = labeler
            self.product = product
            self.package = package
        }

        /// 4-4-2, a 10-digit NDC with a 4-digit labeler code.
        public static let fourFourTwo = Layout(4, 4, 2)
        /// 5-3-2, a 10-digit NDC with a 3-digit product code.
        public static let fiveThreeTwo = Layout(5, 3, 2)
        /// 5-4-1, a 10-digit NDC with a 1-digit package code.
        public static let fiveFourOne = Layout(5, 4, 1)
        /// 5-4-2, the 11-digit normalized form.
        public static let fiveFourTwo = Layout(5, 4, 2)
        /// 6-4-2, the 12-digit form proposed by the FDA.
        public static let sixFourTwo = Layout(6, 4, 2)

        /// Every layout this version accepts.
        public static let all: [Layout] = [.fourFourTwo, .fiveThreeTwo, .fiveFourOne, .fiveFourTwo, .sixFourTwo]

        /// Parses `4-4-2`, `5-3-2`, `5-4-1`, `5-4-2` or `6-4-2`.
        public init?(_ text: String) {
            guard let found = Layout.all.first(where: { $0.description == text }) else { return nil }
            self = found
        }

        /// Total number of digits.
        public var digitCount: Int { labeler + product + package }

        /// The layout NDCs of this layout are normalized to: 5-4-2 for the
        /// 10- and 11-digit layouts, the layout itself for longer ones.
        public var normalizedLayout: Layout {
            digitCount <= 11 ? .fiveFourTwo : self
        }

        /// `L-P-K`, for example `5-3-2`.
        public var description: String { "\(labeler)-\(product)-\(package)" }
    }

    /// Labeler code as written (digits).
    public let labeler: String
    /// Product code as written (digits).
    public let product: String
    /// Package code as written (digits).
    public let package: String
    /// The layout the NDC was written in.
    public let layout: Layout

    /// Parses an NDC (surrounding whitespace is ignored).
    ///
    /// - Parameter layout: needed for 10 plain digits; when given for another
    ///   form, the text must be in that layout.
    public init(_ text: String, layout: Layout? = nil) throws(IdentifierError) {
        let t = IdentifierText.trimmed(text)
        let shown = IdentifierText.shown(t)
        let accepted = "4-4-2, 5-3-2 or 5-4-1 (10 digits), 5-4-2 (11) or 6-4-2 (12)"
        let parts = t.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        let found: Layout
        let segments: [String]
        if parts.count == 3 {
            guard parts.allSatisfy(IdentifierText.isDigits),
                  let l = Layout.all.first(where: {
                      $0.labeler == parts[0].utf8.count && $0.product == parts[1].utf8.count
                          && $0.package == parts[2].utf8.count
                  })
            else {
                throw IdentifierError(.invalidNDC, "NDC \(shown) must be digits in the layout \(accepted)")
            }
            found = l
            segments = parts
        } else if parts.count == 1, IdentifierText.isDigits(t) {
            let n = t.utf8.count
            if let layout {
                guard layout.digitCount == n else {
                    throw IdentifierError(.invalidNDC,
                        "NDC \(shown) has \(n) digits, which does not fit the layout \(layout)")
                }
                found = layout
            } else if n == 11 {
                found = .fiveFourTwo
            } else if n == 10 {
                throw IdentifierError(.ambiguousNDC,
                    "NDC \(shown) has 10 digits without hyphens: write it with hyphens (4-4-2, 5-3-2 or 5-4-1) or give its layout")
            } else if n == 12 {
                throw IdentifierError(.ambiguousNDC,
                    "NDC \(shown) has 12 digits without hyphens: write a 12-digit NDC as 6-4-2 with hyphens (12 plain digits may be a UPC-A barcode)")
            } else {
                throw IdentifierError(.invalidNDC,
                    "NDC \(shown) has \(n) digits; an NDC has 10, 11 or 12 in the layout \(accepted)")
            }
            let b = Array(t.utf8)
            let a = found.labeler
            let p = found.labeler + found.product
            segments = [
                String(decoding: b[..<a], as: UTF8.self),
                String(decoding: b[a..<p], as: UTF8.self),
                String(decoding: b[p...], as: UTF8.self),
            ]
        } else {
            throw IdentifierError(.invalidNDC, "NDC \(shown) must be digits in the layout \(accepted)")
        }
        if let layout, layout != found {
            throw IdentifierError(.invalidNDC, "NDC \(shown) is in the layout \(found), not \(layout)")
        }
        self.labeler = segments[0]
        self.product = segments[1]
        self.package = segments[2]
        self.layout = found
    }

    /// Builds the NDC held in a US GTIN, given the layout of its ten digits
    /// (which the GTIN does not tell). Fails when the GTIN holds no NDC or the
    /// layout is not a 10-digit one.
    package init(gtin: GTIN, layout: Layout) throws(IdentifierError) {
        guard let ten = gtin.ndc10Digits else {
            throw IdentifierError(.invalidNDC,
                "GTIN \(gtin.digits) holds no NDC (digits 2 and 3 are not 03)")
        }
        guard layout.digitCount == 10 else {
            throw IdentifierError(.invalidNDC,
                "NDC layout \(layout) is not a 10-digit layout; a GTIN holds 10 NDC digits")
        }
        try self.init(ten, layout: layout)
    }

    /// The ten NDC digits in a US GTIN (digits 4 to 13), or nil when the GTIN
    /// holds no NDC. Their layout is unknown; compare with `matchesGTIN(_:)`.
    package static func ndc10Digits(inGTIN gtin: GTIN) -> String? {
        gtin.ndc10Digits
    }

    /// The segments padded to the normalized layout, without hyphens: 11
    /// digits (5-4-2) for 10- and 11-digit NDCs, 12 digits for 6-4-2.
    public var normalized: String {
        let target = layout.normalizedLayout
        return Self.padded(labeler, target.labeler) + Self.padded(product, target.product)
            + Self.padded(package, target.package)
    }

    /// The 11-digit 5-4-2 form without hyphens (ASAP DSP08, billing), or nil
    /// for a 12-digit NDC, which has none.
    ///
    /// `1234-5678-90` → `01234567890`, `12345-678-90` → `12345067890`,
    /// `12345-6789-0` → `12345678900`.
    public var normalized11: String? {
        layout.normalizedLayout == .fiveFourTwo ? normalized : nil
    }

    /// The segments joined by hyphens, in the layout the NDC was written in.
    public var hyphenated: String { "\(labeler)-\(product)-\(package)" }

    /// The ten digits without hyphens, for NDCs written in a 10-digit layout;
    /// nil for 11- and 12-digit forms, whose 10-digit form cannot be told.
    public var tenDigits: String? {
        layout.digitCount == 10 ? labeler + product + package : nil
    }

    /// Whether `gtin` is the US GTIN of this NDC: its digits 4 to 13 equal this
    /// NDC's ten digits (after `03` at digits 2 and 3). Always false for an
    /// NDC known only in its 11- or 12-digit form.
    package func matchesGTIN(_ g: GTIN) -> Bool {
        guard let ten = tenDigits, let inside = g.ndc10Digits else { return false }
        return ten == inside
    }

    /// The hyphenated form.
    public var description: String { hyphenated }

    /// Equal when the normalized forms are equal.
    public static func == (lhs: NDC, rhs: NDC) -> Bool { lhs.normalized == rhs.normalized }

    /// Hashes the normalized form.
    public func hash(into hasher: inout Hasher) { hasher.combine(normalized) }

    static func padded(_ s: String, _ width: Int) -> String {
        let n = s.utf8.count
        return n >= width ? s : String(repeating: "0", count: width - n) + s
    }

    /// Encodes as the hyphenated string, which keeps the layout.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(hyphenated)
    }

    /// Decodes from a hyphenated (or 11-digit) string and checks it.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let s = try c.decode(String.self)
        do throws(IdentifierError) {
            self = try NDC(s)
        } catch {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: error.message)
        }
    }
}
