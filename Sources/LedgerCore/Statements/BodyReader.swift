import Foundation

/// Reads the fields of a statement body with errors that name the field and what is wrong,
/// never the value when it could be personal data. The stateless checks of every statement type
/// (`StatementBody`) are written with it; the checks that need the ledger's state are the projection's.
public struct BodyReader: Sendable {
    /// The statement type, the first word of every error.
    public let type: String
    /// The object being read: the body, or an object inside it.
    public let body: [String: JSONValue]
    /// Where `body` is inside the statement's body (`items[2]`), empty for the body itself.
    public let path: String

    public init(type: String, body: [String: JSONValue], path: String = "") {
        self.type = type
        self.body = body
        self.path = path
    }

    public func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    public func error(_ key: String, _ problem: String) -> LedgerError {
        LedgerError(.invalidBody, "\(type): \(name(key)) \(problem)")
    }

    public func has(_ key: String) -> Bool { body[key] != nil && body[key] != .null }

    /// A required non-empty string of at most `max` characters.
    public func string(_ key: String, max: Int = 200) throws -> String {
        guard let v = body[key] else { throw error(key, "is missing") }
        guard let s = v.stringValue else { throw error(key, "must be text") }
        // Foundation's trimming is slow on Linux and runs inside every append; most values need none.
        let t = Self.mayNeedTrimming(s) ? s.trimmingCharacters(in: .whitespaces) : s
        guard !t.isEmpty else { throw error(key, "must not be empty") }
        guard t.count <= max else { throw error(key, "is longer than \(max) characters") }
        guard !t.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) else {
            throw error(key, "must not contain control characters")
        }
        return t
    }

    /// False when `s` neither starts nor ends with what `CharacterSet.whitespaces` holds (tab, Zs).
    public static func mayNeedTrimming(_ s: String) -> Bool {
        func blank(_ u: Unicode.Scalar) -> Bool { u == "\t" || u.properties.generalCategory == .spaceSeparator }
        guard let first = s.unicodeScalars.first, let last = s.unicodeScalars.last else { return false }
        return blank(first) || blank(last)
    }

    public func optionalString(_ key: String, max: Int = 200) throws -> String? {
        has(key) ? try string(key, max: max) : nil
    }

    /// A positive exact decimal given as a string (SPEC §2: never a JSON number).
    public func quantity(_ key: String, allowZero: Bool = false) throws -> Quantity {
        guard let v = body[key] else { throw error(key, "is missing") }
        guard let s = v.stringValue else {
            if case .number = v { throw error(key, "must be a decimal string such as \"2.5\", not a JSON number") }
            throw error(key, "must be a decimal string such as \"2.5\"")
        }
        let q: Quantity
        do { q = try Quantity(parsing: s) } catch { throw self.error(key, "\"\(s.prefix(20))\" is not a positive decimal such as 2.5") }
        guard allowZero ? !q.isNegative : q.isPositive else { throw error(key, "must be greater than zero") }
        return q
    }

    public func optionalQuantity(_ key: String, allowZero: Bool = false) throws -> Quantity? {
        has(key) ? try quantity(key, allowZero: allowZero) : nil
    }

    /// A whole number in `range` (counts such as refills and fill numbers).
    public func integer(_ key: String, _ range: ClosedRange<Int>) throws -> Int {
        guard let v = body[key] else { throw error(key, "is missing") }
        guard let i = v.integerValue else { throw error(key, "must be a whole number") }
        guard range.contains(i) else { throw error(key, "must be from \(range.lowerBound) to \(range.upperBound)") }
        return i
    }

    public func bool(_ key: String) throws -> Bool {
        guard let v = body[key] else { throw error(key, "is missing") }
        guard case .bool(let b) = v else { throw error(key, "must be true or false") }
        return b
    }

    public func object(_ key: String) throws -> BodyReader {
        guard let v = body[key] else { throw error(key, "is missing") }
        guard let o = v.objectValue else { throw error(key, "must be an object") }
        return BodyReader(type: type, body: o, path: name(key))
    }

    public func objects(_ key: String, max: Int = 100) throws -> [BodyReader] {
        guard let v = body[key] else { throw error(key, "is missing") }
        guard let a = v.arrayValue, !a.isEmpty else { throw error(key, "must be a non-empty list") }
        guard a.count <= max else { throw error(key, "has more than \(max) items") }
        return try a.enumerated().map { i, item in
            guard let o = item.objectValue else { throw error(key, "item \(i + 1) must be an object") }
            return BodyReader(type: type, body: o, path: "\(name(key))[\(i + 1)]")
        }
    }

    public func date(_ key: String) throws -> String {
        let s = try string(key, max: 10)
        guard Timestamp(s, allowDate: true) != nil, s.count == 10 else { throw error(key, "must be a date YYYY-MM-DD") }
        return s
    }

    public func time(_ key: String) throws -> Timestamp {
        let s = try string(key, max: 40)
        guard let t = Timestamp(s) else { throw error(key, "must be a UTC time like 2026-11-23T14:05:09Z") }
        return t
    }

    package func dea(_ key: String) throws -> DEANumber {
        let s = try string(key, max: 20)
        do { return try DEANumber(s) } catch { throw self.error(key, "is not valid: \(error.message)") }
    }

    public func ndc(_ key: String) throws -> NDC {
        let s = try string(key, max: 20)
        do { return try NDC(s) } catch { throw self.error(key, "is not valid: \(error.message)") }
    }

    public func hex64(_ key: String) throws -> String {
        let s = try string(key, max: 64)
        guard s.count == 64, Hex.decode(s) != nil, s == s.lowercased() else { throw error(key, "must be 64 lowercase hex characters") }
        return s
    }

    public func oneOf(_ key: String, _ values: [String]) throws -> String {
        let s = try string(key, max: 40)
        guard values.contains(s) else { throw error(key, "must be one of: \(values.joined(separator: ", "))") }
        return s
    }
}
