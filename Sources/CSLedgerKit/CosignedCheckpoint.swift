import Foundation
import LedgerCore
import LedgerStore

/// A checkpoint kept in the file with the cosignature lines on it that verify against witnesses the caller
/// chose (c2sp.org/tlog-cosignature). The `cosignatures` table is not part of the signed ledger: a line
/// counts here only when it verifies against one of the given witness keys, never because the file says so.
/// The checkpoint's own signature (the facility key) is checked by whoever relies on it.
package struct CosignedCheckpoint: Sendable {
    /// One witness's valid cosignature on the checkpoint.
    package struct Cosigner: Sendable {
        package let name: String
        package let line: NoteSignature
        /// The time the witness put in its cosignature (POSIX seconds).
        package let time: UInt64
    }

    /// The facility's signed checkpoint note, as kept with the lines.
    package let note: SignedNote
    package let checkpoint: Checkpoint
    /// In the order the witnesses were given; at most one line each (the newest).
    package let cosigners: [Cosigner]

    /// Every checkpoint kept in `database` that at least one of `witnesses` validly cosigned, largest first.
    package static func valid(in database: LedgerDatabase, witnesses: [Cosignature.Witness]) throws -> [CosignedCheckpoint] {
        var byNote: [String: [NoteSignature]] = [:]
        for c in try database.allCosignatures() { byNote[c.checkpoint, default: []].append(c.line) }
        var out: [CosignedCheckpoint] = []
        for (text, lines) in byNote {
            guard let note = try? SignedNote.parse(text), let checkpoint = try? Checkpoint(body: note.text) else { continue }
            var cosigners: [Cosigner] = []
            for w in witnesses {
                var best: Cosigner?
                for line in lines where line.keyName == w.name && line.keyHash == w.keyID {
                    guard let one = try? SignedNote(text: note.text, signatures: [line]),
                          let time = Cosignature.verify(note: one, name: w.name, publicKey: w.publicKey),
                          time >= best?.time ?? 0 else { continue }
                    best = Cosigner(name: w.name, line: line, time: time)
                }
                if let best { cosigners.append(best) }
            }
            if !cosigners.isEmpty { out.append(CosignedCheckpoint(note: note, checkpoint: checkpoint, cosigners: cosigners)) }
        }
        return out.sorted { $0.checkpoint.size > $1.checkpoint.size }
    }
}
