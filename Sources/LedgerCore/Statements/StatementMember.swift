/// Member names that mean the same in several statement bodies.
public enum StatementMember {
    /// `override_reason`: why a lot's balance may go below zero, or a parcel go without an adult's signature.
    /// Any statement that takes stock off a lot may carry it; it is never checked, only reported.
    public static let overrideReason = "override_reason"
}
