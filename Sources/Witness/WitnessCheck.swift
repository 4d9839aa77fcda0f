import CSLedgerKit
import Foundation
import LedgerCore
import LedgerStore

/// What `verify --witness` relies on: checkpoints that enough of the witnesses a verifier trusts cosigned.
package enum WitnessCheck {
    /// A checkpoint with the valid cosignatures of some trusted witnesses.
    package struct Witnessed: Sendable {
        /// The facility's note with the valid cosignature lines appended: what the verifier checks the ledger against.
        package let note: String
        package let treeSize: Int
        /// The trusted witnesses whose cosignature verifies.
        package let cosigners: [String]
        /// The newest cosignature time among them (POSIX seconds).
        package let latestTime: UInt64
    }

    /// The largest checkpoint kept in the file (with its cosignatures) that at least `threshold` of `witnesses`
    /// validly cosigned, or nil. Every line is checked against the witness keys given; the file's word counts
    /// for nothing. The checkpoint's own signature (the facility key) is checked by the verifier it is given to.
    package static func latestKept(in database: LedgerDatabase, witnesses: [Cosignature.Witness], threshold: Int) throws -> Witnessed? {
        // Largest first: the first checkpoint with enough cosigners is the answer.
        guard let best = try CosignedCheckpoint.valid(in: database, witnesses: witnesses).first(where: { $0.cosigners.count >= threshold }) else {
            return nil
        }
        let lines = best.cosigners.map(\.line).prefix(SignedNote.maxSignatures - best.note.signatures.count)
        let note = try SignedNote(text: best.note.text, signatures: best.note.signatures + lines)
        return Witnessed(note: note.serialized, treeSize: best.checkpoint.size, cosigners: best.cosigners.map(\.name),
                         latestTime: best.cosigners.map(\.time).max() ?? 0)
    }

    /// One witness asked online: what it answered about the ledger's latest checkpoint.
    package enum Online: Sendable {
        /// It cosigned the ledger's latest checkpoint: the ledger extends everything it saw.
        case cosigned(treeSize: Int)
        /// It has seen a checkpoint the ledger does not extend (truncated or forked): the message says which.
        case contradicted(String)
        /// It could not be asked, or refused for another reason.
        case unavailable(String)
    }

    /// Asks each witness (c2sp.org/tlog-witness, starting from `old 0` so its own size decides) to cosign the
    /// ledger's latest checkpoint; nothing is written to the ledger.
    package static func askOnline(ledger: Ledger, endpoints: [WitnessEndpoint]) async -> [Online] {
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
