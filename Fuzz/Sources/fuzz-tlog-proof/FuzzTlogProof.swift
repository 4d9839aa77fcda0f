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
