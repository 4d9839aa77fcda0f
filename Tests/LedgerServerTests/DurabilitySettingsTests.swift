import CSLedgerKit
import LedgerStore
import Testing

@Suite("ledger file durability settings")
struct DurabilitySettingsTests {
    @Test("the writer fsyncs every commit (synchronous = FULL) on a created and on an opened ledger")
    func writerSyncsEveryCommit() throws {
        let f = try ServerFixture()
        #expect(try f.ledger.database.writerSynchronousLevel() == 2)
        let reopened = try LedgerDatabase.open(path: f.ledger.database.path)
        #expect(try reopened.writerSynchronousLevel() == 2)
    }
}
