import Foundation
import GRDB
import LedgerCore

/// C2SP tlog-tiles read from the stored tree (`merkle_tree`) and entries.
extension LedgerDatabase {
    /// The bytes of `tile` (a hash tile, or an entry bundle when its level is nil), which must exist for the
    /// tree of `size` entries (`TlogTiles.exists`).
    package func tileData(_ tile: TlogTiles.Tile, size: Int) throws -> [UInt8] {
        guard TlogTiles.exists(tile, size: size) else {
            throw LedgerError(.notFound, "\(tile.path) is not a tile of a tree of \(size) entries")
        }
        return try read { db in
            if let level = tile.level {
                var out: [UInt8] = []
                out.reserveCapacity(32 * tile.width)
                try Self.withTreeNodes(db) { lookup in
                    for i in 0..<tile.width {
                        out += try lookup(8 * level, tile.index * TlogTiles.width + i).bytes
                    }
                }
                return out
            }
            let first = tile.index * TlogTiles.width
            var out: [UInt8] = []
            try Self.scan(db, range: first...(first + tile.width - 1), batchSize: TlogTiles.width) { rows in
                for r in rows {
                    guard r.bytes.count <= Int(UInt16.max) else {
                        throw LedgerError(.invalidArgument, "entry \(r.seq) is \(r.bytes.count) bytes, more than a tlog-tiles entry bundle holds (65,535)")
                    }
                    out.append(UInt8(r.bytes.count >> 8))
                    out.append(UInt8(r.bytes.count & 0xFF))
                    out += r.bytes
                }
                return true
            }
            return out
        }
    }
}

extension LedgerDatabase {
    /// The Merkle frontier of the first `size` entries, from the stored tree nodes (untrusted: the caller
    /// compares its root with a signed one).
    package func frontier(size: Int) throws -> MerkleFrontier {
        try read { db in try Self.withTreeNodes(db) { try MerkleFrontier(size: size, subtree: $0) } }
    }
}
