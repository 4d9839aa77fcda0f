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

// SwiftPM links an executable's entry point as `<module>_main`; hand control to libFuzzer's driver from there.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32) -> Int32

@_cdecl("fuzz_http_statement_main")
public func fuzzerEntry(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, { fuzzHTTPStatement($0, $1) })
}
