import LedgerCore

/// What an append returns: the entry's seq and leaf hash.
public struct AppendReceipt: Sendable, Equatable {
    public let seq: Int
    public let leafHash: Hash

    package init(seq: Int, leafHash: Hash) {
        self.seq = seq
        self.leafHash = leafHash
    }
}
