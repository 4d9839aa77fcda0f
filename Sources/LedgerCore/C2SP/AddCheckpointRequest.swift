/// The body of a c2sp.org/tlog-witness `POST /add-checkpoint` request:
///
/// ```
/// old <decimal tree size the client believes the witness last cosigned>
/// <base64 consistency proof hash>      (0 to 63 lines, RFC 6962 §2.1.2, old size -> new size)
///
/// <the checkpoint, a signed note, verbatim>
/// ```
///
/// Every line ends in a newline; the size is ASCII decimal without leading zeros (`0` for zero).
package struct AddCheckpointRequest: Sendable, Hashable {
    /// The most proof lines a client may send (the spec's limit).
    package static let maxProofLines = 63
    /// The largest body a witness reads: a checkpoint with 100 signature lines and 63 proof lines fit well within it.
    package static let maxBodyBytes = 64 * 1024

    package let oldSize: Int
    package let proof: [Hash]
    package let checkpoint: SignedNote

    package init(oldSize: Int, proof: [Hash], checkpoint: SignedNote) {
        self.oldSize = oldSize
        self.proof = proof
        self.checkpoint = checkpoint
    }

    /// The request body.
    package var serialized: String {
        var out = "old " + String(oldSize) + "\n"
        for h in proof { out += h.base64 + "\n" }
        out += "\n"
        out += checkpoint.serialized
        return out
    }

    /// Parses a body strictly; every malformation is a `NoteError` (a witness answers 400).
    package static func parse(_ bytes: some Collection<UInt8>) throws -> AddCheckpointRequest {
        let u = Array(bytes)
        guard u.count <= maxBodyBytes else { throw NoteError(.invalidText, "the request body is larger than \(maxBodyBytes) bytes") }
        var pos = 0
        func nextLine() -> ArraySlice<UInt8>? {
            guard pos < u.count, let nl = u[pos...].firstIndex(of: 0x0A) else { return nil }
            defer { pos = nl + 1 }
            return u[pos..<nl]
        }
        let oldPrefix = Array("old ".utf8)
        guard let first = nextLine(), first.starts(with: oldPrefix),
              let old = Checkpoint.parseDecimal(first.dropFirst(oldPrefix.count)) else {
            throw NoteError(.malformedTreeSize, "the request does not start with a line \"old <size>\"")
        }
        var proof: [Hash] = []
        while true {
            guard let line = nextLine() else { throw NoteError(.missingCheckpoint, "no empty line separates the proof from the checkpoint") }
            if line.isEmpty { break }
            guard proof.count < maxProofLines else { throw NoteError(.proofTooLong, "the request has more than \(maxProofLines) proof lines") }
            guard let h = Hash(base64: String(decoding: line, as: UTF8.self)) else { throw NoteError(.malformedProofHash) }
            proof.append(h)
        }
        let note = try SignedNote.parse(bytes: u[pos...])
        _ = try Checkpoint(body: note.text)
        return AddCheckpointRequest(oldSize: old, proof: proof, checkpoint: note)
    }
}
