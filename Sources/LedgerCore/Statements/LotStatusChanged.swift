/// `lot.status_changed`: a lot is quarantined, recalled or released. Actor: pharmacist or compliance.
/// CLI: `csledger lot-status`. Nothing is dispensed or administered from a lot that is not `active`.
public struct LotStatusChanged: StatementBody {
    public static let type = DispensingType.lotStatusChanged

    public enum Member {
        public static let lotID = "lot_id"
        public static let status = "status"
        public static let reason = "reason"
    }

    /// A lot's status.
    public enum Status: String, Sendable, CaseIterable {
        case active, quarantined, recalled
    }

    /// The lot id (`70000012310:KV2611A`) of a received lot; at most 60 characters.
    public var lotID: String
    /// The lot's status from this entry on.
    public var status: Status
    /// Why (the recall notice, what was found); at most 500 characters.
    public var reason: String
    public var asWritten: [String: JSONValue] = [:]

    public init(lotID: String, status: Status, reason: String) {
        self.lotID = lotID
        self.status = status
        self.reason = reason
    }

    public init(reading r: BodyReader) throws {
        lotID = try r.string(Member.lotID, max: 60)
        status = try r.oneOf(Member.status)
        reason = try r.string(Member.reason, max: 500)
    }

    public var members: [String: JSONValue] {
        [Member.lotID: .string(lotID), Member.status: .string(status.rawValue), Member.reason: .string(reason)]
    }
}
