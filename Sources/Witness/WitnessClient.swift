import AsyncHTTPClient
import CSLedgerKit
import Foundation
import LedgerCore
import LedgerStore
import NIOCore
import NIOHTTP1

/// A witness the ledger asks for cosignatures: where it listens, its name and public key.
/// Given on the command line as `URL=NAME=PUBLIC_KEY.pem`.
package struct WitnessEndpoint: Sendable, Hashable {
    /// The submission prefix (`http://host:port`, no trailing slash); requests go to `<url>/add-checkpoint`.
    package let url: String
    package let witness: Cosignature.Witness

    package init(url: String, witness: Cosignature.Witness) {
        self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.witness = witness
    }

    /// Parses `URL=NAME=PUB.pem` (the URL up to the first `=`, the key file after the last).
    package static func parse(_ text: String) throws -> WitnessEndpoint {
        guard let first = text.firstIndex(of: "="), let last = text.lastIndex(of: "="), first < last else {
            throw LedgerError(.invalidArgument, "a witness is given as URL=NAME=PUBLIC_KEY.pem, e.g. http://127.0.0.1:7380=witness.example.org/w1=Keys/w1.pub.pem")
        }
        let url = String(text[..<first]), name = String(text[text.index(after: first)..<last]), path = String(text[text.index(after: last)...])
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            throw LedgerError(.invalidArgument, "the witness URL \"\(url.prefix(60))\" must start with http:// or https://")
        }
        return WitnessEndpoint(url: url, witness: try Cosignature.Witness.named(name, keyFile: path))
    }
}

extension Cosignature.Witness {
    /// A trusted witness from `NAME=PUBLIC_KEY.pem`.
    package static func parse(_ text: String) throws -> Cosignature.Witness {
        guard let eq = text.lastIndex(of: "=") else {
            throw LedgerError(.invalidArgument, "a witness is given as NAME=PUBLIC_KEY.pem, e.g. witness.example.org/w1=Keys/w1.pub.pem")
        }
        return try named(String(text[..<eq]), keyFile: String(text[text.index(after: eq)...]))
    }

    static func named(_ name: String, keyFile: String) throws -> Cosignature.Witness {
        let key = try KeyFiles.loadPublicKey(path: keyFile)
        do { return try Cosignature.Witness(name: name, publicKey: key) } catch {
            throw LedgerError(.invalidArgument, "the witness name \"\(name.prefix(60))\" is not a valid note key name (no spaces, no \"+\")")
        }
    }
}

/// What a witness answered to one add-checkpoint request.
package enum WitnessReply: Sendable, Equatable {
    /// 200: the cosignature lines by this witness that verify on the checkpoint.
    case cosigned([NoteSignature])
    /// 409: the witness last cosigned a checkpoint of this size.
    case conflict(Int)
    /// Any other status, with the witness's message.
    case refused(Int, String)
}

/// Sends checkpoints to witnesses (c2sp.org/tlog-witness) over HTTP.
package final class WitnessClient: Sendable {
    let client: HTTPClient
    let timeout: TimeAmount

    package init(timeout: Duration = .seconds(10)) {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5), read: .seconds(10)))
        configuration.connectionPool = .init(idleTimeout: .seconds(30))
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.timeout = .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000)
    }

    package func shutdown() async { try? await client.shutdown() }

    /// Posts `request` to `endpoint`; a 200 answer's lines are kept only if they verify as this witness's
    /// cosignature of the checkpoint (others are ignored, as the spec asks). Throws when the witness cannot be reached.
    package func add(_ request: AddCheckpointRequest, to endpoint: WitnessEndpoint) async throws -> WitnessReply {
        var http = HTTPClientRequest(url: endpoint.url + "/add-checkpoint")
        http.method = .POST
        http.headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        http.body = .bytes(ByteBuffer(string: request.serialized))
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            response = try await client.execute(http, timeout: timeout)
            body = try await response.body.collect(upTo: 1 << 20)
        } catch {
            throw LedgerError(.serverUnreachable, "witness \(endpoint.witness.name) at \(endpoint.url) could not be reached: \(error)")
        }
        let text = String(buffer: body)
        switch response.status.code {
        case 200:
            guard let answer = try? SignedNote.parse(request.checkpoint.text + "\n" + text) else {
                return .refused(200, "the witness's answer is not signature lines")
            }
            let mine = answer.signatures.filter { line in
                guard line.keyName == endpoint.witness.name, line.keyHash == endpoint.witness.keyID,
                      let one = try? SignedNote(text: request.checkpoint.text, signatures: [line]) else { return false }
                return Cosignature.verify(note: one, name: endpoint.witness.name, publicKey: endpoint.witness.publicKey) != nil
            }
            return mine.isEmpty ? .refused(200, "the witness answered no valid cosignature by its key") : .cosigned(mine)
        case 409:
            let digits = text.hasSuffix("\n") ? String(text.dropLast()) : text
            guard response.headers.first(name: "Content-Type")?.hasPrefix("text/x.tlog.size") == true,
                  let size = Int(digits), size >= 0, String(size) == digits else {
                return .refused(409, text.trimmingCharacters(in: .whitespacesAndNewlines))
            }
            return .conflict(size)
        default:
            return .refused(Int(response.status.code), String(text.trimmingCharacters(in: .whitespacesAndNewlines).prefix(300)))
        }
    }
}

/// Gets the ledger's latest checkpoint cosigned by one witness and keeps the cosignature in the ledger.
package enum WitnessPush {
    /// The outcome of one push.
    package struct Result: Sendable {
        /// The tree size cosigned.
        package let treeSize: Int
        /// The lines kept.
        package let lines: [NoteSignature]
    }

    /// Sends the latest checkpoint with the consistency proof from the size this witness last cosigned
    /// (as the ledger kept it); on 409 sends again from the witness's size. A witness that has cosigned more
    /// entries than the ledger holds is reported: the ledger was truncated or forked after it was witnessed.
    ///
    /// With `keep: false` (verification, on a file opened read-only) nothing is written, and the first request
    /// says `old 0`, so the witness's own size is learned from it, whatever the file says.
    package static func push(ledger: Ledger, to endpoint: WitnessEndpoint, client: WitnessClient,
                            onlyIfNew: Bool = false, keep: Bool = true) async throws -> Result? {
        let cp = try ledger.checkpoint()
        let note = try SignedNote.parse(cp.note)
        var old = keep ? try ledger.database.lastCosignedSize(witness: endpoint.witness.name, keyID: endpoint.witness.keyID) : 0
        if onlyIfNew, old == cp.treeSize { return nil }
        if old > cp.treeSize { old = 0 }  // kept for a larger tree than the ledger has: let the witness say its size
        for _ in 0..<3 {
            let proof = old == 0 || old == cp.treeSize ? [] : try ledger.database.consistencyProof(oldSize: old, newSize: cp.treeSize)
            let reply = try await client.add(AddCheckpointRequest(oldSize: old, proof: proof, checkpoint: note), to: endpoint)
            switch reply {
            case .cosigned(let lines):
                if keep { try ledger.database.addCosignatures(treeSize: cp.treeSize, lines, received: Timestamp.now().description) }
                return Result(treeSize: cp.treeSize, lines: lines)
            case .conflict(let size):
                guard size <= cp.treeSize else {
                    throw LedgerError(.ledgerTampered, "witness \(endpoint.witness.name) already cosigned a checkpoint of \(size) entries, more than this ledger's \(cp.treeSize): the ledger lost entries after they were witnessed")
                }
                guard size != old else {
                    throw LedgerError(.ledgerTampered, "witness \(endpoint.witness.name) holds another checkpoint of \(size) entries: this ledger forked from what it witnessed")
                }
                old = size
            case .refused(let status, let message):
                if status == 422 {
                    throw LedgerError(.ledgerTampered, "witness \(endpoint.witness.name) refused the consistency proof from \(old) entries (422): this ledger is not an extension of what it witnessed")
                }
                throw LedgerError(.serverUnavailable, "witness \(endpoint.witness.name) refused the checkpoint (\(status)): \(message)")
            }
        }
        throw LedgerError(.serverUnavailable, "witness \(endpoint.witness.name) kept answering 409; try again")
    }
}
