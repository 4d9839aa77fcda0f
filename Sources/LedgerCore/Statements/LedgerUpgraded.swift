/// `ledger.upgraded`: the ledger adopts interchange format v2 from this entry on: every statement from
/// `log_required_from` (this entry's own seq) names the ledger's origin in `log`. Actor: the facility key. CLI:
/// `csledger migrate`. Ledgers created with v2 need none: their genesis statement names its log. Checked against
/// the ledger (`SignerRegistry`): the actor is the facility key, the ledger has not adopted v2 yet,
/// `log_required_from` is the entry's own seq, and the statement itself names the ledger.
public struct LedgerUpgraded: StatementBody {
    public static let type = CoreStatementType.ledgerUpgraded

    public enum Member {
        public static let version = "version"
        public static let logRequiredFrom = "log_required_from"
    }

    /// The interchange format adopted: 2.
    public var version: Int
    /// The first seq whose statement must name the ledger: this entry's own.
    public var logRequiredFrom: Int
    public var asWritten: [String: JSONValue] = [:]

    /// The upgrade csledger records at `seq`.
    public init(logRequiredFrom seq: Int) {
        version = 2
        logRequiredFrom = seq
    }

    public init(reading r: BodyReader) throws {
        guard r.body[Member.version]?.integerValue == 2, let from = r.body[Member.logRequiredFrom]?.integerValue, from >= 0 else {
            throw LedgerError(.invalidBody, "ledger.upgraded needs \"version\": 2 and \"log_required_from\": its own seq")
        }
        version = 2
        logRequiredFrom = from
    }

    public var members: [String: JSONValue] {
        [Member.version: .number(Double(version)), Member.logRequiredFrom: .number(Double(logRequiredFrom))]
    }

    /// The refusal of an upgrade recorded at `seq` whose body is not version 2 from its own seq.
    public static func wrongBody(at seq: Int) -> LedgerError {
        LedgerError(.invalidBody, "ledger.upgraded needs \"version\": 2 and \"log_required_from\": its own seq (\(seq))")
    }
}
