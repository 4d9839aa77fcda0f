import Foundation
import LedgerCore

/// A statement waiting for its witnesses' signatures (remote witnessing):
/// `{"statement": {...}, "sigs": [{"key", "sig"}, ...]}` with the actor's signature first.
package struct Draft: Sendable {
    package var signed: SignedStatement

    package init(signed: SignedStatement) { self.signed = signed }

    /// The witnesses who have not signed yet.
    package var missingSigners: [KeyID] {
        let have = Set(signed.signatures.map(\.key))
        return signed.statement.signers.filter { !have.contains($0) }
    }

    /// The file's JSON text (canonical, one line).
    package var fileText: String { String(decoding: StatementSubmission.encode(signed), as: UTF8.self) + "\n" }

    /// Reads a draft file, checking every signature already on it.
    package static func read(path: String) throws -> Draft {
        let data = try InputFile.read(path, what: "draft", maxBytes: 1 << 20)
        let json: JSONValue
        do { json = try JSONParser.parse(Array(data)) } catch { throw LedgerError(.invalidArgument, "the draft file \(path) is not valid JSON: \(error)") }
        guard let st = json["statement"], let sigs = json["sigs"]?.arrayValue else {
            throw LedgerError(.invalidArgument, "the draft file \(path) has no statement and signatures")
        }
        let statement = try Statement(json: st)
        let signatures = try sigs.map { s -> EntrySignature in
            guard let k = s["key"]?.stringValue, let key = KeyID(k), let b = s["sig"]?.stringValue, let sig = Base64.decode(b), sig.count == 64 else {
                throw LedgerError(.invalidArgument, "the draft file \(path) has a malformed signature")
            }
            return EntrySignature(key: key, signature: sig)
        }
        return Draft(signed: SignedStatement(statement: statement, signatures: signatures))
    }

    package func write(path: String, replacing: Bool = false) throws {
        do { try Data(fileText.utf8).write(to: URL(fileURLWithPath: path), options: replacing ? .atomic : .withoutOverwriting) } catch {
            throw LedgerError(.invalidArgument, "cannot write the draft file \(path) (does it exist already?)")
        }
    }
}
