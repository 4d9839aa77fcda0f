import Foundation
import Testing
@testable import CSLedgerKit
@testable import LedgerCore

/// `csledger verify --since CHECKPOINT`: only what followed a checkpoint verified before.
@Suite struct VerifySinceTests {
    @Test("verify --since: clean after growth; finds a changed later entry; refuses a checkpoint the ledger does not extend", arguments: Backend.allCases)
    func since(_ backend: Backend) throws {
        guard let l = try CLILedger.make(backend, entries: 5) else { return }
        try Data(try l.checkpoint().utf8).write(to: URL(fileURLWithPath: l.dir.path("kept.txt")))
        let m = try Checkpoint(body: try SignedNote.parse(try l.checkpoint()).text).size
        // The parts marked "file only" copy and change the ledger file with sqlite3 (PostgresStoreTests does the like
        // to PostgreSQL's rows with psql).
        if backend == .file {
            #expect(try CLI.run("sqlite3", [l.ledgerPath, ".backup '\(l.dir.path("before.sqlite"))'"], in: l.root).status == 0)
        }
        // Later: a new admin enrolled and recording, and more entries by the facility.
        #expect(try l.csledger(["keys", "generate", "ada"]).status == 0)
        try l.enroll("ada", role: "admin")
        for key in ["ada", "facility"] {
            let a = try l.csledger(["append", "--type", "test.note", "--body", #"{"text":"later"}"#, "--key", "Keys/\(key).pem", "--repeat", "3"])
            #expect(a.status == 0, "\(a.stderr)")
        }
        let ok = try l.csledger(["verify", "--since", "kept.txt"])
        #expect(ok.status == 0, "\(ok.stdout) \(ok.stderr)")
        #expect(ok.stdout.contains("since        the checkpoint of \(m) entries"), "\(ok.stdout)")
        let json = try JSONParser.parse(Array(try l.csledger(["verify", "--since", "kept.txt", "--json"]).stdout.utf8))
        #expect(json["entries"]?.integerValue == m + 7)
        #expect(json["signatures_checked"]?.integerValue.map { $0 < m + 7 } == true)   // only the later entries' signatures

        // A checkpoint the ledger does not extend: one of the same size over another root (signed by the facility key).
        let fork = try CheckpointSigner(origin: l.origin, key: try l.key("facility")).sign(size: m, root: Hash.sha256([7]))
        try Data(fork.utf8).write(to: URL(fileURLWithPath: l.dir.path("fork.txt")))
        let refused = try l.csledger(["verify", "--since", "fork.txt"])
        #expect(refused.status == 1)
        #expect(refused.stdout.contains("does not extend"), "\(refused.stdout)")
        // Today's checkpoint given to the ledger put back to before: refused (entries removed from the end). File only.
        if backend == .file {
            try Data(try l.checkpoint().utf8).write(to: URL(fileURLWithPath: l.dir.path("today.txt")))
            let cut = try l.csledger(["verify", "--ledger", "before.sqlite", "--since", "today.txt"])
            #expect(cut.status == 1)
            #expect(cut.stdout.contains("removed from the end"), "\(cut.stdout)")
        }
        // A checkpoint not signed by the facility key.
        let unsigned = try CheckpointSigner(origin: l.origin, key: try l.key("pharmacist")).sign(size: m, root: try Checkpoint(body: try SignedNote.parse(String(contentsOfFile: l.dir.path("kept.txt"), encoding: .utf8)).text).rootHash)
        try Data(unsigned.utf8).write(to: URL(fileURLWithPath: l.dir.path("unsigned.txt")))
        #expect(try l.csledger(["verify", "--since", "unsigned.txt"]).status == 1)

        // A later entry changed in the file: found. File only.
        guard backend == .file else { return }
        try l.dropTriggers()
        #expect(try l.sqlite("UPDATE entries SET bytes = CAST(replace(CAST(bytes AS TEXT), 'later', 'LATER') AS BLOB) WHERE seq = \(m + 3);").status == 0)
        let tampered = try l.csledger(["verify", "--since", "kept.txt"])
        #expect(tampered.status == 1, "\(tampered.stdout)")
        #expect(tampered.stdout.contains("seq \(m + 3)"), "\(tampered.stdout)")
    }
}
