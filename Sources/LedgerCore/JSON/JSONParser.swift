/// A strict RFC 8259 JSON parser for ledger data.
///
/// It accepts exactly one JSON value, optionally surrounded by whitespace, in
/// well-formed UTF-8 (no byte order mark), and refuses everything RFC 8259
/// does not allow: comments, trailing commas, single quotes, leading zeros,
/// `+1`, `.5`, `1.`, `NaN`, `Infinity`, raw control characters in strings,
/// unknown escapes and unpaired `\u` surrogates. Beyond the grammar it refuses
/// duplicate object keys (as I-JSON, RFC 7493, and RFC 8785 require), numbers
/// that overflow a double, and inputs beyond `Limits`.
///
/// Keys are compared after unescaping, as Swift strings; since Swift compares
/// strings by canonical equivalence, two keys that differ only in Unicode
/// normalization are also reported as duplicates.
///
/// Numbers become the correctly rounded nearest double; `-0` stays `-0.0`.
package enum JSONParser: Sendable {
    /// Bounds on what `parse` accepts, so that hostile input cannot exhaust
    /// the stack or memory.
    package struct Limits: Sendable, Equatable {
        /// Deepest nesting of arrays and objects; the top-level array or
        /// object is depth 1. Parsing recurses once per level, so keep this
        /// in the hundreds at most.
        package var maxDepth: Int = 64
        /// Largest input, in bytes.
        package var maxBytes: Int = 1 << 20
        /// Longest string (member name or value), in UTF-8 bytes after
        /// unescaping.
        package var maxStringBytes: Int = 1 << 18

        /// Limits with the given bounds (defaults: depth 64, 1 MiB input,
        /// 256 KiB strings).
        package init(maxDepth: Int = 64, maxBytes: Int = 1 << 20, maxStringBytes: Int = 1 << 18) {
            self.maxDepth = maxDepth
            self.maxBytes = maxBytes
            self.maxStringBytes = maxStringBytes
        }
    }

    /// Parses one JSON text from UTF-8 bytes.
    ///
    /// - Throws: `JSONError` with the offset of the first fault.
    package static func parse(
        _ bytes: some Collection<UInt8>,
        limits: Limits = .init()
    ) throws(JSONError) -> JSONValue {
        let count = bytes.count
        if count > limits.maxBytes {
            throw JSONError(.tooLarge, at: limits.maxBytes)
        }
        let result =
            bytes.withContiguousStorageIfAvailable { buffer in
                parseBuffer(buffer, limits: limits)
            }
            ?? Array(bytes).withUnsafeBufferPointer { buffer in
                parseBuffer(buffer, limits: limits)
            }
        return try result.get()
    }

    /// Parses one JSON text held in a string (its UTF-8 form).
    ///
    /// - Throws: `JSONError` with the byte offset of the first fault.
    package static func parse(_ text: String, limits: Limits = .init()) throws(JSONError) -> JSONValue {
        try parse(text.utf8, limits: limits)
    }

    /// Parses the one JSON value that starts at `offset` in `buffer` (no whitespace before it) and
    /// returns it with the offset just after it; the bytes after it are not looked at. For readers that
    /// take apart a canonical document they already know the shape of, such as one member of an entry.
    ///
    /// - Throws: `JSONError` with the offset of the first fault.
    package static func parseValue(
        in buffer: UnsafeBufferPointer<UInt8>, at offset: Int, limits: Limits = .init()
    ) throws(JSONError) -> (value: JSONValue, end: Int) {
        var reader = JSONReader(buffer, limits: limits)
        reader.pos = offset
        let value = try reader.parseValue()
        return (value, reader.pos)
    }

    static func parseBuffer(_ buffer: UnsafeBufferPointer<UInt8>, limits: Limits) -> Result<JSONValue, JSONError> {
        var reader = JSONReader(buffer, limits: limits)
        do throws(JSONError) {
            return .success(try reader.parseDocument())
        } catch {
            return .failure(error)
        }
    }
}
