/// C2SP tlog-tiles (c2sp.org/tlog-tiles): the log as static files.
///
/// - `tile/<L>/<N>` holds 256 consecutive hashes at tile level L (full), `tile/<L>/<N>.p/<W>` the first W
///   (partial, 1 to 255). At level 0 they are leaf hashes; hash i of tile N at level L is the Merkle tree
///   hash of leaves `(N*256+i)*256^L ..< (N*256+i+1)*256^L`, a perfect subtree of height 8L.
/// - `tile/entries/<N>[.p/<W>]` holds the entries of the level-0 tile N, each as a big-endian uint16 length
///   and the entry's bytes (for this ledger: the entry's canonical bytes, whose leaf hash is
///   `sha256(0x00 || bytes)`).
/// - N is written in 3-digit groups, every group but the last prefixed `x`: 1234067 is `x001/x234/067`.
package enum TlogTiles {
    /// Hashes in a full tile.
    package static let width = 256

    /// One tile (or entry bundle when `level` is nil) of a tree: its index and width (256 when full).
    package struct Tile: Sendable, Hashable {
        package let level: Int?
        package let index: Int
        package let width: Int
        package init(level: Int?, index: Int, width: Int) {
            self.level = level
            self.index = index
            self.width = width
        }
        /// Its path below the log's prefix, e.g. `tile/0/x001/234.p/7` or `tile/entries/000`.
        package var path: String {
            "tile/" + (level.map(String.init) ?? "entries") + "/" + TlogTiles.encode(index) + (width < TlogTiles.width ? ".p/\(width)" : "")
        }
    }

    /// `index` as zero-padded 3-digit path elements, all but the last starting with `x`.
    package static func encode(_ index: Int) -> String {
        var groups: [String] = []
        var n = index
        repeat {
            let g = String(n % 1000)
            groups.insert(String(repeating: "0", count: 3 - g.count) + g, at: 0)
            n /= 1000
        } while n > 0
        return groups.enumerated().map { $0.offset < groups.count - 1 ? "x" + $0.element : $0.element }.joined(separator: "/")
    }

    /// 256^level, or nil past Int's range.
    static func span(_ level: Int) -> Int? {
        guard level >= 0, level < 8 else { return nil }
        return 1 << (8 * level)
    }

    /// Every tile and entry bundle a tree of `size` entries is served as: the full ones and, at each level,
    /// the partial one of that size (none where it would be empty).
    package static func tiles(size: Int) -> [Tile] {
        var out: [Tile] = []
        var level = 0
        while let span = span(level), size / span > 0 {
            let hashes = size / span
            for n in 0..<(hashes / width) { out.append(Tile(level: level, index: n, width: width)) }
            if hashes % width > 0 { out.append(Tile(level: level, index: hashes / width, width: hashes % width)) }
            level += 1
        }
        let full = size / width
        for n in 0..<full { out.append(Tile(level: nil, index: n, width: width)) }
        if size % width > 0 { out.append(Tile(level: nil, index: full, width: size % width)) }
        return out
    }

    /// Parses a path below the prefix (`tile/0/x001/234.p/7`, `tile/entries/005`); nil if it is not one.
    package static func parse(_ path: String) -> Tile? {
        var parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 3, parts[0] == "tile" else { return nil }
        let level: Int?
        if parts[1] == "entries" { level = nil } else {
            guard let l = decimal(parts[1]), l < 64 else { return nil }
            level = l
        }
        parts.removeFirst(2)
        var width = TlogTiles.width
        if parts.count >= 2, parts[parts.count - 2].hasSuffix(".p") {
            guard let w = decimal(parts[parts.count - 1]), (1..<TlogTiles.width).contains(w) else { return nil }
            width = w
            parts.removeLast()
            parts[parts.count - 1] = String(parts[parts.count - 1].dropLast(2))
        }
        var index = 0
        for (i, p) in parts.enumerated() {
            let last = i == parts.count - 1
            let digits = last ? p : (p.hasPrefix("x") ? String(p.dropFirst()) : "")
            guard digits.count == 3, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let d = Int(digits) else { return nil }
            guard index <= (Int.max - d) / 1000 else { return nil }
            index = index * 1000 + d
        }
        guard !parts.isEmpty, encode(index) == parts.joined(separator: "/") else { return nil }
        return Tile(level: level, index: index, width: width)
    }

    static func decimal(_ s: String) -> Int? {
        guard !s.isEmpty, s.count <= 3, s.allSatisfy({ $0.isASCII && $0.isNumber }), s == "0" || !s.hasPrefix("0") else { return nil }
        return Int(s)
    }

    /// Whether `tile` exists for a tree of `size` entries (a full tile, or a partial one of a size up to it).
    package static func exists(_ tile: Tile, size: Int) -> Bool {
        guard let span = span(tile.level ?? 0) else { return false }
        let hashes = size / span
        let (end, o) = tile.index.multipliedReportingOverflow(by: width)
        guard !o, tile.index >= 0 else { return false }
        return end + tile.width <= hashes
    }
}
