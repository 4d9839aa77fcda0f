import Dispatch
import Dispensing
import Foundation
import LedgerCore
import LedgerStore

/// The statement type a compliance officer records to resolve a finding.
package enum ReconciliationType {
    /// Body: `finding_id`, `reason`, optional `loss_report_seq` (a `loss.reported` entry) and
    /// `evidence` (the fingerprint the officer saw; `csledger resolve` fills it in).
    package static let findingResolved = DispensingType.findingResolved
}

/// An enrolled signer as the rules need it.
struct SignerInfo: Sendable, Equatable {
    let keyID: KeyID
    let name: String
    let role: Role?
    let enrolledSeq: Int
    let revokedSeq: Int?

    /// The signature counts on the entry at `seq`: enrolled before it, not revoked before it.
    func authorized(at seq: Int) -> Bool { enrolledSeq < seq && (revokedSeq.map { $0 >= seq } ?? true) }

    /// The name as people are told apart: before any comma (titles), lowercase, letters and digits only.
    let personKey: String

    init(keyID: KeyID, name: String, role: Role?, enrolledSeq: Int, revokedSeq: Int?) {
        self.keyID = keyID
        self.name = name
        self.role = role
        self.enrolledSeq = enrolledSeq
        self.revokedSeq = revokedSeq
        let base = name.split(separator: ",", maxSplits: 1).first.map(String.init) ?? name
        personKey = String(base.lowercased().unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) }.map(Character.init))
    }
}

/// A lot as its receipts describe it.
struct LotFacts: Sendable {
    let lotID: String
    let unit: String
    /// Quantity in one container, micro-units (0 when unknown).
    let unitsPerContainer: Int64
    let expiry: ExpiryDate?
    /// The first receipt that was not corrected (nil when every receipt was corrected).
    let firstReceipt: Record?
    /// Every receipt of the lot, by seq.
    let receipts: [Record]
}

/// A `dose.administered` entry and the figures the rules use.
struct Dose: Sendable {
    let record: Record
    let lotID: String?
    /// The quantity drawn up, in micro-units, when recorded and above zero.
    let drawn: Int64?
    let wasted: Int64

    init(_ record: Record) {
        var strings = Facts.Interner()
        self.init(record, strings: &strings)
    }

    /// The figures of `record`, with one shared copy of each lot id (`strings`).
    init(_ record: Record, strings: inout Facts.Interner) {
        self.record = record
        // One pass over the body for the three members (canonical bodies hold plain strings).
        var lotID: String? = nil, drawn: Int64? = nil, wasted: Int64? = nil
        var plain = true
        record.body.forEachMember { name, value in
            guard name.count <= 7, let k = Dose.member(name) else { return }
            guard value.count >= 2, value[0] == 0x22 else {
                if k == 0 { lotID = nil }
                return
            }
            let text = UnsafeBufferPointer(rebasing: value[1..<(value.count - 1)])
            if text.contains(0x5c) { plain = false; return }
            switch k {
            case 0: lotID = strings.string(text)
            case 1: drawn = (try? Quantity(parsing: String(decoding: text, as: UTF8.self)))?.micros
            default: wasted = (try? Quantity(parsing: String(decoding: text, as: UTF8.self)))?.micros
            }
        }
        if !plain {  // an escaped string: the general reader
            lotID = record.string(DoseAdministered.Member.lotID)
            drawn = record.micros(DoseAdministered.Member.drawn)
            wasted = record.micros(DoseAdministered.Member.wasted)
        }
        self.lotID = lotID
        self.drawn = drawn.flatMap { $0 > 0 ? $0 : nil }
        self.wasted = wasted ?? 0
    }

    /// The three members' names as bytes, spelled by the body's type.
    private static let memberNames: [[UInt8]] = [DoseAdministered.Member.lotID, DoseAdministered.Member.drawn,
                                                  DoseAdministered.Member.wasted].map { Array($0.utf8) }

    /// 0, 1, 2 for `lot_id`, `drawn`, `wasted`.
    private static func member(_ name: UnsafeBufferPointer<UInt8>) -> Int? {
        memberNames.firstIndex { $0.count == name.count && $0.elementsEqual(name) }
    }

    /// The part of what was drawn that was wasted.
    var share: Double? { drawn.map { Double(wasted) / Double($0) } }
}

/// One change to a lot's balance, from the movements table.
struct Movement: Sendable {
    let seq: Int
    let lotID: String
    let kind: String
    let micros: Int64
    let time: Timestamp
}

/// One physical count: what the ledger expected when it was recorded and what was counted.
struct CountRow: Sendable {
    let seq: Int
    let lotID: String
    let time: Timestamp
    let expected: Int64
    let counted: Int64
}

/// What the rules read, from one snapshot: the entries up to the as-of time (event time), decoded,
/// and the tables kept beside them (movements and counts, filtered to the as-of time).
struct Facts: Sendable {
    // Variables only so that `extend` (the incremental reconciliation's kept facts) can add to them.
    private var _asOf: Timestamp
    /// The genesis entry's time.
    private var _created: Timestamp?
    /// All entries in the ledger file.
    private var _totalEntries: Int
    /// Dispensing and resolution entries with time ≤ as-of, by seq.
    private var _entries: [Record]
    private var _byType: [String: [Record]]
    /// The uncorrected entries of each type.
    private var liveByType: [String: [Record]]
    /// The uncorrected doses, with their figures read once (several rules look at every dose).
    private var _doses: [Dose]
    /// Entries corrected by an `entry.corrected` at or before as-of.
    private var _corrected: Set<Int>
    /// The seqs of `entry.corrected` entries.
    private var _corrections: Set<Int>
    private var _signers: [KeyID: SignerInfo]
    private var _lots: [String: LotFacts]
    private var _movements: [Movement]
    private var _counts: [Int: CountRow]

    /// What a rule reads of these facts, when it is watched (`Reconciler.run` with kept rule outputs); nil otherwise.
    var reads: FactsReads?
    /// When each part last changed (the kept facts' generations; all 0 for facts read once).
    private(set) var version = FactsVersion()

    /// Marks the facts as read from the first entry at `generation` (the kept state's build).
    mutating func start(generation: Int) { version = FactsVersion(base: generation) }

    // Every read of a rule goes through these, so that what a rule read is known (`FactsReads`).
    var asOf: Timestamp { reads?.note(.asOf); return _asOf }
    var created: Timestamp? { reads?.note(.created); return _created }
    var totalEntries: Int { reads?.note(.totalEntries); return _totalEntries }
    var entries: [Record] { reads?.note(.entries); return _entries }
    var byType: [String: [Record]] { reads?.note(.entries); return _byType }
    var doses: [Dose] { reads?.note(.doses); return _doses }
    var corrected: Set<Int> { reads?.note(.corrected); return _corrected }
    var corrections: Set<Int> { reads?.note(.corrections); return _corrections }
    var signers: [KeyID: SignerInfo] { reads?.note(.signers); return _signers }
    var lots: [String: LotFacts] { reads?.note(.lots); return _lots }
    var movements: [Movement] { reads?.note(.movements); return _movements }
    var counts: [Int: CountRow] { reads?.note(.counts); return _counts }

    static var types: [String] { Array(Set(DispensingType.all + [ReconciliationType.findingResolved])).sorted() }

    static func load(_ database: LedgerDatabase, asOf: Timestamp) throws -> Facts {
        try loadCounted(database, asOf: asOf).facts
    }

    /// `load`, with the number of entries read and the lots' units (the kept state's first build reads every
    /// entry this way, with no cut-off).
    static func loadCounted(_ database: LedgerDatabase, asOf: Timestamp) throws -> (facts: Facts, size: Int, units: [String: String]) {
        // The size, the signers and the lots' units from one snapshot. Entries and the tables kept
        // beside them are append-only, so the rows below that size read later (in parallel, below)
        // are the same in every later snapshot.
        let (total, signers, units) = try database.readSnapshot { s in
            var signers: [KeyID: SignerInfo] = [:]
            for signer in try s.signers() {
                signers[signer.keyID] = SignerInfo(keyID: signer.keyID, name: signer.name, role: signer.role, enrolledSeq: signer.enrolledSeq,
                                                   revokedSeq: signer.revokedSeq)
            }
            return (try s.size(), signers, try s.lotUnits())
        }
        let genesis = try database.readSnapshot { s in
            try Chunk(s, seqs: 0..<min(1, total), types: nil, asOf: nil, decoder: RecordDecoder(keys: [], types: [])).records.first
        }
        let created = genesis?.time
        let decoder = RecordDecoder(keys: Array(signers.keys), types: types, origin: genesis?.log)
        // Ranges of seqs, each read and decoded on its own core: the entries, and the movements and
        // counts the projection kept for them.
        let chunks = total < 4096 ? 1 : 16
        let parts = ParallelSlots<Result<Chunk, any Error>>(count: chunks)
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            let range = (total * c / chunks)..<(total * (c + 1) / chunks)
            parts[c] = Result { try database.readSnapshot { s in try Chunk(s, seqs: range, types: types, asOf: asOf, decoder: decoder) } }
        }
        let read = try (0..<chunks).map { try parts[$0]!.get() }
        return (Facts(asOf: asOf, created: created, totalEntries: total, chunks: read, signers: signers, units: units), total, units)
    }

    /// What one worker reads for a range of seqs: the records (in seq order, grouped by type, with the
    /// doses' figures), the movements and the counts with event time at or before as-of.
    struct Chunk: Sendable {
        var records: [Record] = []
        var byType: [String: [Record]] = [:]
        /// Every dose among them, corrected or not.
        var doses: [Dose] = []
        var movements: [Movement] = []
        var counts: [Int: CountRow] = [:]

        /// Reads the range; `types` nil reads every type, `asOf` nil reads only the entries.
        init(_ snapshot: LedgerSnapshot, seqs: Range<Int>, types: [String]?, asOf: Timestamp?, decoder: RecordDecoder) throws {
            guard !seqs.isEmpty else { return }
            records.reserveCapacity(seqs.count)
            try snapshot.forEachEntry(seqs: seqs, types: types) { seq, bytes in
                // Entries dated after as-of are not considered (their rows in the tables neither, below).
                if let r = decoder.decode(seq: seq, bytes: bytes), asOf.map({ r.time <= $0 }) ?? true { records.append(r) }
            }
            for r in records { byType[r.type, default: []].append(r) }
            // Lot ids and kinds repeat on every row: one copy of each.
            var strings = Interner()
            doses = (byType[DispensingType.doseAdministered] ?? []).map { Dose($0, strings: &strings) }
            guard let asOf else { return }
            let limit = asOf.description
            try snapshot.forEachMovement(seqs: seqs, upTo: limit) { seq, lot, kind, micros, time in
                guard let t = Self.time(time) else { return }
                movements.append(Movement(seq: seq, lotID: strings.string(lot), kind: strings.string(kind), micros: micros, time: t))
            }
            try snapshot.forEachCount(seqs: seqs, upTo: limit) { seq, lot, time, expected, counted in
                guard let t = Self.time(time) else { return }
                counts[seq] = CountRow(seq: seq, lotID: strings.string(lot), time: t, expected: expected, counted: counted)
            }
        }

        /// A part made of rows already read (`Facts.upTo`).
        init(records: [Record], movements: [Movement], counts: [Int: CountRow], strings: inout Interner) {
            self.records = records
            for r in records { byType[r.type, default: []].append(r) }
            doses = (byType[DispensingType.doseAdministered] ?? []).map { Dose($0, strings: &strings) }
            self.movements = movements
            self.counts = counts
        }

        /// A stored time, read from its bytes (the projection writes the canonical form).
        static func time(_ b: UnsafeBufferPointer<UInt8>) -> Timestamp? {
            b.count == 24 ? Timestamp(canonicalUTF8: b, at: 0) : Timestamp(String(decoding: b, as: UTF8.self))
        }
    }

    /// One shared `String` for each distinct text read (lot ids and kinds repeat on every row).
    struct Interner {
        private var last: (bytes: [UInt8], string: String)? = nil
        private var known: [UInt64: [(bytes: [UInt8], string: String)]] = [:]

        mutating func string(_ b: UnsafeBufferPointer<UInt8>) -> String {
            if let l = last, l.bytes.elementsEqual(b) { return l.string }
            var h: UInt64 = 0xcbf29ce484222325  // FNV-1a
            for c in b { h = (h ^ UInt64(c)) &* 0x100000001b3 }
            if let found = known[h]?.first(where: { $0.bytes.elementsEqual(b) }) {
                last = found
                return found.string
            }
            let made = (bytes: Array(b), string: String(decoding: b, as: UTF8.self))
            known[h, default: []].append(made)
            last = made
            return made.string
        }
    }

    init(asOf: Timestamp, created: Timestamp?, totalEntries: Int, chunks: [Chunk], signers: [KeyID: SignerInfo],
         units: [String: String]) {
        self._asOf = asOf
        self._created = created
        self._totalEntries = totalEntries
        self._signers = signers
        // Joining the workers' parts: three independent jobs, side by side.
        let tables = ParallelSlots<([Movement], [Int: CountRow])>(count: 1)
        let all = ParallelSlots<[Record]>(count: 1)
        let grouped = ParallelSlots<Grouped>(count: 1)
        DispatchQueue.concurrentPerform(iterations: 3) { job in
            switch job {
            case 0:
                var movements: [Movement] = []
                movements.reserveCapacity(chunks.reduce(0) { $0 + $1.movements.count })
                var counts: [Int: CountRow] = [:]
                for c in chunks {
                    movements += c.movements
                    counts.merge(c.counts) { a, _ in a }
                }
                tables[0] = (movements, counts)
            case 1:
                var entries: [Record] = []
                entries.reserveCapacity(chunks.reduce(0) { $0 + $1.records.count })
                for c in chunks { entries += c.records }
                all[0] = entries
            default:
                grouped[0] = Grouped(chunks)
            }
        }
        (_movements, _counts) = tables[0]!
        _entries = all[0]!
        let g = grouped[0]!
        (_byType, liveByType, _doses, _corrected, _corrections) = (g.byType, g.liveByType, g.doses, g.corrected, g.corrections)
        _lots = Self.lots(receipts: g.byType[DispensingType.lotReceived] ?? [], corrected: g.corrected, units: units)
    }

    /// Each lot as its receipts describe it.
    private static func lots(receipts list: [Record], corrected: Set<Int>, units: [String: String]) -> [String: LotFacts] {
        var receipts: [String: [Record]] = [:]
        for e in list {
            if let id = e.receivedLotID { receipts[id, default: []].append(e) }
        }
        var lots: [String: LotFacts] = [:]
        for (id, rs) in receipts {
            let first = rs.first { !corrected.contains($0.seq) }
            let basis = first ?? rs[0]
            lots[id] = LotFacts(lotID: id, unit: basis.string(LotReceived.Member.unit) ?? units[id] ?? "",
                                unitsPerContainer: basis.micros(LotReceived.Member.unitsPerContainer) ?? 0,
                                expiry: basis.string(LotReceived.Member.expiry).flatMap { try? ExpiryDate(iso: $0) }, firstReceipt: first, receipts: rs)
        }
        return lots
    }

    /// Adds the entries of `chunk` (read with no as-of cut-off: the seqs right after the ones held), so that
    /// the facts equal what `load` reads as of any time at or after every time they hold (the caller checks
    /// that, `ReconciliationState`). What a new `entry.corrected` corrects leaves the lists it was in.
    mutating func extend(_ chunk: Chunk, totalEntries: Int, signers: [KeyID: SignerInfo], units: [String: String], unitsChanged: Bool,
                         generation: Int = 0) {
        // Each part that changes is stamped with `generation`, so a rule's kept output stays valid while none
        // of what it read was stamped after it was computed (`FactsVersion.unchanged`).
        func stamp(_ part: FactsReads.Part) { version.stamps[part.rawValue] = generation }
        version.generation = generation
        _totalEntries = totalEntries
        stamp(.totalEntries)
        if signers != _signers { _signers = signers; stamp(.signers) }
        if _created == nil, let first = chunk.records.first, first.seq == 0 { _created = first.time; stamp(.created) }
        if !chunk.records.isEmpty { _entries += chunk.records; stamp(.entries) }
        for (type, list) in chunk.byType { _byType[type, default: []] += list }
        var newlyCorrected: [Int] = []
        for e in chunk.byType[DispensingType.entryCorrected] ?? [] {
            _corrections.insert(e.seq)
            stamp(.corrections)
            if let c = e.integer(EntryCorrected.Member.corrects), _corrected.insert(c).inserted { newlyCorrected.append(c); stamp(.corrected) }
        }
        // Earlier records a new correction names leave the live lists (a correction may name any seq).
        var receiptsTouched = chunk.byType[DispensingType.lotReceived] != nil || unitsChanged
        for seq in newlyCorrected {
            guard let r = Facts.find(seq, in: _entries) else { continue }
            liveByType[r.type]?.removeAll { $0.seq == seq }
            version.typeStamps[r.type] = generation
            if r.type == DispensingType.doseAdministered { _doses.removeAll { $0.record.seq == seq }; stamp(.doses) }
            if r.type == DispensingType.lotReceived { receiptsTouched = true }
        }
        for (type, list) in chunk.byType {
            let live = list.filter { !_corrected.contains($0.seq) }
            if !live.isEmpty || liveByType[type] == nil {
                liveByType[type, default: []] += live
                version.typeStamps[type] = generation
            }
        }
        let doses = chunk.doses.filter { !_corrected.contains($0.record.seq) }
        if !doses.isEmpty { _doses += doses; stamp(.doses) }
        if !chunk.movements.isEmpty { _movements += chunk.movements; stamp(.movements) }
        if !chunk.counts.isEmpty { _counts.merge(chunk.counts) { a, _ in a }; stamp(.counts) }
        if receiptsTouched {
            _lots = Self.lots(receipts: _byType[DispensingType.lotReceived] ?? [], corrected: _corrected, units: units)
            stamp(.lots)
        }
    }

    /// The same facts as of another time (only ever one at or after every time they hold).
    func at(_ time: Timestamp) -> Facts {
        var f = self
        f._asOf = time
        return f
    }

    /// What `load` reads as of `time`, from facts read with no cut-off: the records, movements and counts
    /// dated after it left out in memory, and the rest grouped again (a correction dated after it no longer counts).
    func upTo(_ time: Timestamp, units: [String: String]) -> Facts {
        var strings = Interner()
        let chunk = Chunk(records: _entries.filter { $0.time <= time }, movements: _movements.filter { $0.time <= time },
                          counts: _counts.filter { $0.value.time <= time }, strings: &strings)
        return Facts(asOf: time, created: _created, totalEntries: _totalEntries, chunks: [chunk], signers: _signers, units: units)
    }

    /// The records by type, which were corrected, and the lists without them.
    private struct Grouped {
        var byType: [String: [Record]] = [:]
        var liveByType: [String: [Record]] = [:]
        var doses: [Dose] = []
        var corrected = Set<Int>()
        var corrections = Set<Int>()

        init(_ chunks: [Chunk]) {
            for c in chunks {
                for (type, list) in c.byType { byType[type, default: []] += list }
            }
            for e in byType[DispensingType.entryCorrected] ?? [] {
                corrections.insert(e.seq)
                if let c = e.integer(EntryCorrected.Member.corrects) { corrected.insert(c) }
            }
            // Only the lists that hold a corrected entry are filtered; the others are shared as they are.
            var correctedTypes = Set<String>()
            for seq in corrected {
                for c in chunks {
                    guard let last = c.records.last, last.seq >= seq else { continue }
                    if let r = Facts.find(seq, in: c.records) { correctedTypes.insert(r.type) }
                    break
                }
            }
            liveByType = byType
            for type in correctedTypes { liveByType[type] = byType[type]?.filter { !corrected.contains($0.seq) } }
            let dosesCorrected = correctedTypes.contains(DispensingType.doseAdministered)
            doses = chunks.flatMap { c in dosesCorrected ? c.doses.filter { !corrected.contains($0.record.seq) } : c.doses }
        }
    }

    /// The record at `seq` in `records` (in seq order), by binary search.
    static func find(_ seq: Int, in records: [Record]) -> Record? {
        var low = 0, high = records.count
        while low < high {
            let mid = (low + high) / 2
            if records[mid].seq < seq { low = mid + 1 } else { high = mid }
        }
        return low < records.count && records[low].seq == seq ? records[low] : nil
    }

    /// Entries of `type` that were not corrected.
    func live(_ type: String) -> [Record] {
        reads?.note(type: type)
        return liveByType[type] ?? []
    }

    /// The entry at `seq`, if it is one of `entries`.
    subscript(seq seq: Int) -> Record? {
        // Entries are in seq order; the rules look up only the few entries a finding cites.
        Facts.find(seq, in: entries)
    }

    func unit(_ lotID: String) -> String { lots[lotID]?.unit ?? "" }

    /// `2.5 mL`.
    func quantity(_ micros: Int64, _ lotID: String) -> String {
        let u = unit(lotID)
        return u.isEmpty ? Quantity(micros: micros).description : "\(Quantity(micros: micros)) \(u)"
    }
}

extension Timestamp {
    func adding(hours: Double) -> Timestamp { adding(milliseconds: Int64((hours * 3_600_000).rounded())) }
    func adding(days: Double) -> Timestamp { adding(hours: days * 24) }
    /// Hours from `other` to this.
    func hours(since other: Timestamp) -> Double { Double(millisecondsSinceEpoch - other.millisecondsSinceEpoch) / 3_600_000 }
    /// A short human form: `2025-01-08 14:05 UTC`.
    var short: String {
        let d = description
        return "\(d.prefix(10)) \(d.dropFirst(11).prefix(5)) UTC"
    }
}
