import Foundation
import GRDB
import LedgerCore
import LedgerStore

/// One lot's movements kept in memory between pages, in event-time then seq order, with the balance after each:
/// read in full once, then only the movements of entries appended since (the projection never changes or removes
/// a movement once written, a correction adds one). A bulk lot has hundreds of thousands of movements; reading
/// them all for every page took most of its time. From the kept series a page takes its balance, its totals by
/// kind, a page of movements and a thinned chart, whatever the lot's size, as of any event time.
///
/// Kept state, not stored: nothing here is written to the file, so it needs no place in the integrity checks;
/// the caller checks the ledger's integrity before it reads, as for every answer from the derived tables.
package struct LotSeries: Sendable {
    /// The lot this series is of.
    package let lotID: String
    /// Per movement, in (event time, seq) order: the entry, its event time in milliseconds, its kind
    /// (an index into `kinds`), its signed micro-units and the lot's balance after it.
    package private(set) var seqs: [Int] = []
    package private(set) var times: [Int64] = []
    package private(set) var kindCodes: [UInt8] = []
    package private(set) var micros: [Int64] = []
    package private(set) var balances: [Int64] = []
    /// The last entry whose movements are in, and its leaf hash: a file that no longer holds that very entry
    /// (a backup restored under the daemon) is read again from the start.
    private var through: (seq: Int, leaf: Data)?

    /// The kinds of movement (the `movements.kind` values), in the order the page lists them.
    package static let kinds = ["received", "administered", "dispensed", "wasted", "returned", "destroyed", "lost", "adjusted", "transferred"]

    package init(lotID: String) { self.lotID = lotID }

    /// Movements held.
    package var count: Int { seqs.count }

    /// One movement as a page shows it.
    package struct Movement: Sendable, Equatable {
        package let seq: Int
        package let kind: String
        package let micros: Int64
        package let time: Timestamp
        /// The balance after it.
        package let balance: Int64

        package init(seq: Int, kind: String, micros: Int64, time: Timestamp, balance: Int64) {
            self.seq = seq
            self.kind = kind
            self.micros = micros
            self.time = time
            self.balance = balance
        }
    }

    package subscript(i: Int) -> Movement {
        Movement(seq: seqs[i], kind: Self.kinds[Int(kindCodes[i])], micros: micros[i], time: Timestamp(millisecondsSinceEpoch: times[i]), balance: balances[i])
    }

    /// Brings the series up to date with the file: every movement of the lot the first time (or when the file
    /// changed under it), then only those of entries appended since. Returns how many movements were read.
    @discardableResult
    package mutating func update(_ database: LedgerDatabase) throws -> Int {
        try database.read { db in
            guard let last = try Int.fetchOne(db, sql: "SELECT max(seq) FROM entries") else {
                self = LotSeries(lotID: lotID)
                return 0
            }
            let leaf = { (seq: Int) in try Data.fetchOne(db, sql: "SELECT leaf_hash FROM entries WHERE seq = ?", arguments: [seq]) }
            if let t = through, try t.seq > last || leaf(t.seq) != t.leaf { self = LotSeries(lotID: lotID) }
            let from = (through?.seq ?? -1) + 1
            guard from <= last else { return 0 }
            var read = 0
            if through == nil {
                // Every movement of the lot, in the order of its index (lot, time, then the key: seq, kind).
                let cursor = try Row.fetchCursor(db, sql: "SELECT seq, kind, micros, time FROM movements WHERE lot_id = ? ORDER BY time, seq, kind",
                                                 arguments: [lotID])
                while let row = try cursor.next() {
                    guard let time = try DispensingRecords.time(row, 3) else { continue }
                    append(seq: row[0], kind: row[1], micros: row[2], time: time.millisecondsSinceEpoch)
                    read += 1
                }
            } else {
                // The new entries' movements of this lot: a range of the key (seq first), not the lot's index
                // (`+lot_id` keeps SQLite off it), which would walk every movement the lot has.
                var new: [(seq: Int, kind: String, micros: Int64, time: Int64)] = []
                let cursor = try Row.fetchCursor(db, sql: "SELECT seq, kind, micros, time FROM movements WHERE seq >= ? AND seq <= ? AND +lot_id = ?",
                                                 arguments: [from, last, lotID])
                while let row = try cursor.next() {
                    guard let time = try DispensingRecords.time(row, 3) else { continue }
                    new.append((row[0], row[1], row[2], time.millisecondsSinceEpoch))
                }
                new.sort { ($0.time, $0.seq, $0.kind) < ($1.time, $1.seq, $1.kind) }
                read = new.count
                if let first = new.first, let lastTime = times.last, first.time < lastTime {
                    // An entry whose event time is earlier than the latest movement's (a late record): it goes in
                    // its place, and every balance after it moves.
                    var all = (0..<count).map { i in (seq: seqs[i], kind: Self.kinds[Int(kindCodes[i])], micros: micros[i], time: times[i]) } + new
                    all.sort { ($0.time, $0.seq, $0.kind) < ($1.time, $1.seq, $1.kind) }
                    var fresh = LotSeries(lotID: lotID)
                    for m in all { fresh.append(seq: m.seq, kind: m.kind, micros: m.micros, time: m.time) }
                    self = fresh
                } else {
                    for m in new { append(seq: m.seq, kind: m.kind, micros: m.micros, time: m.time) }
                }
            }
            guard let lastLeaf = try leaf(last) else {
                throw LedgerError(.ledgerCorrupt, "the ledger file is damaged: entry \(last) has no stored hash; run `csledger verify` to see every problem, then restore the file from a backup")
            }
            through = (last, lastLeaf)
            return read
        }
    }

    private mutating func append(seq: Int, kind: String, micros m: Int64, time: Int64) {
        let code = Self.kinds.firstIndex(of: kind) ?? Self.kinds.count - 1
        seqs.append(seq)
        times.append(time)
        kindCodes.append(UInt8(code))
        micros.append(m)
        balances.append((balances.last ?? 0) + m)
    }

    /// How many movements have event time at or before `asOf` (all when nil): the series as of that time is its
    /// first `end(asOf:)` movements.
    package func end(asOf: Timestamp?) -> Int {
        guard let asOf else { return count }
        var lo = 0, hi = count
        while lo < hi {
            let mid = (lo + hi) / 2
            if times[mid] <= asOf.millisecondsSinceEpoch { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// The position of the first movement of entry `seq` among the first `end`, nil if it has none.
    package func position(ofSeq seq: Int, end: Int) -> Int? {
        var i = end - 1
        while i >= 0, seqs[i] != seq { i -= 1 }
        guard i >= 0 else { return nil }
        while i > 0, seqs[i - 1] == seq { i -= 1 }
        return i
    }

    /// The number of movements and their sum, by kind, among the first `end` (kinds with none left out).
    package func totals(end: Int) -> [(kind: String, count: Int, micros: Int64)] {
        var n = [Int](repeating: 0, count: Self.kinds.count), sum = [Int64](repeating: 0, count: Self.kinds.count)
        for i in 0..<end {
            let k = Int(kindCodes[i])
            n[k] += 1
            sum[k] += micros[i]
        }
        return Self.kinds.indices.filter { n[$0] > 0 }.map { (Self.kinds[$0], n[$0], sum[$0]) }
    }

    /// The positions of the movements to draw of the first `end`, for a chart `columns` wide: in each column of
    /// time, the first movement, the one after which the balance is lowest, the one after which it is highest,
    /// and the last, in order. The drawn line then has the same lowest, highest and final balance as the full
    /// series (no dip is hidden) with at most four points a column, whatever the number of movements.
    package func thinned(end: Int, columns: Int) -> [Int] {
        Self.thinned(times: times, balances: balances, end: end, columns: columns)
    }

    /// `thinned(end:columns:)` over any series: `times` ascending, `balances` the value after each.
    package static func thinned(times: [Int64], balances: [Int64], end: Int, columns: Int) -> [Int] {
        guard end > 0 else { return [] }
        let x0 = times[0], x1 = times[end - 1]
        guard end > columns * 4, x1 > x0, columns > 0 else { return Array(0..<end) }
        let span = Double(x1 - x0)
        let column = { (i: Int) in min(Int(Double(times[i] - x0) / span * Double(columns)), columns - 1) }
        var out: [Int] = []
        out.reserveCapacity(columns * 4)
        var i = 0
        while i < end {
            let c = column(i)
            var j = i, lo = i, hi = i
            while j < end, column(j) == c {
                if balances[j] < balances[lo] { lo = j }
                if balances[j] > balances[hi] { hi = j }
                j += 1
            }
            for k in Set([i, lo, hi, j - 1]).sorted() { out.append(k) }
            i = j
        }
        return out
    }
}
