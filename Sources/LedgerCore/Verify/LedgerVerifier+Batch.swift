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
        /// The full reading, for every other row; empty when no row needed one (a chain-only batch of
        /// ordinary entries: no array of a thousand empty readings is made and torn down per chunk).
        let decoded: [Decoded?]

        /// Row `i`'s full reading, if it was read in full.
        func decoded(_ i: Int) -> Decoded? { decoded.isEmpty ? nil : decoded[i] }

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
        /// SHA-256 of the signing input: the same signed statement recorded twice has the same one.
        var statementHash: Hash?
    }
}

extension LedgerVerifier {
    /// Builds one prepared batch while its rows are read, each from bytes in place (an SQLite page, valid
    /// only during `add`), so that the thread reading a range of the ledger also does its order-free checks.
    ///
    /// Checking signatures, each entry's bytes are copied (the signing input is checked later, in the
    /// background) and read in full by `finish`. Chain only, each row is hashed and its fixed-place header
    /// read where it lies, and nothing is copied, except the rows the header cannot settle (the genesis
    /// entry, or anything not in the canonical shape), which `finish` reads in full.
    public struct Builder: Sendable {
        private let options: Options
        private var batch: Batch
        /// Chain only: the leaf hash and header of every row, computed in `add`.
        private var leaves: [Hash] = []
        private var headers: [EntryHeader?] = []

        /// An empty batch expecting about `rows` rows.
        public init(options: Options, rows: Int) {
            self.options = options
            let copies = options.checkSignatures
            // Entries average under a kilobyte; the buffer grows if they do not.
            self.batch = Batch(rows: rows, bytes: copies ? rows * 1024 : 0)
            if !copies {
                leaves.reserveCapacity(rows)
                headers.reserveCapacity(rows)
            }
        }

        public var count: Int { batch.count }

        /// Adds the next row in seq order; `bytes` and `storedLeafHash` need only be valid during the call.
        public mutating func add(seq: Int, bytes: UnsafeRawBufferPointer, storedLeafHash: UnsafeRawBufferPointer?) {
            guard !options.checkSignatures else {
                batch.append(seq: seq, bytes: bytes, storedLeafHash: storedLeafHash)
                return
            }
            leaves.append(MerkleTree.leafHash(bytes))
            let header = seq != 0 ? EntryHeader(canonical: bytes) : nil
            headers.append(header)
            // Only a row read in full later keeps its bytes.
            batch.append(seq: seq, bytes: header == nil ? bytes : UnsafeRawBufferPointer(start: nil, count: 0), storedLeafHash: storedLeafHash)
        }

        /// The batch, prepared as `LedgerVerifier.prepare` would have (on this thread).
        public consuming func finish() -> Prepared {
            guard !options.checkSignatures else { return LedgerVerifier.prepare(batch, options: options) }
            var decoded: [Decoded?] = []
            var ids = SignedEntryFields.KeyIDs()
            for i in 0..<batch.count where headers[i] == nil {
                if decoded.isEmpty { decoded = [Decoded?](repeating: nil, count: batch.count) }
                decoded[i] = batch.storage.withUnsafeBytes { all in
                    LedgerVerifier.decode(UnsafeRawBufferPointer(rebasing: all[batch.range(i)]), storage: batch.storage,
                                          range: batch.range(i), genesis: batch.seqs[i] == 0, ids: &ids)
                }
            }
            return Prepared(batch: batch, checkSignatures: false, leaves: leaves, headers: headers, decoded: decoded)
        }
    }
}
