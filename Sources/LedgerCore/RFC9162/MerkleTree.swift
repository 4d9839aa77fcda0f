import Crypto

/// The RFC 9162 §2.1 Merkle tree over SHA-256: hashes, roots, audit paths.
///
/// Proofs are generated from stored *perfect subtrees*: the caller answers
/// `subtree(level, index)` with the hash of the 2^level leaves starting at
/// leaf `index << level` (level 0 is the leaf hash itself). Every function
/// asks for O(log n) of them and hashes O(log n) times, whatever the size,
/// so a ledger of millions of entries answers without reading its leaves.
public enum MerkleTree {
    /// Hash of one perfect subtree: `(level, index)` names the 2^level leaves
    /// starting at leaf `index << level`; level 0 is a leaf hash.
    public typealias SubtreeLookup = (_ level: Int, _ index: Int) throws -> Hash

    /// The tree size at which the perfect subtree `(level, index)` is complete, `(index + 1) * 2^level`:
    /// with the level, the key a ledger file stores the subtree under, so that nodes are kept in the order
    /// appends create them.
    public static func subtreeEnd(level: Int, index: Int) -> Int { (index + 1) << level }

    /// MTH of the empty tree: SHA-256 of the empty string.
    public static let emptyRoot = Hash(SHA256.hash(data: [UInt8]()))

    /// The leaf hash `SHA-256(0x00 || entryBytes)`.
    public static func leafHash(_ entryBytes: some Collection<UInt8>) -> Hash {
        if let hash = entryBytes.withContiguousStorageIfAvailable({ leafHash(UnsafeRawBufferPointer($0)) }) {
            return hash
        }
        return Array(entryBytes).withUnsafeBytes { leafHash($0) }
    }

    /// The leaf hash of entry bytes read in place (from a database page or a batch buffer).
    public static func leafHash(_ entryBytes: UnsafeRawBufferPointer) -> Hash {
        SHA256Direct.hash(prefix: 0x00, entryBytes)
    }

    /// The leaf hash of entry bytes stored right after their `0x00` prefix: `prefixed` is `0x00 || entry
    /// bytes`, hashed in one pass (the verifier's batches keep entries that way).
    static func leafHash(prefixed: UnsafeRawBufferPointer) -> Hash {
        precondition(prefixed.first == 0x00, "a leaf's input starts with 0x00")
        return SHA256Direct.hash(prefixed)
    }

    /// The interior node hash `SHA-256(0x01 || left || right)`.
    public static func nodeHash(_ left: Hash, _ right: Hash) -> Hash {
        SHA256Direct.hash(prefix: 0x01, left, right)
    }

    /// The Merkle Tree Hash of already-hashed leaves; `emptyRoot` for none.
    public static func root(leaves: [Hash]) -> Hash {
        var frontier = MerkleFrontier()
        for leaf in leaves { frontier.append(leaf) { _, _, _ in } }
        return frontier.root
    }

    // MARK: - From stored perfect subtrees

    /// The root hash of the first `size` leaves (`emptyRoot` for 0).
    public static func rootHash(size: Int, subtree: SubtreeLookup) throws -> Hash {
        guard size >= 0 else { throw MerkleError.negativeSize(size) }
        if size == 0 { return emptyRoot }
        return try rangeHash(start: 0, count: size, subtree: subtree)
    }

    /// The RFC 9162 §2.1.3.1 inclusion proof of leaf `index` in the tree of
    /// `size` leaves, from the leaf's sibling up to a child of the root.
    public static func inclusionProof(index: Int, size: Int, subtree: SubtreeLookup) throws -> [Hash] {
        guard size >= 0 else { throw MerkleError.negativeSize(size) }
        guard index >= 0, index < size else { throw MerkleError.indexOutOfRange(index: index, size: size) }
        // Walk PATH(m, D[start..<start+n]) from the root down; the recursion
        // emits the deepest sibling first, so the walk is reversed at the end.
        var path: [Hash] = []
        path.reserveCapacity(Int.bitWidth - size.leadingZeroBitCount)
        var start = 0, n = size, m = index
        while n > 1 {
            let k = largestPowerOfTwo(below: n)
            if m < k {
                path.append(try rangeHash(start: start + k, count: n - k, subtree: subtree))
                n = k
            } else {
                path.append(try perfect(start: start, count: k, subtree: subtree))
                start += k; m -= k; n -= k
            }
        }
        path.reverse()
        return path
    }

    /// The RFC 9162 §2.1.4.1 consistency proof from the tree of `oldSize`
    /// leaves to the tree of `newSize` leaves. Empty when `oldSize` is 0 or
    /// equals `newSize`: there is nothing to prove.
    public static func consistencyProof(oldSize: Int, newSize: Int, subtree: SubtreeLookup) throws -> [Hash] {
        guard oldSize >= 0, oldSize <= newSize else { throw MerkleError.invalidSizes(oldSize: oldSize, newSize: newSize) }
        if oldSize == 0 || oldSize == newSize { return [] }
        // SUBPROOF(m, D[start..<start+n], whole) from the root down, reversed at the end.
        var proof: [Hash] = []
        proof.reserveCapacity(Int.bitWidth - newSize.leadingZeroBitCount + 1)
        var start = 0, n = newSize, m = oldSize, whole = true
        while m != n {
            let k = largestPowerOfTwo(below: n)
            if m <= k {
                proof.append(try rangeHash(start: start + k, count: n - k, subtree: subtree))
                n = k
            } else {
                proof.append(try perfect(start: start, count: k, subtree: subtree))
                start += k; m -= k; n -= k
                whole = false
            }
        }
        if !whole { proof.append(try rangeHash(start: start, count: n, subtree: subtree)) }
        proof.reverse()
        return proof
    }

    // MARK: - Verification (RFC 9162 §2.1.3.2, §2.1.4.2)

    /// The root that `proof` leads to from `leaf` at `index` in a tree of
    /// `size` leaves, or nil if the proof has the wrong shape for that position.
    public static func rootFromInclusionProof(leaf: Hash, index: Int, size: Int, proof: [Hash]) -> Hash? {
        guard index >= 0, size > 0, index < size else { return nil }
        var fn = index, sn = size - 1
        var r = leaf
        for p in proof {
            if sn == 0 { return nil }
            if fn & 1 == 1 || fn == sn {
                r = nodeHash(p, r)
                while fn & 1 == 0 && fn != 0 {
                    fn >>= 1
                    sn >>= 1
                }
            } else {
                r = nodeHash(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 ? r : nil
    }

    /// Whether `proof` shows that `leaf` is leaf `index` of the tree of
    /// `size` leaves whose root is `root`.
    public static func verifyInclusion(leaf: Hash, index: Int, size: Int, proof: [Hash], root: Hash) -> Bool {
        rootFromInclusionProof(leaf: leaf, index: index, size: size, proof: proof) == root
    }

    /// Whether `proof` shows that the tree of `newSize` leaves with root
    /// `newRoot` extends the tree of `oldSize` leaves with root `oldRoot`.
    ///
    /// Equal sizes need equal roots and an empty proof; an old size of 0
    /// needs `oldRoot == emptyRoot` and an empty proof.
    public static func verifyConsistency(oldSize: Int, newSize: Int, oldRoot: Hash, newRoot: Hash, proof: [Hash]) -> Bool {
        guard oldSize >= 0, oldSize <= newSize else { return false }
        if oldSize == newSize { return proof.isEmpty && oldRoot == newRoot }
        if oldSize == 0 { return proof.isEmpty && oldRoot == emptyRoot }
        // 1. An empty path fails.
        guard !proof.isEmpty else { return false }
        // 2. If oldSize is a power of two, the old root itself starts the path.
        var path = proof[...]
        let first: Hash
        if oldSize & (oldSize - 1) == 0 {
            first = oldRoot
        } else {
            first = path.removeFirst()
        }
        // 3.–4.
        var fn = oldSize - 1, sn = newSize - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        // 5.
        var fr = first, sr = first
        // 6.
        for c in path {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                fr = nodeHash(c, fr)
                sr = nodeHash(c, sr)
                while fn & 1 == 0 && fn != 0 {
                    fn >>= 1
                    sn >>= 1
                }
            } else {
                sr = nodeHash(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        // 7.
        return sn == 0 && fr == oldRoot && sr == newRoot
    }

    // MARK: - Internals

    /// The largest power of two strictly below `n` (`n >= 2`): RFC 9162's split point k.
    @inline(__always)
    static func largestPowerOfTwo(below n: Int) -> Int {
        1 << (Int.bitWidth - 1 - (n - 1).leadingZeroBitCount)
    }

    /// One stored perfect subtree: `count` is a power of two and `start` a multiple of it.
    @inline(__always)
    static func perfect(start: Int, count: Int, subtree: SubtreeLookup) throws -> Hash {
        let level = count.trailingZeroBitCount
        return try subtree(level, start >> level)
    }

    /// MTH of leaves `start..<start+count`, where `start` is a multiple of the
    /// smallest power of two `>= count` (true of every node RFC 9162's
    /// recursion visits). That range is the perfect subtrees of the binary
    /// digits of `count`, biggest first, folded from the right.
    static func rangeHash(start: Int, count: Int, subtree: SubtreeLookup) throws -> Hash {
        precondition(count > 0)
        var end = start + count
        var rest = count
        var acc: Hash? = nil
        while rest != 0 {
            let level = rest.trailingZeroBitCount
            end -= 1 << level
            rest &= rest - 1
            let h = try subtree(level, end >> level)
            acc = acc.map { nodeHash(h, $0) } ?? h
        }
        return acc!
    }
}
