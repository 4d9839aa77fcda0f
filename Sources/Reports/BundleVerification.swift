import LedgerCore

/// What checking a report bundle found: every failure with the file (and entry seq) it concerns.
package struct BundleVerification: Sendable {
    /// One thing that does not hold.
    package struct Failure: Sendable, Hashable, CustomStringConvertible {
        /// The bundle file concerned (`manifest.json`, `entries.jsonl`, a report file ...).
        package let file: String
        /// The entry concerned, if any.
        package let seq: Int?
        package let message: String

        package init(file: String, seq: Int? = nil, message: String) {
            self.file = file
            self.seq = seq
            self.message = message
        }

        package var description: String { "\(file)\(seq.map { " seq \($0)" } ?? ""): \(message)" }

        package var json: JSONValue {
            var o: [String: JSONValue] = ["file": .string(file), "message": .string(message)]
            if let seq { o["seq"] = .number(Double(seq)) }
            return .object(o)
        }
    }

    package var kind: String?
    package var origin: String?
    package var checkpointSize: Int?
    package var entries = 0
    package var signaturesChecked = 0
    package var proofsChecked = 0
    package var filesChecked = 0
    package var personalRecordsChecked = 0
    package var failures: [Failure] = []

    package var isClean: Bool { failures.isEmpty }

    package init() {}

    mutating func fail(_ file: String, _ seq: Int? = nil, _ message: String) {
        failures.append(Failure(file: file, seq: seq, message: message))
    }
}
