import LedgerCore

/// GS1 DataMatrix scan strings (what a barcode scanner types): parsing never crashes, and a parsed scan's
/// element string parses back to the same scan.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGS1(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let scan = try? GS1Scan.parse(text, referenceYear: 2026) else { return 0 }
    guard let again = try? GS1Scan.parse(scan.elementString, referenceYear: 2026) else {
        fatalError("a parsed scan's element string does not parse")
    }
    guard again == scan else { fatalError("GS1 round trip changed the scan") }
    _ = scan.humanReadable
    return 0
}

// SwiftPM links an executable's entry point as `<module>_main`; hand control to libFuzzer's driver from there.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32) -> Int32

@_cdecl("fuzz_gs1_main")
public func fuzzerEntry(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, { fuzzGS1($0, $1) })
}
