import LedgerCore

/// C2SP tlog-proof@v1 files (`csledger prove` output, brought back by auditors): parsing never crashes,
/// a parsed proof serializes to text that parses to the same proof, and checking it never crashes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTlogProof(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let text = String(validating: bytes, as: UTF8.self), let proof = try? TlogProof.parse(text) else { return 0 }
    guard let again = try? TlogProof.parse(proof.serialized), again == proof else { fatalError("tlog-proof round trip changed it") }
    _ = proof.verifyInclusion(leaf: MerkleTree.leafHash(Array(bytes)))
    return 0
}

// SwiftPM links an executable's entry point as `<module>_main`; hand control to libFuzzer's driver from there.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32) -> Int32

@_cdecl("fuzz_tlog_proof_main")
public func fuzzerEntry(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, { fuzzTlogProof($0, $1) })
}
