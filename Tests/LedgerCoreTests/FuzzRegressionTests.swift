import Foundation
import Testing
@testable import LedgerCore

/// Inputs the fuzz targets (Fuzz/) found, kept so the fixes stay fixed.
@Suite("Fuzz findings")
struct FuzzRegressionTests {
    /// fuzz-http-statement: a statement member name holding "\\n" was echoed into the error, making a
    /// multi-line message (and letting a client forge lines in logs and CLI output).
    @Test("an unknown member with control characters gives a one-line refusal")
    func unknownMemberNewline() throws {
        let bytes = Array(try #require(Data(base64Encoded: "eyJzdGF0ZW1lbnQiOnsiYWNzaXRtZVxudHNhdG50dGVtZXRlbWVcbnNlbWVcbnR0dGVtZVxuZW1cbnRzaXRudHRlbWVcbnRudHRlbWVcbmV0ZW1lXG5zZW1lXG50dFxudHNlbWVhdG50dGVtZXRlbWVcbnNlbWVcbnR0dGVtZVxuZW1cbnRzaXRuZXRlbWVcbnNlbSI6InRlM3Qubm90ZSIsInYiOjF9LCJzaWdzIjpbeyJrZXkiOiI1NmM0NTUxNTU4NWRmYWMwNWRmYTU4NzllZWUwYWU3OWYxNzZkNDRhM2ViMTNkMmJhNGU1NTJiNGRiM2ExY2JiIiwic2lnIjoiNjM3RVhBelNQY1ZLU0ZSSnNuTFFGVDN6MXQ3TjlXL1FKbUVEYjV4VGJrSzRxWmdWVFlUM2FIV0JGOEppa1ZiS3h0c2lNK25rNk9ScUVYYkxJblBDRGc9PSJ9XX0=")))
        do {
            _ = try StatementSubmission.decode(bytes, maxBytes: 1 << 20)
            Issue.record("accepted")
        } catch {
            #expect(error.code == .invalidStatement)
            #expect(!error.message.contains("\n") && !error.message.contains("\r"), "\(error.message)")
            #expect(error.message.contains("unknown member"))
        }
        #expect(throws: LedgerError.self) { try Statement(json: ["a\r\nb": "x", "v": 1]) }
        do { _ = try Statement(json: ["x\ny": "1"]) } catch let e as LedgerError { #expect(!e.message.contains("\n")) }
    }

    /// fuzz-http-statement, second finding: the same through an invalid statement type (and, by reading the
    /// code, an unknown entry member and an unknown role name).
    @Test("an invalid statement type with control characters gives a one-line refusal")
    func typeNewline() throws {
        let bytes = Array(try #require(Data(base64Encoded: "eyJzdGF0ZW1lbnQiOnsiYWN0b3IiOiI1NmM0NTUxNTU4NWRmYWMwNWRmYTU4NzllZWUwYWU3OWYxNzZkNDRhM2IzYjJkMWVhNGU1NTJiNGRiM2ExY2JiIiwiYm9keSI6eyJ0ZXh0IjoieCJ9LCJ0aW1lIjoiMjAyNi0xMS0yM1QxMjoyOToyOS42ODhaIiwidHlwZSI6InRlc3QubnRudHRlc2VtZVxudHR0ZW1lXG5lbWVcbnRzYXRudHRlbWN0ZW1lXG50c2VtZVxudHR0ZW1lXG5udGVcbnR0dGVtZVxuZW1cbnRvdGUiLCJ2IjoxfSwic2lncyI6W3sia2V5IjoicTJjNDU1MTU1ODVkZmFjMDVkZmE1ODc5ZWVlMGFlNzlmMTc2ZDQ0YTNlYjEyZDJiYTRlNTUyYjRkYjNhMWNiYiIsInNpZyI6ImtJSmlrVmJLeHRzaU0rbms2T0VxYlhMSW5QQ0RnPT0ifV19")))
        do {
            _ = try StatementSubmission.decode(bytes, maxBytes: 1 << 20)
            Issue.record("accepted")
        } catch {
            #expect(!error.message.contains("\n"), "\(error.message)")
        }
        do { _ = try Role(parsing: "admin\nroot") } catch let e as LedgerError { #expect(!e.message.contains("\n")) }
    }
}
