import LedgerCore

/// Strict JSON parser and RFC 8785 serializer: parsing never crashes; whatever parses serializes to a
/// canonical form that parses again to the same value and serializes to the same bytes (idempotent).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let value = try? JSONParser.parse(bytes) else { return 0 }
    let canonical = JCS.serialize(value)
    guard let again = try? JSONParser.parse(canonical) else { fatalError("JCS output does not parse: \(canonical.count) bytes") }
    guard again == value else { fatalError("JCS output parses to a different value") }
    guard JCS.serialize(again) == canonical else { fatalError("JCS is not idempotent") }
    return 0
}

// SwiftPM links an executable's entry point as `<module>_main`; hand control to libFuzzer's driver from there.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32) -> Int32

@_cdecl("fuzz_json_main")
public func fuzzerEntry(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, { fuzzJSON($0, $1) })
}
