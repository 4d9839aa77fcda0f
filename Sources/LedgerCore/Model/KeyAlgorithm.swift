/// The algorithm a PEM key file holds, read from its label and the algorithm identifier of its PKCS#8 or
/// SubjectPublicKeyInfo structure, so a key of another type is refused by name (issue 18: an X25519 key
/// was read as an Ed25519 key, because both are 32 bytes, and failed much later as "not enrolled").
package enum KeyAlgorithm: Equatable, Sendable {
    case ed25519
    /// Any other algorithm, by name (`X25519`, `RSA`, `EC (P-256)` ...).
    case other(String)
    /// Not a key PEM csledger can read.
    case unreadable

    /// Ed25519 is 1.3.101.112; the other ids csledger names when it refuses a key.
    static let names: [[UInt8]: String] = [
        [0x2b, 0x65, 0x70]: "Ed25519",
        [0x2b, 0x65, 0x6e]: "X25519",
        [0x2b, 0x65, 0x6f]: "X448",
        [0x2b, 0x65, 0x71]: "Ed448",
        [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01]: "RSA",
        [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a]: "RSA-PSS",
        [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01]: "EC",
        [0x2a, 0x86, 0x48, 0xce, 0x38, 0x04, 0x01]: "DSA",
        [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x03, 0x01]: "DH",
    ]

    /// The algorithm of the first key block in `pem` (a private or public key).
    package static func of(pem: String) -> KeyAlgorithm {
        guard let begin = pem.range(of: "-----BEGIN ") else { return .unreadable }
        let afterBegin = pem[begin.upperBound...]
        guard let labelEnd = afterBegin.range(of: "-----") else { return .unreadable }
        let label = afterBegin[..<labelEnd.lowerBound]
        switch label {
        case "RSA PRIVATE KEY", "RSA PUBLIC KEY": return .other("RSA")
        case "EC PRIVATE KEY": return .other("EC")
        case "DSA PRIVATE KEY": return .other("DSA")
        case "OPENSSH PRIVATE KEY": return .other("OpenSSH")
        case "ENCRYPTED PRIVATE KEY": return .other("encrypted (password-protected)")
        case "PRIVATE KEY", "PUBLIC KEY": break
        default: return .unreadable
        }
        let body = afterBegin[labelEnd.upperBound...]
        guard let end = body.range(of: "-----END ") else { return .unreadable }
        let base64 = body[..<end.lowerBound].filter { !$0.isWhitespace }
        guard let der = Base64.decode(base64), let oid = algorithmOID(der, isPrivate: label == "PRIVATE KEY") else { return .unreadable }
        guard let name = names[oid] else { return .other("unknown algorithm \(dotted(oid))") }
        return name == "Ed25519" ? .ed25519 : .other(name)
    }

    /// The algorithm OID's content bytes: PKCS#8 is SEQUENCE { INTEGER, SEQUENCE { OID, ... }, ... },
    /// SubjectPublicKeyInfo is SEQUENCE { SEQUENCE { OID, ... }, BIT STRING }.
    static func algorithmOID(_ der: [UInt8], isPrivate: Bool) -> [UInt8]? {
        var r = DERReader(bytes: der)
        guard var outer = r.enter(tag: 0x30) else { return nil }
        if isPrivate { guard outer.skip(tag: 0x02) else { return nil } }
        guard var algorithm = outer.enter(tag: 0x30), let oid = algorithm.read(tag: 0x06), !oid.isEmpty else { return nil }
        return oid
    }

    static func dotted(_ oid: [UInt8]) -> String {
        guard let first = oid.first else { return "?" }
        var parts = ["\(first / 40)", "\(first % 40)"]
        var v: UInt64 = 0
        for b in oid.dropFirst() {
            guard v < (1 << 56) else { return "?" }
            v = v << 7 | UInt64(b & 0x7f)
            if b & 0x80 == 0 { parts.append("\(v)"); v = 0 }
        }
        return parts.joined(separator: ".")
    }

    /// Just enough DER to find an algorithm identifier: definite lengths, bounds checked.
    struct DERReader {
        let bytes: [UInt8]
        var at: Int
        let end: Int

        init(bytes: [UInt8], at: Int = 0, end: Int? = nil) {
            self.bytes = bytes
            self.at = at
            self.end = end ?? bytes.count
        }

        /// The content range of the element at the cursor with `tag`, moving past it.
        mutating func element(tag: UInt8) -> Range<Int>? {
            guard at + 2 <= end, bytes[at] == tag else { return nil }
            var i = at + 1
            var length = Int(bytes[i])
            i += 1
            if length & 0x80 != 0 {
                let n = length & 0x7f
                guard (1...3).contains(n), i + n <= end else { return nil }
                length = 0
                for _ in 0..<n { length = length << 8 | Int(bytes[i]); i += 1 }
            }
            guard length <= end - i else { return nil }
            at = i + length
            return i..<(i + length)
        }

        mutating func enter(tag: UInt8) -> DERReader? {
            element(tag: tag).map { DERReader(bytes: bytes, at: $0.lowerBound, end: $0.upperBound) }
        }

        mutating func skip(tag: UInt8) -> Bool { element(tag: tag) != nil }

        mutating func read(tag: UInt8) -> [UInt8]? { element(tag: tag).map { Array(bytes[$0]) } }
    }
}
