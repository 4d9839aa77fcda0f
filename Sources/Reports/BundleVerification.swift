import LedgerCore

/// What checking a report bundle found: every failure with the file (and entry seq) it concerns.
public struct BundleVerification: Sendable {
    /// One thing that does not hold.
    public struct Failure: Sendable, Hashable, CustomStringConvertible {
        /// The bundle file concerned (`manifest.json`, `entries.jsonl`, a report file ...).
        public let file: String
        /// The entry concerned, if any.
        public let seq: Int?
        public let message: String

        public init(file: String, seq: Int? = nil, message: String) {
            self.file = file
            self.seq = seq
            self.message = message
        }

        public var description: String { "\(file)\(seq.map { " seq \($0)" } ?? ""): \(message)" }

        public var json: JSONValue {
            var o: [String: JSONValue] = ["file": .string(file), "message": .string(message)]
            if let seq { o["seq"] = .number(Double(seq)) }
            return .object(o)
        }
    }

    public var kind: String?
    public var origin: String?
    public var checkpointSize: Int?
    public var entries = 0
    public var signaturesChecked = 0
    public var proofsChecked = 0
    public var filesChecked = 0
    public var personalRecordsChecked = 0
    public var failures: [Failure] = []

    public var isClean: Bool { failures.isEmpty }

    public init() {}

    mutating func fail(_ file: String, _ seq: Int? = nil, _ message: String) {
        failures.append(Failure(file: file, seq: seq, message: message))
    }
}
