import Crypto
import Testing

@testable import LedgerCore

/// RFC 9162 §2.1, transcribed as literally as possible: recursive MTH, PATH
/// and PROOF/SUBPROOF over the raw entries D[n], hashing with swift-crypto
/// directly. Slow and obviously right; the code under test must agree.
private enum Reference {
    static func sha256(_ bytes: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: bytes)) }

    /// k, the largest power of two smaller than n (n > 1).
    static func k(_ n: Int) -> Int {
        var k = 1
        while k * 2 < n { k *= 2 }
        return k
    }

    /// MTH(D[n]).
    static func mth(_ d: ArraySlice<[UInt8]>) -> [UInt8] {
        switch d.count {
        case 0: return sha256([])
        case 1: return sha256([0x00] + d[d.startIndex])
        default:
            let k = k(d.count)
            return sha256([0x01] + mth(d.prefix(k)) + mth(d.dropFirst(k)))
        }
    }

    /// PATH(m, D[n]).
    static func path(_ m: Int, _ d: ArraySlice<[UInt8]>) -> [[UInt8]] {
        if d.count == 1 { return [] }
        let k = k(d.count)
        if m < k { return path(m, d.prefix(k)) + [mth(d.dropFirst(k))] }
        return path(m - k, d.dropFirst(k)) + [mth(d.prefix(k))]
    }

    /// The length of PATH(m, D[n]), from the sizes alone.
    static func pathLength(_ m: Int, _ n: Int) -> Int {
        if n == 1 { return 0 }
        let k = k(n)
        return 1 + (m < k ? pathLength(m, k) : pathLength(m - k, n - k))
    }

    /// The length of PROOF(m, D[n]), from the sizes alone.
    static func proofLength(_ m: Int, _ n: Int, _ b: Bool = true) -> Int {
        if m == n { return b ? 0 : 1 }
        let k = k(n)
        return 1 + (m <= k ? proofLength(m, k, b) : proofLength(m - k, n - k, false))
    }

    /// PROOF(m, D[n]) = SUBPROOF(m, D[n], true).
    static func proof(_ m: Int, _ d: ArraySlice<[UInt8]>) -> [[UInt8]] { subproof(m, d, true) }

    static func subproof(_ m: Int, _ d: ArraySlice<[UInt8]>, _ b: Bool) -> [[UInt8]] {
        if m == d.count { return b ? [] : [mth(d)] }
        let k = k(d.count)
        if m <= k { return subproof(m, d.prefix(k), b) + [mth(d.dropFirst(k))] }
        return subproof(m - k, d.dropFirst(k), false) + [mth(d.prefix(k))]
    }
}

/// 70 entries of assorted lengths, and every perfect subtree over them,
/// computed with the reference.
private struct Fixture {
    static let shared = Fixture(count: 70)

    let entries: [[UInt8]]
    /// perfect[level][index] = MTH of entries [index << level, (index + 1) << level).
    let perfect: [[Hash]]

    init(count: Int) {
        let entries: [[UInt8]] = (0..<count).map { i in
            i == 0 ? [] : Array("entry \(i) ".utf8) + [UInt8](repeating: UInt8(i), count: i % 7)
        }
        var perfect: [[Hash]] = []
        var level = 0
        while 1 << level <= count {
            let width = 1 << level
            perfect.append((0..<(count / width)).map { i in
                Hash(bytes: Reference.mth(entries[(i * width)..<((i + 1) * width)]))!
            })
            level += 1
        }
        self.entries = entries
        self.perfect = perfect
    }

    func root(_ n: Int) -> Hash { Hash(bytes: Reference.mth(entries.prefix(n)))! }
    func leaf(_ i: Int) -> Hash { perfect[0][i] }
}

/// How many subtree lookups an operation made.
private final class Counter {
    var calls = 0
}

private func lookup(_ f: Fixture, size n: Int, counter: Counter) -> MerkleTree.SubtreeLookup {
    { level, index in
        counter.calls += 1
        guard level >= 0, index >= 0, level < f.perfect.count, (index + 1) << level <= n else {
            throw MerkleError.missingSubtree(level: level, index: index)
        }
        return f.perfect[level][index]
    }
}

private func flipped(_ proof: [Hash], at i: Int, bit: Int = 3) -> [Hash] {
    var p = proof
    var b = p[i].bytes
    b[i % 32] ^= UInt8(1 << bit)
    p[i] = Hash(bytes: b)!
    return p
}

/// Bound on subtree lookups for one operation on a tree of n leaves.
private func lookupBound(_ n: Int) -> Int { 2 * (Int.bitWidth - n.leadingZeroBitCount) + 2 }

@Suite("RFC 9162 Merkle tree against a literal reference")
struct MerkleTreeReferenceTests {
    private let f = Fixture.shared

    @Test("hash primitives")
    func primitives() throws {
        #expect(MerkleTree.emptyRoot.hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(MerkleTree.root(leaves: []) == MerkleTree.emptyRoot)
        #expect(try MerkleTree.rootHash(size: 0) { _, _ in Issue.record("no lookup for size 0"); return .zero } == MerkleTree.emptyRoot)
        let e = f.entries[5]
        #expect(MerkleTree.leafHash(e).bytes == Reference.sha256([0] + e))
        #expect(MerkleTree.leafHash(e[...]) == MerkleTree.leafHash(e))  // contiguous slice
        #expect(MerkleTree.leafHash(Set([UInt8(7)])) == MerkleTree.leafHash([7]))  // non-contiguous collection
        let a = f.leaf(1), b = f.leaf(2)
        #expect(MerkleTree.nodeHash(a, b).bytes == Reference.sha256([1] + a.bytes + b.bytes))
    }

    /// The leaf and node hashes call BoringSSL's SHA-256 directly (state on the stack); swift-crypto's
    /// `SHA256` is the reference. Every length across the 64-byte block and padding boundaries, and long
    /// inputs, through each entry point the verifier uses.
    @Test("direct SHA-256 equals swift-crypto's at every length")
    func directSHA256() {
        var rng = SystemRandomNumberGenerator()
        for length in Array(0...300) + [1_000, 4_095, 4_096, 70_000] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let expected = Reference.sha256([0] + bytes)
            #expect(MerkleTree.leafHash(bytes).bytes == expected, "leafHash, \(length) bytes")
            let inPlace = bytes.withUnsafeBytes { MerkleTree.leafHash($0) }
            #expect(inPlace.bytes == expected, "leafHash in place, \(length) bytes")
            let prefixed = ([0] + bytes).withUnsafeBytes { MerkleTree.leafHash(prefixed: $0) }
            #expect(prefixed.bytes == expected, "leafHash(prefixed:), \(length) bytes")
            #expect(bytes.withUnsafeBytes { SHA256Direct.hash($0) }.bytes == Reference.sha256(bytes), "plain, \(length) bytes")
        }
        for _ in 0..<100 {
            let a = Hash(bytes: (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) })!
            let b = Hash(bytes: (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) })!
            #expect(MerkleTree.nodeHash(a, b).bytes == Reference.sha256([1] + a.bytes + b.bytes))
        }
    }

    @Test("roots, frontier, inclusion and consistency proofs for every size", arguments: 1...70)
    func everySize(n: Int) throws {
        let root = f.root(n)
        let leaves = Array(f.perfect[0].prefix(n))
        let counter = Counter()

        // Roots three ways.
        #expect(MerkleTree.root(leaves: leaves) == root)
        #expect(try MerkleTree.rootHash(size: n, subtree: lookup(f, size: n, counter: counter)) == root)
        #expect(counter.calls == n.nonzeroBitCount)

        // Frontier: root after every append; completed nodes are exactly the
        // perfect subtrees, each reported once, when it completes.
        var frontier = MerkleFrontier()
        var reported: Set<[Int]> = []
        for (i, leaf) in leaves.enumerated() {
            let nodes = frontier.append(leaf)
            #expect(nodes.first.map { $0.level == 0 && $0.index == i && $0.hash == leaf } == true)
            for node in nodes {
                #expect(node.hash == f.perfect[node.level][node.index])
                #expect((node.index + 1) << node.level == i + 1, "a node completes on its last leaf")
                #expect(reported.insert([node.level, node.index]).inserted)
            }
            #expect(frontier.size == i + 1)
            #expect(frontier.root == f.root(i + 1))
        }
        let expectedCount = (0..<f.perfect.count).reduce(0) { $0 + (n >> $1) }
        #expect(reported.count == expectedCount)
        #expect(frontier.subtrees.map(\.hash) == frontier.subtrees.map { f.perfect[$0.level][$0.index] })

        // Rebuilt from stored subtrees: identical, and keeps working.
        var rebuilt = try MerkleFrontier(size: n, subtree: lookup(f, size: n, counter: counter))
        #expect(rebuilt == frontier)
        if n < f.entries.count {
            frontier.append(f.leaf(n))
            rebuilt.append(f.leaf(n))
            #expect(rebuilt == frontier)
            #expect(rebuilt.root == f.root(n + 1))
        }

        // Inclusion proofs for every index.
        for i in 0..<n {
            counter.calls = 0
            let proof = try MerkleTree.inclusionProof(index: i, size: n, subtree: lookup(f, size: n, counter: counter))
            #expect(counter.calls <= lookupBound(n))
            let expected = Reference.path(i, f.entries.prefix(n)).map { Hash(bytes: $0)! }
            #expect(proof == expected, "PATH(\(i), D[\(n)])")
            let leaf = f.leaf(i)
            #expect(MerkleTree.verifyInclusion(leaf: leaf, index: i, size: n, proof: proof, root: root))
            #expect(MerkleTree.rootFromInclusionProof(leaf: leaf, index: i, size: n, proof: proof) == root)

            for j in 0..<proof.count {
                #expect(!MerkleTree.verifyInclusion(leaf: leaf, index: i, size: n, proof: flipped(proof, at: j), root: root))
            }
            var flippedLeaf = leaf.bytes
            flippedLeaf[0] ^= 1
            #expect(!MerkleTree.verifyInclusion(leaf: Hash(bytes: flippedLeaf)!, index: i, size: n, proof: proof, root: root))
            for j in [i - 1, i + 1, i ^ 2] where j >= 0 && j < n && j != i {
                #expect(!MerkleTree.verifyInclusion(leaf: leaf, index: j, size: n, proof: proof, root: root), "index \(j) for \(i)")
                #expect(!MerkleTree.verifyInclusion(leaf: f.leaf(j), index: i, size: n, proof: proof, root: root), "leaf \(j) at \(i)")
            }
            // A different size verifies only if it has the same path shape
            // (the root, not the proof, commits to the size); sizes whose
            // path for this index has another length must fail.
            for m in Set([n * 2, n / 2, n + 1, n - 1]) where m > i && m != n && Reference.pathLength(i, m) != proof.count {
                #expect(!MerkleTree.verifyInclusion(leaf: leaf, index: i, size: m, proof: proof, root: root), "size \(m)")
            }
            #expect(!MerkleTree.verifyInclusion(leaf: leaf, index: i, size: n, proof: proof + [root], root: root))
            #expect(!MerkleTree.verifyInclusion(leaf: leaf, index: i, size: n, proof: [root] + proof, root: root))
            if !proof.isEmpty {
                #expect(!MerkleTree.verifyInclusion(leaf: leaf, index: i, size: n, proof: Array(proof.dropLast()), root: root))
            }
            #expect(!MerkleTree.verifyInclusion(leaf: leaf, index: i, size: n, proof: proof, root: MerkleTree.emptyRoot))
        }
        #expect(throws: MerkleError.indexOutOfRange(index: n, size: n)) {
            try MerkleTree.inclusionProof(index: n, size: n, subtree: lookup(f, size: n, counter: counter))
        }
        #expect(throws: MerkleError.indexOutOfRange(index: -1, size: n)) {
            try MerkleTree.inclusionProof(index: -1, size: n, subtree: lookup(f, size: n, counter: counter))
        }
        #expect(!MerkleTree.verifyInclusion(leaf: f.leaf(0), index: n, size: n, proof: [], root: root))

        // Consistency proofs for every 1 <= m <= n.
        for m in 1...n {
            counter.calls = 0
            let proof = try MerkleTree.consistencyProof(oldSize: m, newSize: n, subtree: lookup(f, size: n, counter: counter))
            #expect(counter.calls <= lookupBound(n))
            let expected = Reference.proof(m, f.entries.prefix(n)).map { Hash(bytes: $0)! }
            #expect(proof == expected, "PROOF(\(m), D[\(n)])")
            let oldRoot = f.root(m)
            #expect(MerkleTree.verifyConsistency(oldSize: m, newSize: n, oldRoot: oldRoot, newRoot: root, proof: proof))
            if m == n {
                #expect(proof.isEmpty)
                continue
            }
            for j in 0..<proof.count {
                #expect(!MerkleTree.verifyConsistency(oldSize: m, newSize: n, oldRoot: oldRoot, newRoot: root, proof: flipped(proof, at: j, bit: 4)))
            }
            for m2 in [m - 1, m + 1, m ^ 2] where m2 >= 1 && m2 < n && m2 != m {
                #expect(!MerkleTree.verifyConsistency(oldSize: m2, newSize: n, oldRoot: oldRoot, newRoot: root, proof: proof), "old size \(m2)")
                #expect(!MerkleTree.verifyConsistency(oldSize: m, newSize: n, oldRoot: f.root(m2), newRoot: root, proof: proof), "old root \(m2)")
            }
            // As with inclusion, only the roots commit to the sizes: another
            // new size must fail when its proof has another length.
            for n2 in [n + 1, n - 1, n * 2] where n2 > m && n2 != n && Reference.proofLength(m, n2) != proof.count {
                #expect(!MerkleTree.verifyConsistency(oldSize: m, newSize: n2, oldRoot: oldRoot, newRoot: root, proof: proof), "new size \(n2)")
            }
            #expect(!MerkleTree.verifyConsistency(oldSize: m, newSize: n, oldRoot: root, newRoot: oldRoot, proof: proof))
            #expect(!MerkleTree.verifyConsistency(oldSize: m, newSize: n, oldRoot: oldRoot, newRoot: root, proof: []))
            #expect(!MerkleTree.verifyConsistency(oldSize: m, newSize: n, oldRoot: oldRoot, newRoot: root, proof: Array(proof.dropLast())))
            #expect(!MerkleTree.verifyConsistency(oldSize: m, newSize: n, oldRoot: oldRoot, newRoot: root, proof: proof + [root]))
            #expect(!MerkleTree.verifyConsistency(oldSize: m, newSize: n, oldRoot: oldRoot, newRoot: root, proof: [oldRoot] + proof))
            #expect(!MerkleTree.verifyConsistency(oldSize: m, newSize: n, oldRoot: oldRoot, newRoot: root, proof: [proof[0]] + proof))
        }

        // The trivial cases around size 0 and equal sizes.
        #expect(try MerkleTree.consistencyProof(oldSize: 0, newSize: n, subtree: lookup(f, size: n, counter: counter)) == [])
        #expect(MerkleTree.verifyConsistency(oldSize: 0, newSize: n, oldRoot: MerkleTree.emptyRoot, newRoot: root, proof: []))
        #expect(!MerkleTree.verifyConsistency(oldSize: 0, newSize: n, oldRoot: root, newRoot: root, proof: []))
        #expect(!MerkleTree.verifyConsistency(oldSize: 0, newSize: n, oldRoot: MerkleTree.emptyRoot, newRoot: root, proof: [root]))
        #expect(!MerkleTree.verifyConsistency(oldSize: n, newSize: n, oldRoot: root, newRoot: MerkleTree.emptyRoot, proof: []))
        #expect(!MerkleTree.verifyConsistency(oldSize: n, newSize: n, oldRoot: root, newRoot: root, proof: [root]))
        #expect(!MerkleTree.verifyConsistency(oldSize: n, newSize: n - 1, oldRoot: root, newRoot: root, proof: []))
        #expect(throws: MerkleError.invalidSizes(oldSize: n + 1, newSize: n)) {
            try MerkleTree.consistencyProof(oldSize: n + 1, newSize: n, subtree: lookup(f, size: n, counter: counter))
        }
    }

    @Test("argument errors")
    func argumentErrors() {
        #expect(throws: MerkleError.negativeSize(-1)) { try MerkleTree.rootHash(size: -1) { _, _ in .zero } }
        #expect(throws: MerkleError.negativeSize(-2)) { try MerkleFrontier(size: -2) { _, _ in .zero } }
        #expect(throws: MerkleError.invalidSizes(oldSize: -1, newSize: 3)) {
            try MerkleTree.consistencyProof(oldSize: -1, newSize: 3) { _, _ in .zero }
        }
        #expect(throws: MerkleError.indexOutOfRange(index: 0, size: 0)) {
            try MerkleTree.inclusionProof(index: 0, size: 0) { _, _ in .zero }
        }
        #expect(MerkleError.indexOutOfRange(index: 5, size: 3).description == "the leaf index 5 is not in a tree of 3 leaves")
        // A lookup's own error comes through unchanged.
        #expect(throws: MerkleError.missingSubtree(level: 2, index: 0)) {
            try MerkleTree.rootHash(size: 4) { level, index in throw MerkleError.missingSubtree(level: level, index: index) }
        }
    }

    @Test("a failing completion handler leaves the frontier unchanged")
    func appendIsAtomic() {
        struct Stop: Error {}
        var frontier = MerkleFrontier()
        for i in 0..<7 { frontier.append(f.leaf(i)) }
        let before = frontier
        #expect(throws: Stop.self) {
            try frontier.append(f.leaf(7)) { level, _, _ in if level == 2 { throw Stop() } }
        }
        #expect(frontier == before)
    }
}

@Suite("Large trees from stored subtrees")
struct MerkleTreeScaleTests {
    /// A consistent store of a huge tree whose leaves are all equal, so every
    /// perfect subtree of one level has the same hash: O(1) per lookup.
    private static let levels: [Hash] = {
        var l = [MerkleTree.leafHash(Array("same".utf8))]
        for _ in 1..<(Int.bitWidth - 1) { l.append(MerkleTree.nodeHash(l.last!, l.last!)) }
        return l
    }()

    private static func synthetic(size: Int, counter: Counter) -> MerkleTree.SubtreeLookup {
        { level, index in
            counter.calls += 1
            guard level >= 0, index >= 0, level < levels.count, (index + 1) << level <= size else {
                throw MerkleError.missingSubtree(level: level, index: index)
            }
            return levels[level]
        }
    }

    @Test("proofs in a million-entry tree need O(log n) lookups", arguments: [1_000_000, 1_048_576, (1 << 40) + 12345])
    func million(size: Int) throws {
        let counter = Counter()
        let lookup = Self.synthetic(size: size, counter: counter)
        let root = try MerkleTree.rootHash(size: size, subtree: lookup)
        for index in [0, 1, size / 3, size - 2, size - 1] {
            counter.calls = 0
            let proof = try MerkleTree.inclusionProof(index: index, size: size, subtree: lookup)
            #expect(counter.calls <= lookupBound(size))
            let leaf = try lookup(0, index)
            #expect(MerkleTree.verifyInclusion(leaf: leaf, index: index, size: size, proof: proof, root: root))
        }
        for oldSize in [1, 2, 3, size / 2, size / 2 + 1, size - 1] {
            counter.calls = 0
            let proof = try MerkleTree.consistencyProof(oldSize: oldSize, newSize: size, subtree: lookup)
            #expect(counter.calls <= lookupBound(size))
            let oldRoot = try MerkleTree.rootHash(size: oldSize, subtree: lookup)
            #expect(MerkleTree.verifyConsistency(oldSize: oldSize, newSize: size, oldRoot: oldRoot, newRoot: root, proof: proof))
        }
        let frontier = try MerkleFrontier(size: size, subtree: lookup)
        #expect(frontier.root == root)
        #expect(frontier.size == size)
    }
}

@Suite("RFC 6962 known answers (transparency-dev/merkle test data)")
struct MerkleTreeKnownAnswerTests {
    // Leaf inputs, root hashes for sizes 0...8 and node hashes as published in
    // transparency-dev/merkle testonly/constants.go; the proofs are those of
    // its proof/verify_test.go (whose leaf numbers are 1-based).
    static let inputs = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
        .map { Hex.decode($0)! }
    static let roots = [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ].map { Hash(hex: $0)! }
    static let nodes: [[Hash]] = [
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
            "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
        ],
        [
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        ],
        [
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
        ["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
    ].map { $0.map { Hash(hex: $0)! } }

    static func store(size: Int) -> MerkleTree.SubtreeLookup {
        { level, index in
            guard (index + 1) << level <= size else { throw MerkleError.missingSubtree(level: level, index: index) }
            return nodes[level][index]
        }
    }

    static func h(_ hex: String) -> Hash { Hash(hex: hex)! }

    @Test("leaf hashes, roots and completed nodes")
    func roots() throws {
        let leaves = Self.inputs.map { MerkleTree.leafHash($0) }
        #expect(leaves == Self.nodes[0])
        var frontier = MerkleFrontier()
        #expect(frontier.root == Self.roots[0])
        for (i, leaf) in leaves.enumerated() {
            for node in frontier.append(leaf) {
                #expect(node.hash == Self.nodes[node.level][node.index])
            }
            #expect(frontier.root == Self.roots[i + 1])
            #expect(MerkleTree.root(leaves: Array(leaves.prefix(i + 1))) == Self.roots[i + 1])
            #expect(try MerkleTree.rootHash(size: i + 1, subtree: Self.store(size: i + 1)) == Self.roots[i + 1])
        }
    }

    @Test("published inclusion proofs", arguments: [
        (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
        (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
        (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
        (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    ])
    func inclusion(index: Int, size: Int, path: [String]) throws {
        let expected = path.map(Self.h)
        #expect(try MerkleTree.inclusionProof(index: index, size: size, subtree: Self.store(size: size)) == expected)
        #expect(MerkleTree.verifyInclusion(leaf: Self.nodes[0][index], index: index, size: size, proof: expected, root: Self.roots[size]))
    }

    @Test("published consistency proofs", arguments: [
        (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
        (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
        (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
        (6, 7, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
        (1, 1, []),
    ])
    func consistency(oldSize: Int, newSize: Int, path: [String]) throws {
        let expected = path.map(Self.h)
        #expect(try MerkleTree.consistencyProof(oldSize: oldSize, newSize: newSize, subtree: Self.store(size: newSize)) == expected)
        #expect(MerkleTree.verifyConsistency(oldSize: oldSize, newSize: newSize, oldRoot: Self.roots[oldSize],
                                             newRoot: Self.roots[newSize], proof: expected))
    }
}
