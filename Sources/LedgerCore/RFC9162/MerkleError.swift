/// Why a Merkle tree computation (RFC 9162 §2.1) was refused.
///
/// These are errors in the arguments a caller passed, never in the data:
/// a proof that does not verify makes the `verify…` functions return `false`.
public enum MerkleError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A tree size below zero.
    case negativeSize(Int)
    /// A leaf index outside `0..<size`.
    case indexOutOfRange(index: Int, size: Int)
    /// A consistency proof between sizes that are not `0 <= oldSize <= newSize`.
    case invalidSizes(oldSize: Int, newSize: Int)
    /// A subtree lookup found no stored hash for this perfect subtree.
    case missingSubtree(level: Int, index: Int)

    /// One line, for people.
    public var description: String {
        switch self {
        case .negativeSize(let size):
            return "the tree size \(size) is negative"
        case .indexOutOfRange(let index, let size):
            return "the leaf index \(index) is not in a tree of \(size) leaves"
        case .invalidSizes(let oldSize, let newSize):
            return "no consistency proof exists from a tree of \(oldSize) leaves to one of \(newSize)"
        case .missingSubtree(let level, let index):
            return "no hash is stored for the perfect subtree at level \(level), index \(index)"
        }
    }
}
