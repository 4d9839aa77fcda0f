import Foundation
import LedgerCore
import PostgresNIO

/// A ledger's rows read straight from PostgreSQL for `LedgerVerifier`, in chunks of seq numbers that several
/// readers (each on a connection of its own) prepare at once, without a mirror.
///
/// `csledger verify` uses it when this process keeps no mirror of the ledger yet: building one checks every row
/// through the append path (the rules, the projections, every table written) before verification could even
/// start, three times the work of verifying. Nothing here is trusted: the rows go to the same verifier as a
/// file's, which checks every signature, the chain, the Merkle tree and every checkpoint.
package struct PostgresScan: Sendable {
    package let address: PostgresAddress
    package let origin: String
    /// The last seq + 1 (0 when the ledger has no entry), as a file's size.
    package let entries: Int
    /// The rows there are (a damaged ledger may skip seq numbers).
    package let rows: Int
    /// Chunk `k` holds the seq numbers `bounds[k] ..< bounds[k + 1]`.
    let bounds: [Int]
    /// Every stored checkpoint (tree size, note), in tree-size order; read as a signed note by the reader of
    /// the chunk it falls in.
    let checkpoints: [(size: Int, note: String)]

    package var chunkCount: Int { bounds.count - 1 }
    /// The stored checkpoints that commit to more entries than there are.
    package var checkpointsBeyond: [LedgerVerifier.StoredCheckpoint] { stored(sizes: entries + 1...Int.max) }

    /// The stored checkpoints whose tree size is in `sizes`.
    func stored(sizes: ClosedRange<Int>) -> [LedgerVerifier.StoredCheckpoint] {
        // The first at or above the lower bound, by halving (a ledger fed by csledgerd has a checkpoint every few entries).
        var (low, high) = (0, checkpoints.count)
        while low < high {
            let mid = (low + high) / 2
            if checkpoints[mid].size < sizes.lowerBound { low = mid + 1 } else { high = mid }
        }
        return checkpoints[low...].prefix { $0.size <= sizes.upperBound }.map { LedgerVerifier.StoredCheckpoint(treeSize: $0.size, note: $0.note) }
    }

    /// Plans a read of every entry of the ledger `address` names, in chunks of about `chunkRows` rows.
    package init(_ address: PostgresAddress, chunkRows: Int) throws {
        precondition(chunkRows > 0)
        self.address = address
        origin = try address.requireOrigin()
        let store = try PostgresStore(address)
        guard try store.headSize(origin: origin) != nil else {
            throw LedgerError(.ledgerMissing, "the database holds no ledger \(origin) (csledger ledgers lists those it holds)")
        }
        let session = store.session
        let span = try session.run("SELECT min(seq), max(seq), count(*) FROM entries WHERE origin = \(origin)").first
            .map { try $0.decode((Int?, Int?, Int).self) } ?? (nil, nil, 0)
        checkpoints = try session.run("SELECT size, note FROM checkpoints WHERE origin = \(origin) ORDER BY size").map { row in
            let (size, note) = try row.decode((Int, String).self)
            return (size, note)
        }
        rows = span.2
        guard let first = span.0, let last = span.1 else {
            (entries, bounds) = (0, [0])
            return
        }
        // From seq 0 (or below it, if a row was stored there) to the last, so that the chunks cover every size a
        // checkpoint may commit to; cut by arithmetic unless a seq far beyond the rows (a forged one) would make
        // the chunks many and empty, then at the rows that exist.
        let start = min(first, 0), end = last + 1
        entries = end
        if end - start <= 2 * rows + chunkRows {
            bounds = Array(stride(from: start, to: end, by: chunkRows)) + [end]
        } else {
            let seqs = try session.run("SELECT seq FROM entries WHERE origin = \(origin) ORDER BY seq").map { try $0.decode(Int.self) }
            bounds = stride(from: 0, to: seqs.count, by: chunkRows).map { $0 == 0 ? start : seqs[$0] } + [end]
        }
    }

    /// Reads chunks on one connection of its own.
    package func reader() -> Reader { Reader(scan: self) }

    package final class Reader {
        let scan: PostgresScan
        let session: PostgresSession

        init(scan: PostgresScan) {
            self.scan = scan
            session = PostgresSession(address: scan.address)
        }

        /// Chunk `k`, each row prepared for the verifier as it is read, with the stored checkpoints whose tree size
        /// falls in it (sizes `lo + 1 ... hi` for seq numbers `lo ..< hi`; the first chunk also takes any smaller size).
        package func chunk(_ k: Int, options: LedgerVerifier.Options) throws -> (LedgerVerifier.Prepared, [LedgerVerifier.StoredCheckpoint]) {
            let lo = scan.bounds[k], hi = scan.bounds[k + 1]
            var builder = LedgerVerifier.Builder(options: options, rows: min(hi - lo, 1 << 16))
            for row in try session.run("SELECT seq, bytes, leaf_hash FROM entries WHERE origin = \(scan.origin) AND seq >= \(lo) AND seq < \(hi) ORDER BY seq") {
                let (seq, bytes, leaf) = try row.decode((Int, ByteBuffer, ByteBuffer).self)
                bytes.withUnsafeReadableBytes { b in
                    leaf.withUnsafeReadableBytes { l in builder.add(seq: seq, bytes: b, storedLeafHash: l) }
                }
            }
            let from = k == 0 ? Int.min : lo + 1
            return (builder.finish(), scan.stored(sizes: from...hi))
        }
    }
}
