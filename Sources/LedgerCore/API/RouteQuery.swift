/// The query string and numeric path parameters of csledgerd's routes, read strictly: every number is a
/// run of decimal digits within its range, so no later arithmetic on it can overflow, and every refusal is
/// one sentence naming the parameter. It lives here, without I/O, so the fuzz target `fuzz-route-query`
/// drives exactly what the daemon runs for each route.
package struct RouteQuery: Sendable, Equatable {
    /// Why a query was refused (the daemon answers 400 with `invalid-argument` and the message).
    package struct Refusal: Error, Sendable, Equatable {
        package let message: String
    }

    /// What a parameter holds.
    package enum Kind: Sendable, Equatable {
        /// An entry's seq number, or a count of entries: 0 ... `maxNumber`.
        case seq
        /// A tree size or page size: 1 ... `maxNumber`.
        case positive
        /// `true`, `false`, `1`, `0`, or empty (true).
        case bool
        /// A UTC time or a date (`2026-11-23` or `2026-11-23T14:05:09Z`).
        case time
        /// One of the given words.
        case choice([String])
        /// Free text of at most 200 bytes (a lot number, an NDC, a hash).
        case text
    }

    package struct Parameter: Sendable, Equatable {
        package let name: String
        package let kind: Kind
    }

    /// The largest number any parameter takes: 2^53 - 1, the largest integer JSON carries exactly
    /// (answers give seq numbers and sizes as JSON numbers), far beyond any ledger.
    package static let maxNumber = 9_007_199_254_740_991

    /// Each route's query parameters (routes not listed take none; unknown parameters are ignored, as before).
    package static let parameters: [String: [Parameter]] = [
        "/v1/entries": [Parameter(name: "from", kind: .seq), Parameter(name: "limit", kind: .positive)],
        "/v1/proofs/inclusion/:seq": [Parameter(name: "format", kind: .text)],
        "/v1/proofs/consistency": [Parameter(name: "old_size", kind: .positive)],
        "/v1/inventory": [Parameter(name: "as_of", kind: .time), Parameter(name: "lot", kind: .text)],
        "/v1/lots/:lot": [Parameter(name: "ndc", kind: .text)],
        "/v1/reconciliation": [Parameter(name: "as_of", kind: .time), Parameter(name: "all", kind: .bool),
                               Parameter(name: "verify", kind: .bool), Parameter(name: "format", kind: .choice(["json", "text"])),
                               Parameter(name: "full", kind: .bool)],
        "/v1/sites/reconciliation": [Parameter(name: "as_of", kind: .time), Parameter(name: "all", kind: .bool),
                                     Parameter(name: "verify", kind: .bool), Parameter(name: "format", kind: .choice(["json", "text"]))],
        "/v1/delivery-signers/:ref": [Parameter(name: "signature_image_sha256", kind: .text)],
    ]

    /// Each route's numeric path parameter.
    package static let pathNumbers: [String: Parameter] = [
        "/v1/entries/:seq": Parameter(name: "seq", kind: .seq),
        "/v1/proofs/inclusion/:seq": Parameter(name: "seq", kind: .seq),
    ]

    private var numbers: [String: Int] = [:]
    private var flags: [String: Bool] = [:]
    private var texts: [String: String] = [:]
    private var times: [String: Timestamp] = [:]

    /// Reads the query string `query` (without the `?`; nil or empty for none) of `route` (the route's
    /// path as `LedgerAPI.routes` names it), checking every parameter the route takes.
    package init(route: String, query: String?) throws(Refusal) {
        let wanted = Self.parameters[route] ?? []
        guard let query, !query.isEmpty, !wanted.isEmpty else { return }
        guard query.utf8.count <= 4096 else { throw Refusal(message: "the query string is longer than 4096 bytes") }
        var seen: Set<String> = []
        for pair in query.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let eq = pair.firstIndex(of: UInt8(ascii: "="))
            let rawName = eq.map { pair[pair.startIndex..<$0] } ?? pair[...]
            let rawValue = eq.map { pair[pair.index(after: $0)...] } ?? pair[pair.endIndex...]
            guard let name = Self.percentDecoded(rawName) else { throw Refusal(message: "the query string is not well formed (a bad %-escape)") }
            guard let parameter = wanted.first(where: { $0.name == name }) else { continue }
            guard let value = Self.percentDecoded(rawValue) else {
                throw Refusal(message: "\(name) is not well formed (a bad %-escape)")
            }
            guard seen.insert(name).inserted else { throw Refusal(message: "\(name) is given more than once") }
            try read(parameter, value)
        }
    }

    private mutating func read(_ p: Parameter, _ value: String) throws(Refusal) {
        switch p.kind {
        case .seq: numbers[p.name] = try Self.number(value, name: p.name, kind: .seq)
        case .positive: numbers[p.name] = try Self.number(value, name: p.name, kind: .positive)
        case .bool:
            switch value {
            case "true", "1", "": flags[p.name] = true
            case "false", "0": flags[p.name] = false
            default: throw Refusal(message: "\(p.name) must be true or false")
            }
        case .time:
            guard value.utf8.count <= 40, let t = Timestamp(cutOff: value) else {
                throw Refusal(message: "\(p.name) must be a UTC time or a date")
            }
            times[p.name] = t
        case .choice(let words):
            guard words.contains(value) else { throw Refusal(message: "\(p.name) must be \(words.joined(separator: " or "))") }
            texts[p.name] = value
        case .text:
            guard value.utf8.count <= 200 else { throw Refusal(message: "\(p.name) is longer than 200 bytes") }
            guard !value.unicodeScalars.contains(where: Self.isControl) else {
                throw Refusal(message: "\(p.name) must not contain control characters")
            }
            texts[p.name] = value
        }
    }

    /// A number given as text (a query parameter, a path segment): decimal digits only, at most 16 of them,
    /// within the range of `kind` (`.seq`: 0 ... `maxNumber`; `.positive`: 1 ... `maxNumber`).
    package static func number(_ text: some StringProtocol, name: String, kind: Kind) throws(Refusal) -> Int {
        let low = kind == .positive ? 1 : 0
        let range = "from \(low) to \(maxNumber)"
        guard !text.isEmpty, text.utf8.count <= 16, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            let digits = text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2d || $0 == 0x2b }
            throw Refusal(message: "\(name) must be a whole number \(range)" + (digits && !text.isEmpty ? "" : " (decimal digits only)"))
        }
        var v = 0
        for c in text.utf8 { v = v * 10 + Int(c - 0x30) }  // at most 16 digits: cannot overflow
        guard v >= low, v <= maxNumber else { throw Refusal(message: "\(name) must be a whole number \(range)") }
        return v
    }

    /// The value of number parameter `name`, if given.
    package func number(_ name: String) -> Int? { numbers[name] }
    /// The value of boolean parameter `name`, if given.
    package func flag(_ name: String) -> Bool? { flags[name] }
    /// The value of text or choice parameter `name`, if given.
    package func text(_ name: String) -> String? { texts[name] }
    /// The value of time parameter `name`, if given (a date stands for the last millisecond of that day).
    package func time(_ name: String) -> Timestamp? { times[name] }

    /// C0 (with ESC), DEL, C1, and the Unicode line and paragraph separators.
    static func isControl(_ u: Unicode.Scalar) -> Bool {
        u.value < 0x20 || (0x7f...0x9f).contains(u.value) || u.value == 0x2028 || u.value == 0x2029
    }

    /// `%XX` escapes decoded (`+` stays a plus, as the daemon always read it); nil when an escape is malformed or the result is not UTF-8.
    static func percentDecoded(_ bytes: Substring.UTF8View.SubSequence) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = bytes.startIndex
        func hex(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: c - 0x30
            case 0x41...0x46: c - 0x41 + 10
            case 0x61...0x66: c - 0x61 + 10
            default: nil
            }
        }
        while i < bytes.endIndex {
            let c = bytes[i]
            if c == UInt8(ascii: "%") {
                let a = bytes.index(after: i)
                guard a < bytes.endIndex, bytes.index(after: a) < bytes.endIndex,
                      let h = hex(bytes[a]), let l = hex(bytes[bytes.index(after: a)]) else { return nil }
                out.append(h << 4 | l)
                i = bytes.index(a, offsetBy: 2)
            } else {
                out.append(c)
                i = bytes.index(after: i)
            }
        }
        return String(validating: out, as: UTF8.self)
    }
}
