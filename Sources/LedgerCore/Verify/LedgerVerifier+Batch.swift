extension LedgerVerifier {
    /// Stored rows in seq order with their bytes back to back in one buffer: the store copies each blob
    /// once, straight from its page, and nothing is allocated per row.
    public struct Batch: Sendable {
        public private(set) var seqs: [Int] = []
        /// Every entry's bytes, one after the other, each after a `0x00` byte (so that the leaf hash's input,
        /// `0x00 || bytes`, lies in one piece); entry `i` ends at `ends[i]`.
        private(set) var storage: [UInt8] = []
        private(set) var ends: [Int] = []
        private(set) var storedLeafHashes: [Hash?] = []

        /// An empty batch with room for `rows` rows of `bytes` bytes in all.
        public init(rows: Int = 0, bytes: Int = 0) {
            seqs.reserveCapacity(rows)
            ends.reserveCapacity(rows)
            storedLeafHashes.reserveCapacity(rows)
            storage.reserveCapacity(bytes)
        }

        public init(_ rows: [Row]) {
            self.init(rows: rows.count, bytes: rows.reduce(0) { $0 + 1 + $1.bytes.count })
            for row in rows { append(row) }
        }

        /// Empties the batch, keeping its buffers for the next rows (if no copy of it is still held).
        public mutating func removeAll() {
            seqs.removeAll(keepingCapacity: true)
            storage.removeAll(keepingCapacity: true)
            ends.removeAll(keepingCapacity: true)
            storedLeafHashes.removeAll(keepingCapacity: true)
        }

        public var count: Int { seqs.count }
        public var isEmpty: Bool { seqs.isEmpty }
        /// The buffer's size: the entries' bytes, and one more per entry.
        public var byteCount: Int { storage.count }

        /// Adds a row; `storedLeafHash` is the hash stored beside the bytes, if any (ignored unless 32 bytes).
        public mutating func append(seq: Int, bytes: UnsafeRawBufferPointer, storedLeafHash: UnsafeRawBufferPointer?) {
            seqs.append(seq)
            storage.append(0x00)
            storage.append(contentsOf: bytes.assumingMemoryBound(to: UInt8.self))
            ends.append(storage.count)
            storedLeafHashes.append(storedLeafHash.flatMap { $0.count == 32 ? Hash(unchecked: $0) : nil })
        }

        public mutating func append(_ row: Row) {
            seqs.append(row.seq)
            storage.append(0x00)
            storage.append(contentsOf: row.bytes)
            ends.append(storage.count)
            storedLeafHashes.append(row.storedLeafHash)
        }

        /// Where row `i`'s bytes sit in `storage`.
        func range(_ i: Int) -> Range<Int> { ((i == 0 ? 0 : ends[i - 1]) + 1)..<ends[i] }

        /// Row `i`'s leaf hash input, `0x00 || bytes`, in `storage`.
        func leafInput(_ i: Int) -> Range<Int> { (i == 0 ? 0 : ends[i - 1])..<ends[i] }
    }

    /// A batch after the checks that need no order (leaf hashes, parsing, canonical form), ready for
    /// `consume(_:checkpoints:)`. Made by `prepare`, which may run on any thread.
    public struct Prepared: Sendable {
        let batch: Batch
        let checkSignatures: Bool
        let leaves: [Hash]
        /// The fixed-place header, for rows the chain-only check reads no further.
        let headers: [EntryHeader?]
        /// The full reading, for every other row.
        let decoded: [Decoded?]

        public var count: Int { batch.count }
        /// The rows it was prepared from (to reuse their buffers once consumed).
        public var rows: Batch { batch }
    }

    /// What the full reading of one entry found.
    struct Decoded: Sendable {
        /// The entry read in full (a JSON tree), or ...
        var entry: Entry?
        /// ... only the fields the checks need, read in place (an ordinary canonical entry).
        var fields: SignedEntryFields?
        var error: String?
        var notCanonical = false
        /// The statement's canonical bytes (the signing input).
        var signingInput: ArraySlice<UInt8> = []
    }
}
