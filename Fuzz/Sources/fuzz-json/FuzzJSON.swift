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
