/// Why a signed note, checkpoint or tlog proof was refused.
public struct NoteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was wrong, for programs.
    public enum Code: String, Sendable, Equatable {
        // Signed notes (c2sp.org/signed-note)
        /// The bytes are not valid UTF-8.
        case invalidUTF8
        /// A control character other than newline.
        case controlCharacter
        /// The note does not end with a newline.
        case missingFinalNewline
        /// No blank line separates the text from the signatures.
        case missingSignatureSeparator
        /// The note has no signature line.
        case noSignatures
        /// The note has more signature lines than the limit.
        case tooManySignatures
        /// A signature line is not `— <key name> <base64>`.
        case malformedSignatureLine
        /// A signature is not canonical base64 of a 4-byte key hash and a signature.
        case malformedSignature
        /// A key name is empty or holds a space, a newline or `+`.
        case invalidKeyName
        /// A key hash is not 4 bytes.
        case invalidKeyHash
        /// The note text is empty or does not end with a newline.
        case invalidText
        /// The signing key failed to sign.
        case signingFailed

        // Checkpoints (c2sp.org/tlog-checkpoint)
        /// The checkpoint text has fewer than three lines.
        case checkpointTooShort
        /// The origin line is empty.
        case emptyOrigin
        /// The tree size is not a canonical decimal number.
        case malformedTreeSize
        /// The root hash is not base64 of 32 bytes.
        case malformedRootHash
        /// An extension line is empty.
        case emptyExtensionLine

        // Proofs (c2sp.org/tlog-proof)
        /// The first line is not `c2sp.org/tlog-proof@v1`.
        case missingProofHeader
        /// The `extra` line's data is not base64.
        case malformedExtraData
        /// The `index` line is missing or not a canonical decimal number.
        case malformedIndex
        /// A proof line is not base64 of a 32-byte hash.
        case malformedProofHash
        /// The proof has more hashes than any tree needs.
        case proofTooLong
        /// No empty line separates the proof from the checkpoint.
        case missingCheckpoint
    }

    /// What was wrong, for programs.
    public let code: Code
    /// What was wrong, in one line, for people.
    public let message: String

    /// An error with the standard message for `code`, or a more precise one.
    public init(_ code: Code, _ message: String? = nil) {
        self.code = code
        self.message = message ?? NoteError.standardMessage(code)
    }

    /// The one-line message.
    public var description: String { message }

    static func standardMessage(_ code: Code) -> String {
        switch code {
        case .invalidUTF8: return "the note is not valid UTF-8"
        case .controlCharacter: return "the note holds a control character other than newline"
        case .missingFinalNewline: return "the note does not end with a newline"
        case .missingSignatureSeparator: return "no blank line separates the note's text from its signatures"
        case .noSignatures: return "the note has no signature line"
        case .tooManySignatures: return "the note has more than \(SignedNote.maxSignatures) signature lines"
        case .malformedSignatureLine: return "a signature line is not \"— <key name> <base64 signature>\""
        case .malformedSignature: return "a signature is not canonical base64 of a 4-byte key hash and a signature"
        case .invalidKeyName: return "a key name is empty or holds a space, a newline, a control character or \"+\""
        case .invalidKeyHash: return "a key hash is not 4 bytes"
        case .invalidText: return "the note's text is empty or does not end with a newline"
        case .signingFailed: return "the signing key could not sign the note"
        case .checkpointTooShort: return "the checkpoint has fewer than three lines (origin, tree size, root hash)"
        case .emptyOrigin: return "the checkpoint's origin line is empty"
        case .malformedTreeSize: return "the checkpoint's tree size is not a decimal number without leading zeros"
        case .malformedRootHash: return "the checkpoint's root hash is not base64 of 32 bytes"
        case .emptyExtensionLine: return "the checkpoint has an empty extension line"
        case .missingProofHeader: return "the proof does not start with the line \"c2sp.org/tlog-proof@v1\""
        case .malformedExtraData: return "the proof's extra data is not base64"
        case .malformedIndex: return "the proof's index line is missing or not a decimal number without leading zeros"
        case .malformedProofHash: return "a proof line is not base64 of a 32-byte hash"
        case .proofTooLong: return "the proof has more hashes than any tree needs"
        case .missingCheckpoint: return "no empty line separates the proof's hashes from its checkpoint"
        }
    }
}
