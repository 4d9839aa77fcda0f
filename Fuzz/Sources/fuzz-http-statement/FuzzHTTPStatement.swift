import LedgerCore

/// The body of `POST /v1/statements`, decoded exactly as csledgerd decodes it (StatementSubmission):
/// never crashes; a refusal always carries a code and a one-line message; an accepted body's statement
/// decodes again from its signing input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPStatement(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    do {
        let signed = try StatementSubmission.decode(bytes, maxBytes: 1 << 20)
        guard signed.signatures.allSatisfy({ $0.signature.count == 64 }) else { fatalError("a signature of the wrong length was accepted") }
        guard let json = try? JSONParser.parse(signed.statement.signingInput), (try? Statement(json: json)) == signed.statement else {
            fatalError("an accepted statement does not decode from its signing input")
        }
    } catch {
        guard !error.code.isEmpty, !error.message.isEmpty, !error.message.contains("\n") else {
            fatalError("a refusal without a code or with a multi-line message")
        }
    }
    return 0
}
