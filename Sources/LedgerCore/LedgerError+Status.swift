/// The one table from an error's code to what a program sees: the command line's exit status and the
/// daemon's HTTP status (README "Exit codes", docs/openapi.yaml). Nothing else maps codes to either.
extension LedgerError.Code {
    /// 1 the ledger disagrees with its signatures (verification failed), 2 bad input, 3 the ledger file or
    /// the server, 4 a key or token problem.
    package var exitStatus: Int32 {
        switch self {
        case .ledgerTampered: return 1
        case .ledgerExists, .ledgerMissing, .ledgerCorrupt, .ledgerChanged, .ledgerReadOnly, .diskFull, .storage,
             .serverUnreachable, .serverUnavailable, .notReady: return 3
        case .keyFileMissing, .keyFileUnreadable, .keyFilePermissions, .keyFileInvalid, .keyFileExists, .publicKeyInvalid,
             .tokenInvalid, .invalidToken, .unauthenticated: return 4
        default: return 2
        }
    }

    /// The status the daemon answers with when this error refuses a request.
    /// (A malformed query, path or body is 400 whatever its code: the daemon says so where it reads them.)
    package var httpStatus: Int {
        switch self {
        case .notFound, .ledgerMissing: return 404
        case .roleNotAllowed, .actorMismatch: return 403
        case .tokenInvalid, .invalidToken, .unauthenticated: return 401
        case .ledgerCorrupt, .ledgerTampered, .ledgerChanged, .storage, .diskFull, .ledgerReadOnly, .notReady, .serverUnavailable: return 503
        case .alreadyEnrolled, .inUse: return 409
        case .bodyTooLarge: return 413
        case .requestTimeout: return 408
        case .invalidJSON: return 400
        default: return 422
        }
    }
}
