/// The right edge of an RFC 9162 Merkle tree (a "compact range"): the roots
/// of the perfect subtrees that cover leaves `0..<size`, one per set bit of
/// `size`, biggest first. Enough to append leaves and compute the root
/// without keeping the leaves.
///
/// `append` costs one leaf plus, amortised, one node hash; `root` costs
/// one node hash per set bit of `size` (at most 63).
public struct MerkleFrontier: Sendable, Equatable {
    /// Subtree roots, leftmost (biggest) first.
    private var stack: [Hash]

    /// The number of leaves appended so far.
    public private(set) var size: Int

    /// The empty tree.
    public init() {
        stack = []
        size = 0
    }

    /// Rebuilds the frontier of a tree of `size` leaves from its stored
    /// perfect subtrees: one lookup per set bit of `size`.
    public init(size: Int, subtree: MerkleTree.SubtreeLookup) throws {
        guard size >= 0 else { throw MerkleError.negativeSize(size) }
        var stack: [Hash] = []
        stack.reserveCapacity(size.nonzeroBitCount)
        var start = 0
        var level = Int.bitWidth - 2
        while level >= 0 {
            if (size >> level) & 1 == 1 {
                stack.append(try subtree(level, start >> level))
                start += 1 << level
            }
            level -= 1
        }
        self.stack = stack
        self.size = size
    }

    /// Appends a leaf hash and reports, lowest level first, every perfect
    /// subtree this append completes: the leaf itself `(0, oldSize, leaf)`,
    /// then each parent whose right half it finished. These are exactly the
    /// hashes a store must keep to answer `MerkleTree`'s subtree lookups.
    ///
    /// If `completed` throws, the frontier is left unchanged.
    public mutating func append(
        _ leaf: Hash,
        completed: (_ level: Int, _ index: Int, _ hash: Hash) throws -> Void
    ) rethrows {
        var hash = leaf
        var level = 0
        var index = size
        try completed(0, index, hash)
        var merged = 0
        while (size >> level) & 1 == 1 {
            merged += 1
            hash = MerkleTree.nodeHash(stack[stack.count - merged], hash)
            level += 1
            index >>= 1
            try completed(level, index, hash)
        }
        stack.removeLast(merged)
        stack.append(hash)
        size += 1
    }

    /// Appends a leaf hash and returns the perfect subtrees it completed,
    /// lowest level first (see `append(_:completed:)`).
    @discardableResult
    public mutating func append(_ leaf: Hash) -> [(level: Int, index: Int, hash: Hash)] {
        var nodes: [(level: Int, index: Int, hash: Hash)] = []
        append(leaf) { level, index, hash in nodes.append((level, index, hash)) }
        return nodes
    }

    /// The Merkle Tree Hash of all leaves so far; `MerkleTree.emptyRoot` for none.
    public var root: Hash {
        guard var acc = stack.last else { return MerkleTree.emptyRoot }
        var i = stack.count - 2
        while i >= 0 {
            acc = MerkleTree.nodeHash(stack[i], acc)
            i -= 1
        }
        return acc
    }

    /// The perfect subtrees that make up the right edge, biggest first.
    public var subtrees: [(level: Int, index: Int, hash: Hash)] {
        var out: [(level: Int, index: Int, hash: Hash)] = []
        out.reserveCapacity(stack.count)
        var start = 0
        var level = Int.bitWidth - 2
        var i = 0
        while level >= 0 {
            if (size >> level) & 1 == 1 {
                out.append((level, start >> level, stack[i]))
                start += 1 << level
                i += 1
            }
            level -= 1
        }
        return out
    }
}
