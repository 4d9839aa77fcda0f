/// What an enrolled signer may do.
public enum Role: String, Sendable, Hashable, CaseIterable, Codable {
    /// Enrols and revokes signers; the facility key is one.
    case admin
    /// Receives, dispenses, ships, counts.
    case pharmacist
    /// Administers doses in the clinic.
    case clinician
    /// Counts, reconciles, resolves discrepancies, exports.
    case compliance
    /// Reads checkpoints, proofs and exports.
    case regulator
    /// Witnesses wastes, destructions and counts.
    case witness

    /// Parses a role name, with a clear error listing the valid ones.
    public init(parsing text: String) throws {
        guard let r = Role(rawValue: text.lowercased()) else {
            throw LedgerError(.invalidArgument, "unknown role \"\(text.printablePrefix(40))\"; use one of: \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self = r
    }
}
