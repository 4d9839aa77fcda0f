import CSLedgerKit
import Foundation
import LedgerCore
import LedgerStore

/// What `verify --witness` relies on: checkpoints that enough of the witnesses a verifier trusts cosigned.
public enum WitnessCheck {
    /// A checkpoint with the valid cosignatures of some trusted witnesses.
    public struct Witnessed: Sendable {
        /// The facility's note with the valid cosignature lines appended: what the verifier checks the ledger against.
        public let note: String
        public let treeSize: Int
        /// The trusted witnesses whose cosignature verifies.
        public let cosigners: [String]
        /// The newest cosignature time among them (POSIX seconds).
        public let latestTime: UInt64
    }

    /// The largest checkpoint kept in the file (with its cosignatures) that at least `threshold` of `witnesses`
    /// validly cosigned, or nil. Every line is checked against the witness keys given; the file's word counts
    /// for nothing. The checkpoint's own signature (the facility key) is checked by the verifier it is given to.
    public static func latestKept(in database: LedgerDatabase, witnesses: [Cosignature.Witness], threshold: Int) throws -> Witnessed? {
        var byNote: [String: [NoteSignature]] = [:]
        for c in try database.allCosignatures() { byNote[c.checkpoint, default: []].append(c.line) }
        var best: Witnessed?
        for (noteText, lines) in byNote {
            guard let facility = try? SignedNote.parse(noteText), let cp = try? Checkpoint(body: facility.text) else { continue }
            var valid: [NoteSignature] = [], names: [String] = [], latest: UInt64 = 0
            for w in witnesses {
                let mine = lines.filter { $0.keyName == w.name && $0.keyHash == w.keyID }
                for line in mine {
                    guard let one = try? SignedNote(text: facility.text, signatures: [line]),
                          let t = Cosignature.verify(note: one, name: w.name, publicKey: w.publicKey) else { continue }
                    valid.append(line)
                    if !names.contains(w.name) { names.append(w.name) }
                    latest = max(latest, t)
                }
            }
            guard names.count >= threshold, best.map({ cp.size > $0.treeSize }) ?? true else { continue }
            let note = try SignedNote(text: facility.text, signatures: facility.signatures + valid.prefix(SignedNote.maxSignatures - facility.signatures.count))
            best = Witnessed(note: note.serialized, treeSize: cp.size, cosigners: names, latestTime: latest)
        }
        return best
    }

    /// One witness asked online: what it answered about the ledger's latest checkpoint.
    public enum Online: Sendable {
        /// It cosigned the ledger's latest checkpoint: the ledger extends everything it saw.
        case cosigned(treeSize: Int)
        /// It has seen a checkpoint the ledger does not extend (truncated or forked): the message says which.
        case contradicted(String)
        /// It could not be asked, or refused for another reason.
        case unavailable(String)
    }

    /// Asks each witness (c2sp.org/tlog-witness, starting from `old 0` so its own size decides) to cosign the
    /// ledger's latest checkpoint; nothing is written to the ledger.
    public static func askOnline(ledger: Ledger, endpoints: [WitnessEndpoint]) async -> [Online] {
        let client = WitnessClient()
        var out: [Online] = []
        for e in endpoints {
            do {
                let r = try await WitnessPush.push(ledger: ledger, to: e, client: client, keep: false)
                out.append(.cosigned(treeSize: r?.treeSize ?? 0))
            } catch let error as LedgerError where error.code == .ledgerTampered {
                out.append(.contradicted(error.message))
            } catch {
                out.append(.unavailable((error as? LedgerError)?.message ?? "\(error)"))
            }
        }
        await client.shutdown()
        return out
    }
}
