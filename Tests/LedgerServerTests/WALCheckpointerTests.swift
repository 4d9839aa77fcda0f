import CSLedgerKit
import Foundation
import LedgerCore
import LedgerStore
import Testing

/// The daemon's background WAL checkpoints.
@Suite("background WAL checkpoints")
struct WALCheckpointerTests {
    @Test("background checkpoints copy the WAL into the file while appends go on; the ledger verifies")
    func backgroundCheckpoints() throws {
        let f = try ServerFixture()
        let checkpointer = WALCheckpointer(database: f.ledger.database, interval: .milliseconds(5), writerThreshold: 1_000_000)
        try checkpointer.start()
        let signer = try f.ledger.checkpointSigner(facilityKey: f.facility)
        for i in 0..<40 {
            let s = try Statement(type: "test.note", time: .now(), actor: f.pharmacist.keyID, log: try f.ledger.origin(), body: ["text": .string("note \(i)")])
            try f.ledger.database.append([try SignedStatement(statement: s, actorKey: f.pharmacist)], checkpointSigner: signer)
            usleep(2_000)
        }
        usleep(50_000)
        let progress = checkpointer.progress
        checkpointer.stop()
        #expect(progress.passes > 1)
        #expect(progress.framesCopied > 0)
        #expect(progress.framesCopied == progress.framesInWAL)
        let reopened = try Ledger.open(path: f.ledger.database.path)
        #expect(try reopened.database.size() == 43)
        #expect(try reopened.verify().isClean)
    }
}
