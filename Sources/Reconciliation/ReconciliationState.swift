import Dispatch
import Dispensing
import Foundation
import LedgerCore
import LedgerStore
import Synchronization

/// The reconciliation kept up to date as entries are appended (issue 24 item 3): the facts the rules read are
/// read and decoded once, and each answer reads and decodes only the entries appended since the last one.
///
/// Where the state lives, and why in memory: the rules' inputs are the decoded records and the tables kept
/// beside them (movements, counts, signers, lot units), all append-only by seq, so extending them is exact:
/// the kept facts are, entry for entry, what `Facts.load` reads, and the rules run over them unchanged (the
/// one definition of every finding, so the incremental answer cannot drift from `reconcile --full`). The
/// owner (the daemon: its reconciliation route and the dashboard) calls `Ledger.requireIntegrity()` before
/// each answer, so the state is only ever built and extended from a file that passed the integrity check.
///
/// Each answer then runs only what the new entries (or the time) can change: a rule none of whose reads changed
/// gives its kept output again (`RuleOutputs`, `FactsReads`); a rule that reads the clock only at its end keeps
/// its heavy part as a derived value (`Run.derived`); a check of one record at a time checks only the records
/// appended since (`Run.eachRecord`); a fold over the movements steps through the new ones only
/// (`Run.foldMovements`). Each is exact by construction, and the random-appends test compares every answer
/// with a full pass.
///
/// The kept facts hold every entry whatever its time; an answer as of an earlier time than some of them (a past
/// `as_of`, or a statement dated ahead of the ledger's clock) leaves those out in memory first. A file that no
/// longer holds the entries the facts were read from (replaced behind the daemon's back) is read again.
package final class ReconciliationState: Sendable {
    package let reconciler: Reconciler
    private struct Kept: Sendable {
        var facts: Facts
        /// Entries read so far (seqs 0..<size).
        var size: Int
        /// The latest event time among the records, movements and counts held.
        var latest: Timestamp
        var units: [String: String]
        /// SHA-256 of the bytes of the entry at `size - 1`: the entries are hash-chained, so while that entry
        /// is unchanged so is every one before it (a file replaced by another, say a backup restored while
        /// the daemon runs, is read again from the start).
        var lastHash: Hash?
        /// The ledger's origin (the genesis entry's `log`), shared by every record read.
        var origin: String?
    }
    /// Held while the facts are extended, so a burst of readers after an append waits for one read of the
    /// new entries (and the arrays, uniquely held, grow in place).
    private let kept = Mutex<Kept?>(nil)
    private let tally = Mutex<Counters>(Counters())
    /// Each rule's latest output, reused while nothing the rule read has changed (`FactsReads`).
    private let outputs = RuleOutputs(rules: Reconciler.ruleNames.count)
    /// The last generation given to the facts: one more at each build and at each extension that adds entries.
    private let generations = Mutex(0)

    /// What the state has done so far (tests and the benchmark read it).
    package struct Counters: Sendable, Equatable {
        /// Answers from the kept facts as they are; from them with the facts dated after the answer's time left
        /// out; from the file (none so far: kept for a state that cannot be built).
        package var incremental = 0
        package var filtered = 0
        package var full = 0
        /// Entries read into the state by extensions after the first build.
        package var entriesAdded = 0
        /// Builds from the first entry (the first answer, or a file that no longer holds what was read).
        package var builds = 0
        /// Rules answered from their kept output (nothing they read changed), and rules run, in answers from
        /// the kept facts as they are.
        package var rulesReused = 0
        package var rulesRun = 0
    }

    package init(reconciler: Reconciler = Reconciler()) {
        self.reconciler = reconciler
    }

    package var counters: Counters {
        var c = tally.withLock { $0 }
        (c.rulesReused, c.rulesRun) = outputs.counts
        return c
    }

    /// Each rule's wall time in the last answer from the kept facts as they are (the rules run side by side).
    package var lastRuleSeconds: [String: Double] { lastRules.withLock { $0 } }
    private let lastRules = Mutex<[String: Double]>([:])

    /// Entries held (0 before the first answer).
    package var size: Int { kept.withLock { $0?.size ?? 0 } }

    /// A far-future cut-off: the state reads every row, whatever its time.
    static let noCutOff = Timestamp(millisecondsSinceEpoch: 253_402_300_799_999)  // 9999-12-31T23:59:59.999Z

    /// The reconciliation of `database` as of `asOf` (default `now`), from the kept facts extended by the entries
    /// appended since the last call; from scratch when the kept facts cannot answer for that time (one of them
    /// is dated after it).
    /// The caller has checked the file's integrity (`Ledger.requireIntegrity`).
    package func run(_ database: LedgerDatabase, asOf: Timestamp? = nil, verification: VerificationReport? = nil,
                    now: Timestamp = .now()) throws -> ReconciliationReport {
        let at = asOf ?? now
        guard let kept = try extended(database) else {
            tally.withLock { $0.full += 1 }
            return try reconciler.run(database, asOf: asOf, verification: verification, now: now)
        }
        if kept.latest <= at {
            tally.withLock { $0.incremental += 1 }
            let seconds = ParallelSlots<Double>(count: Reconciler.ruleNames.count)
            let report = reconciler.run(kept.facts.at(at), asOfGiven: asOf != nil, verification: verification, seconds: seconds,
                                        outputs: outputs)
            let named = Dictionary(uniqueKeysWithValues: Reconciler.ruleNames.indices.map { (Reconciler.ruleNames[$0], seconds[$0] ?? 0) })
            lastRules.withLock { $0 = named }
            return report
        }
        // As of a time before some of the facts (a past `as_of`, or a statement dated ahead of the clock, which
        // the ledger allows by a few minutes): those dated after it are left out in memory, nothing read again.
        tally.withLock { $0.filtered += 1 }
        return reconciler.run(kept.facts.upTo(at, units: kept.units), asOfGiven: asOf != nil, verification: verification)
    }

    /// The kept facts, extended to the file's current size (read again from the start when the file no longer
    /// holds the entries they were read from).
    private func extended(_ database: LedgerDatabase) throws -> Kept? {
        try kept.withLock { slot throws -> Kept? in
            func build() throws -> Kept {
                // The first build: every entry, on every core, as `Facts.load` reads them but with no cut-off.
                var (facts, size, units) = try Facts.loadCounted(database, asOf: ReconciliationState.noCutOff)
                let last = try database.readSnapshot { s in try Self.hash(s, seq: size - 1) }
                tally.withLock { $0.builds += 1 }
                // Every rule output kept so far was computed over other facts.
                outputs.clear()
                facts.start(generation: nextGeneration())
                let origin = facts.entries.first(where: { $0.log != nil })?.log
                return Kept(facts: facts, size: size, latest: facts.latestTime, units: units, lastHash: last, origin: origin)
            }
            guard var k = slot else {
                slot = try build()
                return slot
            }
            slot = nil  // the arrays are extended in place, not copied
            let types = Facts.types
            // Size, signers, units and the new entries' rows from one snapshot.
            let next: Kept? = try database.readSnapshot { s in
                let total = try s.size()
                guard total >= k.size, try Self.hash(s, seq: k.size - 1) == k.lastHash else { return nil }
                guard total != k.size else { return k }
                var signers: [KeyID: SignerInfo] = [:]
                for signer in try s.signers() {
                    signers[signer.keyID] = SignerInfo(keyID: signer.keyID, name: signer.name, role: signer.role, enrolledSeq: signer.enrolledSeq,
                                                       revokedSeq: signer.revokedSeq)
                }
                let decoder = RecordDecoder(keys: Array(signers.keys), types: types, origin: k.origin)
                let chunk = try Facts.Chunk(s, seqs: k.size..<total, types: types, asOf: Self.noCutOff, decoder: decoder)
                // A lot's row (with its unit) is written once, by its first receipt: the units are read again only when
                // the new entries hold a receipt or the table holds another number of lots (reading every lot's unit at
                // every answer was a fifth of an answer's time at 3M entries, 8,700 lots).
                let received = try chunk.byType[DispensingType.lotReceived] != nil || s.lotCount() != k.units.count
                let units = received ? try s.lotUnits() : k.units
                k.facts.extend(chunk, totalEntries: total, signers: signers, units: units, unitsChanged: units != k.units,
                               generation: nextGeneration())
                k.latest = max(k.latest, Self.latest(chunk))
                tally.withLock { $0.entriesAdded += total - k.size }
                k.size = total
                k.units = units
                k.lastHash = try Self.hash(s, seq: total - 1)
                return k
            }
            slot = try next ?? build()
            return slot
        }
    }

    private func nextGeneration() -> Int {
        generations.withLock { g in
            g += 1
            return g
        }
    }

    /// SHA-256 of the stored bytes of the entry at `seq` (nil for none).
    private static func hash(_ s: LedgerSnapshot, seq: Int) throws -> Hash? {
        guard seq >= 0 else { return nil }
        var h: Hash?
        try s.forEachEntry(seqs: seq..<(seq + 1), types: nil) { _, bytes in h = Hash.sha256(Array(bytes)) }
        return h
    }

    /// The latest event time among a chunk's records, movements and counts.
    static func latest(_ c: Facts.Chunk) -> Timestamp {
        var t = Timestamp(millisecondsSinceEpoch: .min)
        for r in c.records where r.time > t { t = r.time }
        for m in c.movements where m.time > t { t = m.time }
        for n in c.counts.values where n.time > t { t = n.time }
        return t
    }
}

extension Facts {
    /// The latest event time among the records, movements and counts.
    var latestTime: Timestamp {
        var t = Timestamp(millisecondsSinceEpoch: .min)
        for r in entries where r.time > t { t = r.time }
        for m in movements where m.time > t { t = m.time }
        for n in counts.values where n.time > t { t = n.time }
        return t
    }
}
