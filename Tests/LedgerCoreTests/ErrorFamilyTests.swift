import Testing
@testable import LedgerCore

/// The one error family (issue 19): one table from codes to exit and HTTP statuses, and the parsers' own
/// errors brought into it with themselves as the cause.
@Suite("Error family")
struct ErrorFamilyTests {
    @Test("every code maps to a documented exit status and an HTTP error status")
    func everyCodeIsMapped() {
        for code in LedgerError.Code.allCases {
            #expect([1, 2, 3, 4].contains(code.exitStatus), "\(code)")
            #expect((400...599).contains(code.httpStatus), "\(code)")
        }
        // The README's contract: 1 is only ever "the ledger disagrees with its signatures".
        #expect(LedgerError.Code.allCases.filter { $0.exitStatus == 1 } == [.ledgerTampered])
        #expect(LedgerError.Code.invalidToken.exitStatus == 4 && LedgerError.Code.invalidToken.httpStatus == 401)
        #expect(LedgerError.Code.inUse.httpStatus == 409 && LedgerError.Code.ledgerTampered.httpStatus == 503)
    }

    @Test("a parser's error becomes invalid input, keeping it as the cause; other errors are not guessed at")
    func converting() throws {
        let identifier = try #require(LedgerError(converting: IdentifierError(.invalidNDC, "NDC 123 is not in a known layout")))
        #expect(identifier.code == .invalidArgument)
        #expect(identifier.cause is IdentifierError)
        let json = try #require(LedgerError(converting: JSONError(.duplicateKey, at: 3)))
        #expect(json.code == .invalidArgument && json.cause is JSONError)
        struct Other: Error {}
        #expect(LedgerError(converting: Other()) == nil)
    }

    @Test("a date as a cut-off means the end of that day; a time stays as given")
    func cutOff() throws {
        #expect(Timestamp(cutOff: "2026-03-01")?.description == "2026-03-01T23:59:59.999Z")
        #expect(Timestamp(cutOff: "2026-03-01T10:00:00Z")?.description == "2026-03-01T10:00:00.000Z")
        #expect(Timestamp(cutOff: "2026-02-30") == nil)
        #expect(Timestamp(millisecondsSinceEpoch: -1).endOfDay.description == "1969-12-31T23:59:59.999Z")
    }
}
