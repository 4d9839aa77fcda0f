import Foundation
import LedgerCore
import LedgerStore

/// A c2sp.org/tlog-witness witness: cosigns a log's checkpoint only after checking that it extends the
/// checkpoint it last cosigned for that log, and remembers the new one (durably) before answering.
package final class Witness: Sendable {
    /// The witness's name (its cosignature lines' key name).
    package let name: String
    let key: SignerKey
    /// The trusted log keys, by origin. A note key's name is the origin (as csledger's checkpoints are signed).
    package let logs: [String: [SignerPublicKey]]
    package let state: WitnessState
    let clock: @Sendable () -> UInt64

    package init(name: String, key: SignerKey, logs: [String: [SignerPublicKey]], state: WitnessState,
                clock: @Sendable @escaping () -> UInt64 = { UInt64(max(0, Date().timeIntervalSince1970)) }) throws {
        _ = try Cosignature.Witness(name: name, publicKey: key.publicKey)
        self.name = name
        self.key = key
        self.logs = logs
        self.state = state
        self.clock = clock
    }

    /// An answer to `POST /add-checkpoint`: the HTTP status, its content type and body.
    package struct Answer: Sendable, Equatable {
        package let status: Int
        package let contentType: String
        package let body: String

        package init(status: Int, contentType: String, body: String) {
            self.status = status
            self.contentType = contentType
            self.body = body
        }
    }

    /// Handles one `add-checkpoint` request body, as the spec orders the checks:
    /// 400 malformed; 404 unknown origin; 403 no signature by a trusted key; 400 old size above the
    /// checkpoint's; 409 (`text/x.tlog.size`, the size last cosigned) when the old size is not that size,
    /// or the sizes are equal and the roots differ; 422 when the consistency proof does not verify;
    /// 200 with the cosignature line otherwise, after the state is durably updated.
    package func addCheckpoint(_ body: [UInt8]) async -> Answer {
        let request: AddCheckpointRequest
        let checkpoint: Checkpoint
        do {
            request = try AddCheckpointRequest.parse(body)
            checkpoint = try Checkpoint(body: request.checkpoint.text)
        } catch {
            return .text(400, "malformed add-checkpoint request: \(error)")
        }
        guard let keys = logs[checkpoint.origin] else {
            return .text(404, "unknown log origin")
        }
        guard keys.contains(where: { request.checkpoint.verify(keyName: checkpoint.origin, publicKey: $0.curve25519) }) else {
            return .text(403, "no signature on the checkpoint verifies with a key trusted for this log")
        }
        guard request.oldSize <= checkpoint.size else {
            return .text(400, "the old size is larger than the checkpoint's size")
        }
        let old = request.oldSize, proof = request.proof
        let decision: WitnessState.Decision
        do {
            decision = try await state.advance(checkpoint: checkpoint, note: request.checkpoint.serialized, now: Timestamp.now().description) { current in
                let size = current?.size ?? 0
                guard old == size else { return .conflict(size) }
                if let current, current.size == checkpoint.size {
                    // The same size again: the same root (then cosigned again, the state unchanged) or a fork.
                    guard current.root == checkpoint.rootHash else { return .conflict(size) }
                    return proof.isEmpty ? .accept : .badProof
                }
                if old == 0 {
                    // Nothing cosigned yet: any checkpoint starts the log's state, with an empty proof.
                    if checkpoint.size == 0 && checkpoint.rootHash != MerkleTree.emptyRoot { return .badProof }
                    return proof.isEmpty ? .accept : .badProof
                }
                guard let current else { return .conflict(0) }
                return MerkleTree.verifyConsistency(oldSize: old, newSize: checkpoint.size, oldRoot: current.root,
                                                    newRoot: checkpoint.rootHash, proof: proof) ? .accept : .badProof
            }
        } catch {
            return .text(500, "the witness could not record its state")
        }
        switch decision {
        case .conflict(let size):
            return Answer(status: 409, contentType: "text/x.tlog.size", body: String(size) + "\n")
        case .badProof:
            return .text(422, "the consistency proof does not verify")
        case .accept:
            do {
                let line = try Cosignature.sign(checkpointText: request.checkpoint.text, name: name, key: key, timestamp: clock())
                return Answer(status: 200, contentType: "text/plain; charset=utf-8", body: line.line)
            } catch {
                return .text(500, "the witness could not sign")
            }
        }
    }
}
