import LedgerCore

/// An RFC 9162 consistency proof between two tree sizes, in the JSON form of SPEC §4:
/// `{"old_size":M,"new_size":N,"path":["<b64>",...]}`.
package struct ConsistencyProof: Sendable, Equatable {
    package let oldSize: Int
    package let newSize: Int
    package let path: [Hash]

    package init(oldSize: Int, newSize: Int, path: [Hash]) {
        self.oldSize = oldSize
        self.newSize = newSize
        self.path = path
    }

    package var json: JSONValue {
        .object(["old_size": .number(Double(oldSize)), "new_size": .number(Double(newSize)), "path": .array(path.map { .string($0.base64) })])
    }

    /// Reads the JSON form; nil when it is not one.
    package init?(json: JSONValue) {
        guard let old = json["old_size"]?.integerValue, let new = json["new_size"]?.integerValue, let items = json["path"]?.arrayValue else { return nil }
        var path: [Hash] = []
        for item in items {
            guard let s = item.stringValue, let h = Hash(base64: s) else { return nil }
            path.append(h)
        }
        self.init(oldSize: old, newSize: new, path: path)
    }
}
