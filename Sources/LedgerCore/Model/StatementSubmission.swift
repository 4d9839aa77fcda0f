/// The body a client sends to submit a statement it signed: `{"statement": {...}, "sigs": [{"key", "sig"}, ...]}`,
/// read strictly (the daemon's `POST /v1/statements`; the fuzz target `http-statement` drives it with random bytes).
package enum StatementSubmission {
    /// Why a body was refused: a stable code (`invalid-json`, `invalid-body`, or a statement error code) and a sentence.
    package struct Refusal: Error, Sendable {
        package let code: LedgerError.Code
        package let message: String
    }

    /// The canonical (JCS) bytes of a submission: what `csledger` posts and what a draft file holds.
    package static func encode(_ signed: SignedStatement) -> [UInt8] {
        JCS.serialize(.object([
            "statement": signed.statement.json,
            "sigs": .array(signed.signatures.map { .object(["key": .string($0.key.hex), "sig": .string(Base64.encode($0.signature))]) }),
        ]))
    }

    /// Deepest nesting accepted in a submission body.
    package static let maxDepth = 16

    /// Decodes and checks the shape of a submission body; signatures are checked later, at append.
    package static func decode(_ bytes: [UInt8], maxBytes: Int) throws(Refusal) -> SignedStatement {
        let json: JSONValue
        do { json = try JSONParser.parse(bytes, limits: .init(maxDepth: maxDepth, maxBytes: maxBytes)) } catch {
            throw Refusal(code: .invalidJSON, message: "the request body is not valid JSON: \(error)")
        }
        guard let o = json.objectValue, o.count == 2, let st = o["statement"], let sigs = o["sigs"]?.arrayValue else {
            throw Refusal(code: .invalidBody, message: "the body must be {\"statement\": {...}, \"sigs\": [...]}")
        }
        let statement: Statement
        do { statement = try Statement(json: st) } catch let e as LedgerError {
            throw Refusal(code: e.code, message: e.message)
        } catch {
            throw Refusal(code: .invalidStatement, message: "the statement cannot be read: \(error)")
        }
        var signatures: [EntrySignature] = []
        for s in sigs {
            guard let so = s.objectValue, so.count == 2, let k = so["key"]?.stringValue, let key = KeyID(k),
                  let b = so["sig"]?.stringValue, let sig = Base64.decode(b), sig.count == 64 else {
                throw Refusal(code: .invalidBody, message: "each signature must be {\"key\": key id, \"sig\": base64 of 64 bytes}")
            }
            signatures.append(EntrySignature(key: key, signature: sig))
        }
        return SignedStatement(statement: statement, signatures: signatures)
    }
}
