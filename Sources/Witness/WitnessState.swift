import Foundation
import GRDB
import LedgerCore

/// A witness's memory (c2sp.org/tlog-witness): for each log origin, the size, root hash and checkpoint
/// it last cosigned. An SQLite file (WAL, `synchronous = FULL`): a cosignature is answered only after the
/// new state is on disk, and the check of the old size and the write of the new state are one
/// transaction (`advance`), so two requests can never both pass against the same old state, and a crash
/// at any moment leaves either the old state or the new one.
///
/// The witness never rolls back: a row's size only grows (the code checks it, and a trigger refuses an
/// update that would shrink it). The file names the witness (name and public key) it belongs to.
package final class WitnessState: Sendable {
    package let path: String
    let queue: DatabaseQueue

    /// What the witness last cosigned for one log.
    package struct LogState: Sendable, Equatable {
        package let size: Int
        package let root: Hash
    }

    static let schema = """
        CREATE TABLE witness_meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) WITHOUT ROWID;
        CREATE TABLE logs (
            origin     TEXT PRIMARY KEY NOT NULL,
            tree_size  INTEGER NOT NULL CHECK (tree_size >= 0),
            root       BLOB    NOT NULL CHECK (length(root) = 32),
            checkpoint TEXT    NOT NULL,
            cosigned   TEXT    NOT NULL
        ) WITHOUT ROWID;
        CREATE TRIGGER logs_never_shrink BEFORE UPDATE ON logs WHEN NEW.tree_size < OLD.tree_size
        BEGIN SELECT RAISE(ABORT, 'a witness never rolls back a log'); END;
        CREATE TRIGGER logs_never_forget BEFORE DELETE ON logs
        BEGIN SELECT RAISE(ABORT, 'a witness never forgets a log'); END;
        """

    private init(path: String, queue: DatabaseQueue) {
        self.path = path
        self.queue = queue
    }

    /// Opens the state file of the witness `name` with `publicKey`. A missing file is created only when
    /// `create` is true (`--init`); otherwise it is refused, since a witness that forgot what it cosigned
    /// could be made to cosign a rolled-back or forked log. An existing file is never reset, and a file of
    /// another witness (name or key) is refused.
    package static func open(path: String, name: String, publicKey: SignerPublicKey, create: Bool) throws -> WitnessState {
        let exists = FileManager.default.fileExists(atPath: path)
        if !exists && !create {
            throw LedgerError(.ledgerMissing, "no witness state at \(path); a witness that lost its state could cosign a rolled-back log. If this witness is new, start it once with --init")
        }
        var config = Configuration()
        config.busyMode = .timeout(30)
        config.label = "csledger-witness"
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        let queue: DatabaseQueue
        do { queue = try DatabaseQueue(path: path, configuration: config) } catch {
            throw LedgerError(.storage, "cannot open the witness state \(path): \(error)")
        }
        let state = WitnessState(path: path, queue: queue)
        do {
            try queue.write { db in
                guard try Int.fetchOne(db, sql: "PRAGMA synchronous") == 2 else {
                    throw LedgerError(.storage, "SQLite refused synchronous = FULL on the witness state; cosignatures would not be durable")
                }
                let hasSchema = try db.tableExists("witness_meta")
                if !hasSchema {
                    guard !exists || create else { throw LedgerError(.ledgerCorrupt, "\(path) is not a witness state file") }
                    try db.execute(sql: schema)
                    try db.execute(sql: "INSERT INTO witness_meta (key, value) VALUES ('name', ?), ('public_key', ?)",
                                   arguments: [name, publicKey.base64])
                }
                let storedName = try String.fetchOne(db, sql: "SELECT value FROM witness_meta WHERE key = 'name'")
                let storedKey = try String.fetchOne(db, sql: "SELECT value FROM witness_meta WHERE key = 'public_key'")
                guard storedName == name, storedKey == publicKey.base64 else {
                    throw LedgerError(.invalidArgument, "the witness state \(path) belongs to witness \"\(storedName ?? "?")\" with another key or name; give that witness's --name and --key")
                }
            }
        } catch let e as LedgerError { throw e } catch {
            throw LedgerError(.storage, "cannot read the witness state \(path): \(error)")
        }
        return state
    }

    /// What the witness last cosigned for `origin`, or nil if it never cosigned for that log.
    package func latest(origin: String) throws -> LogState? {
        try queue.read { db in try Self.latest(db, origin) }
    }

    static func latest(_ db: Database, _ origin: String) throws -> LogState? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT tree_size, root FROM logs WHERE origin = ?"), arguments: [origin]) else {
            return nil
        }
        let root: Data = row[1]
        guard let h = Hash(bytes: root) else { throw LedgerError(.ledgerCorrupt, "the witness state holds a bad root for \(origin)") }
        return LogState(size: row[0], root: h)
    }

    /// The outcome of `advance`'s check.
    package enum Decision: Sendable, Equatable {
        /// The checkpoint is consistent with the state, which now holds it (or held it already).
        case accept
        /// The old size is not the size last cosigned (or the same size has another root): 409 with that size.
        case conflict(Int)
        /// The consistency proof does not verify: 422.
        case badProof
    }

    /// In one write transaction: reads the state of `checkpoint.origin`, lets `check` decide against it, and
    /// on `.accept` stores the checkpoint if it is larger; committed (fsynced) before returning.
    package func advance(checkpoint: Checkpoint, note: String, now: String,
                        check: @Sendable @escaping (LogState?) -> Decision) async throws -> Decision {
        do {
            return try await queue.write { db in
                let current = try Self.latest(db, checkpoint.origin)
                let decision = check(current)
                guard decision == .accept else { return decision }
                if let current, current.size >= checkpoint.size { return .accept }
                try db.execute(sql: """
                    INSERT INTO logs (origin, tree_size, root, checkpoint, cosigned) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (origin) DO UPDATE SET tree_size = excluded.tree_size, root = excluded.root,
                        checkpoint = excluded.checkpoint, cosigned = excluded.cosigned
                    """, arguments: [checkpoint.origin, checkpoint.size, Data(checkpoint.rootHash.bytes), note, now])
                return .accept
            }
        } catch {
            throw LedgerError(.storage, "cannot write the witness state \(path): \(error)")
        }
    }
}
