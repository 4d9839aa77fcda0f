import LedgerCore

/// One discrepancy the reconciliation found (placeholder until the rules land).
public struct Finding: Sendable, Hashable {
    public let id: String
    public let rule: Int
    public let message: String
}
