import LedgerCore

/// Statements and entries from JSON (what `submit`, drafts and stored rows carry): decoding never crashes,
/// and a decoded statement's signing input decodes back to the same statement.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzStatement(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let json = try? JSONParser.parse(bytes) else { return 0 }
    if let statement = try? Statement(json: json) {
        let input = statement.signingInput
        guard let back = try? JSONParser.parse(input), let again = try? Statement(json: back) else {
            fatalError("a statement's signing input does not decode")
        }
        guard again == statement, again.signingInput == input else { fatalError("statement round trip changed it") }
    }
    if let entry = try? Entry(json: json) {
        guard let again = try? Entry.decode(canonicalBytes: entry.canonicalBytes), again == entry else {
            fatalError("entry round trip changed it")
        }
    }
    return 0
}

// SwiftPM links an executable's entry point as `<module>_main`; hand control to libFuzzer's driver from there.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32) -> Int32

@_cdecl("fuzz_statement_main")
public func fuzzerEntry(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, { fuzzStatement($0, $1) })
}
