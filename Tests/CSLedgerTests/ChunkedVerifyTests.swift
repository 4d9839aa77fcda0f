import Foundation
import Testing
@testable import CSLedgerKit
@testable import LedgerCore

/// Verification reads the ledger in chunks, on several connections at once, and checks the chain in order:
/// a tampered file must give exactly the failures a reading in one piece gives, at the same seq numbers.
/// The fixture has entries 0 (genesis), 1-2 (enrolments) and 3-42 (notes), a checkpoint after each.
@Suite("Chunked verification finds what one pass finds")
struct ChunkedVerifyTests {
    /// The report read in chunks of 1, 3 and 4 rows, which must equal the one read in a single chunk.
    /// `exactCheckpoints` false: the entries' failures must be the same, and the same checkpoints must fail,
    /// but not necessarily for the same reason (see `strayRows`).
    func reports(_ l: CLILedger, checkSignatures: Bool, exactCheckpoints: Bool = true) throws -> VerificationReport {
        let ledger = try Ledger.open(path: l.ledgerPath, readOnly: true)
        let whole = try ledger.verify(checkSignatures: checkSignatures, chunkRows: 1 << 20)
        for rows in [1, 3, 4] {
            let chunked = try ledger.verify(checkSignatures: checkSignatures, chunkRows: rows)
            let message: Comment = "chunks of \(rows): only chunked \(chunked.failures.filter { !whole.failures.contains($0) }), only whole \(whole.failures.filter { !chunked.failures.contains($0) })"
            if exactCheckpoints {
                #expect(chunked.failures == whole.failures, message)
                #expect(chunked.signaturesChecked == whole.signaturesChecked && chunked.checkpointsChecked == whole.checkpointsChecked)
            } else {
                #expect(chunked.failures.filter { $0.seq != nil } == whole.failures.filter { $0.seq != nil }, message)
                #expect(Set(chunked.failures.compactMap(\.treeSize)) == Set(whole.failures.compactMap(\.treeSize)), message)
            }
            #expect(chunked.entries == whole.entries && chunked.rootHash == whole.rootHash)
        }
        return whole
    }

    @Test("a clean ledger, in chunks of any size")
    func clean() throws {
        let l = try CLILedger(entries: 40)
        for checkSignatures in [true, false] {
            let report = try reports(l, checkSignatures: checkSignatures)
            #expect(report.isClean)
            #expect(report.entries == 43)
        }
    }

    @Test("a changed byte and a deleted row, both modes")
    func tampered() throws {
        let l = try CLILedger(entries: 40)
        try l.dropTriggers()
        try l.sqlite("""
            UPDATE entries SET bytes = CAST(replace(CAST(bytes AS TEXT), 'hello', 'hellp') AS BLOB) WHERE seq = 17;
            DELETE FROM entries WHERE seq = 30;
            """)
        let full = try reports(l, checkSignatures: true)
        #expect(full.failures.first?.seq == 17)
        #expect(full.failures.contains { $0.seq == 17 && $0.code == .signatureInvalid })
        #expect(full.failures.contains { $0.seq == 18 && $0.code == .prevMismatch })
        #expect(full.failures.contains { $0.seq == 30 && $0.code == .seqGap })
        let chain = try reports(l, checkSignatures: false)
        #expect(chain.failures.first?.seq == 17)
        #expect(chain.failures.contains { $0.seq == 17 && $0.code == .storedHashMismatch })
        #expect(chain.failures.contains { $0.seq == 18 && $0.code == .prevMismatch })
        #expect(chain.failures.contains { $0.seq == 30 && $0.code == .seqGap })
        #expect(!chain.failures.contains { $0.code == .signatureInvalid })
    }

    @Test("rows missing across whole chunks: their checkpoints are still checked")
    func wholeChunksMissing() throws {
        let l = try CLILedger(entries: 40)
        try l.dropTriggers()
        try l.sqlite("DELETE FROM entries WHERE seq BETWEEN 20 AND 29;")
        for checkSignatures in [true, false] {
            let report = try reports(l, checkSignatures: checkSignatures)
            #expect(report.failures.first?.seq == 20)
            #expect(report.failures.contains { $0.seq == 20 && $0.code == .seqGap })
            #expect(report.failures.contains { $0.seq == 30 && $0.code == .prevMismatch })
            #expect(report.entries == 33)
        }
    }

    @Test("chain only: a header out of the canonical shape is read in full, and reported at its seq")
    func nonCanonicalHeader() throws {
        let l = try CLILedger(entries: 40)
        try l.dropTriggers()
        try l.sqlite(#"UPDATE entries SET bytes = CAST(replace(CAST(bytes AS TEXT), '{"logged"', '{ "logged"') AS BLOB) WHERE seq = 9;"#)
        let chain = try reports(l, checkSignatures: false)
        #expect(chain.failures.first?.seq == 9)
        #expect(chain.failures.contains { $0.seq == 9 && $0.code == .notCanonical })
        #expect(chain.failures.contains { $0.seq == 9 && $0.code == .storedHashMismatch })
        #expect(chain.failures.contains { $0.seq == 10 && $0.code == .prevMismatch })
    }

    @Test("a row stored below seq 0 and one far beyond the end")
    func strayRows() throws {
        let l = try CLILedger(entries: 6)
        try l.dropTriggers()
        try l.sqlite("""
            PRAGMA ignore_check_constraints = ON;
            INSERT INTO entries SELECT -1, bytes, leaf_hash, type, actor, time, logged FROM entries WHERE seq = 3;
            INSERT INTO entries SELECT 1000000000000, bytes, leaf_hash, type, actor, time, logged FROM entries WHERE seq = 4;
            """)
        // With a row before seq 0 the tree runs one entry ahead of the seq numbers, so a checkpoint read with
        // a later chunk finds the tree already past its size: reported as off an entry boundary rather than
        // as a root mismatch. Every checkpoint still fails, and every entry's failures are the same.
        for checkSignatures in [true, false] {
            let report = try reports(l, checkSignatures: checkSignatures, exactCheckpoints: false)
            #expect(report.failures.contains { $0.seq == -1 && $0.code == .seqGap })
            #expect(report.failures.contains { $0.seq == 9 && $0.code == .seqGap })
            #expect(report.entries == 11)
        }
    }
}
