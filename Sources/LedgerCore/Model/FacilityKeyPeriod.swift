/// One facility key and the checkpoints it signs: from the tree of `fromTreeSize` entries until the next
/// `facility.key_rotated` entry (the genesis key signs from size 1).
public struct FacilityKeyPeriod: Sendable, Hashable {
    public let fromTreeSize: Int
    public let signer: Signer

    public init(fromTreeSize: Int, signer: Signer) {
        self.fromTreeSize = fromTreeSize
        self.signer = signer
    }
}
