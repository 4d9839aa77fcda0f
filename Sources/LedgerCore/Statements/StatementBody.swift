/// A JSON object of a statement body given a Swift type: the body itself (`StatementBody`) or an object
/// inside it (a supplier, a drug, a lot and its quantity).
///
/// Reading (`read(_:)`) makes the checks that need nothing but the body, with the errors of `BodyReader`
/// (the field's path and what is wrong). Checks that need the ledger's state (the lot exists, enough is on
/// hand, the prescription has refills left) are the projection's, in the Dispensing module.
///
/// Writing (`jsonObject`) gives the members csledger has always written, in the same JSON form: quantities as
/// decimal strings, counts as numbers, optional members absent. Canonical bytes never change: a body read
/// from an entry and written again is the same JCS (the round-trip test checks every entry of the demo,
/// the simulation and the test fixtures).
public protocol BodyObject: Sendable, Hashable {
    /// Reads and checks the members (the stateless checks only). Call `read(_:)`, which also keeps
    /// `asWritten`.
    init(reading r: BodyReader) throws

    /// The members the type defines, written as csledger writes them (an optional member that is nil is absent).
    var members: [String: JSONValue] { get }

    /// Members of the object as it was signed that the fields do not give back: members the type does not
    /// define (kept, as the ledger has always kept them) and a value written in another spelling than the
    /// checked value's (`" KV1 "` read as `KV1`, a time without milliseconds). Empty for a value built to be
    /// signed. `jsonObject` lays these over `members`, so what was signed is what is written again.
    var asWritten: [String: JSONValue] { get set }
}

extension BodyObject {
    /// Reads the object `r` holds, checking it, and keeps what its fields do not give back in `asWritten`.
    public static func read(_ r: BodyReader) throws -> Self {
        var value = try Self(reading: r)
        let members = value.members
        var kept: [String: JSONValue] = [:]
        for (key, v) in r.body where members[key] != v { kept[key] = v }
        value.asWritten = kept
        return value
    }

    /// The object as JSON members: `members` with `asWritten` laid over them.
    public var jsonObject: [String: JSONValue] {
        asWritten.isEmpty ? members : members.merging(asWritten) { _, written in written }
    }

    /// The object as a JSON value.
    public var jsonValue: JSONValue { .object(jsonObject) }
}

/// The body of one statement type, defined once: its fields with their meaning, unit and format (the doc
/// comment of each field is the reference; docs/EVENTS.md points here), its JSON form and its stateless checks.
public protocol StatementBody: BodyObject {
    /// The statement type this body belongs to, e.g. `lot.received`.
    static var type: String { get }
}

extension StatementBody {
    /// Reads and checks a statement body of this type.
    public init(body: [String: JSONValue]) throws {
        self = try Self.read(BodyReader(type: Self.type, body: body))
    }

    /// Reads and checks a statement body of this type for its fields only: `asWritten` stays empty, so `body`
    /// may differ from what was signed. For rules that read the fields inside every append (the projection).
    public init(checking body: [String: JSONValue]) throws {
        try self.init(reading: BodyReader(type: Self.type, body: body))
    }

    /// Reads and checks the body of `statement`, which must be of this type.
    public init(statement: Statement) throws {
        guard statement.type == Self.type else {
            throw LedgerError(.invalidBody, "expected a \(Self.type) statement, not \(statement.type.printablePrefix(40))")
        }
        try self.init(body: statement.body)
    }

    /// The body as the statement carries it.
    public var body: [String: JSONValue] { jsonObject }

    /// `text` as one of `T`'s values, refused with the sentence reading the body would give (for a command
    /// that builds a body from a flag's text).
    public static func choice<T: RawRepresentable & CaseIterable>(_ text: String, for member: String) throws -> T where T.RawValue == String {
        try BodyReader(type: type, body: [member: .string(text)]).oneOf(member)
    }

    /// The error for `field` (a path such as `lots[2].lot_id`) found wrong by a check that needs the ledger's state.
    public static func error(_ field: String, _ problem: String) -> LedgerError {
        LedgerError(.invalidBody, "\(type): \(field) \(problem)")
    }
}

/// Writing members: an optional value that is nil writes nothing.
extension Dictionary where Key == String, Value == JSONValue {
    package mutating func put(_ key: String, _ value: String?) {
        if let value { self[key] = .string(value) }
    }

    package mutating func put(_ key: String, _ value: Quantity?) {
        if let value { self[key] = .string(value.description) }
    }

    package mutating func put(_ key: String, _ value: Int?) {
        if let value { self[key] = .number(Double(value)) }
    }

    package mutating func put(_ key: String, _ value: Bool?) {
        if let value { self[key] = .bool(value) }
    }

    package mutating func put(_ key: String, _ value: Timestamp?) {
        if let value { self[key] = .string(value.description) }
    }

    package mutating func put(_ key: String, _ value: (some BodyObject)?) {
        if let value { self[key] = value.jsonValue }
    }

    package mutating func put(_ key: String, _ value: [some BodyObject]?) {
        if let value { self[key] = .array(value.map(\.jsonValue)) }
    }
}

extension BodyReader {
    /// A member kept as given, with no check: today's rules read it only when it is text and never refuse it
    /// (`override_reason`), so a check here would refuse entries that replayed before.
    public func uncheckedString(_ key: String) -> String? { body[key]?.stringValue }

    /// A time as written (RFC 3339 UTC), checked as `time(_:)` checks it; for members kept in the spelling given.
    public func timeText(_ key: String) throws -> String {
        let s = try string(key, max: 40)
        guard Timestamp(s) != nil else { throw error(key, "must be a UTC time like 2026-11-23T14:05:09Z") }
        return s
    }

    /// An optional time, checked when present.
    public func optionalTime(_ key: String) throws -> Timestamp? { has(key) ? try time(key) : nil }

    /// An optional bool, checked when present.
    public func optionalBool(_ key: String) throws -> Bool? { has(key) ? try bool(key) : nil }

    /// An optional whole number in `range`, checked when present.
    public func optionalInteger(_ key: String, _ range: ClosedRange<Int>) throws -> Int? {
        has(key) ? try integer(key, range) : nil
    }

    /// The object under `key`, read as `T`.
    public func read<T: BodyObject>(_ key: String, as _: T.Type = T.self) throws -> T { try T.read(object(key)) }

    /// The list of objects under `key` (non-empty, at most `max`), each read as `T`.
    public func read<T: BodyObject>(_ key: String, max: Int, as _: T.Type = T.self) throws -> [T] {
        try objects(key, max: max).map { try T.read($0) }
    }

    /// One of the raw values of `T`.
    public func oneOf<T: RawRepresentable & CaseIterable>(_ key: String, _: T.Type = T.self) throws -> T where T.RawValue == String {
        T(rawValue: try oneOf(key, T.allCases.map(\.rawValue)))!
    }
}
