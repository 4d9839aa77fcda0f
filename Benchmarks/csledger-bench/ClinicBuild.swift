import CSLedgerKit
import Dispensing
import Foundation
import LedgerCore
import Simulation

/// Builds the benchmark's ledger: the clinic simulation (Simulation.ClinicSim) scaled up to a busy
/// infusion clinic and home-delivery pharmacy, run business day by business day until the ledger holds
/// the entries asked for, then the benchmark's own vial lot received.
///
/// Every entry goes through the real append path: signatures checked, the dispensing projection
/// updated, one transaction and one signed checkpoint per business day.
struct ClinicBuild {
    struct Outcome {
        let entries: Int
        let businessDays: Int
        let seconds: Double
        let cpuSeconds: Double
        let patients: [PersonalData.Reference]
    }

    /// The first day of the simulated period for a ledger of `entries`: 2023-01-02 (a Monday), or a Monday early
    /// enough that the period ends at least four weeks before `now`. The clinic writes about 2,100 entries a
    /// business day, so three million entries take about 1,400 business days: started in 2023 they would run into
    /// 2028, and the benchmark's timed appends, dated now, would be late entries in a ledger dated ahead of them
    /// (the kept reconciliation then answers as of a time before some facts: every rule from scratch).
    static func start(entries: Int, now: Timestamp = .now()) -> Timestamp {
        let day: Int64 = 86_400_000
        let earliest = Timestamp("2023-01-02T00:00:00Z")!
        let businessDays = Int64(entries / 1_900 + 1)  // fewer entries a day than the clinic writes: a margin
        let back = now.millisecondsSinceEpoch / day - businessDays * 7 / 5 - 28
        let monday = back - (back + 3) % 7  // 1970-01-01 was a Thursday
        return Timestamp(millisecondsSinceEpoch: min(earliest.millisecondsSinceEpoch, monday * day))
    }

    static func options() -> ClinicSim.Options {
        var o = ClinicSim.Options()
        o.dosesPerDay = 1_200
        o.newPrescriptionsPerDay = 60
        o.clinicPatients = 3_000
        o.homePatients = 4_000
        o.seed = 2026
        // At this volume a quarantined parcel's lot is drawn down before its destruction two days later.
        o.quarantineReturnDay = nil
        o.clinicians = ["clin1", "clin2", "clin3", "clin4", "clin5"]
        return o
    }

    static func build(path: String, entries: Int, progress: (Int) -> Void) throws -> Outcome {
        let cpuBefore = ProcStatus.cpuSeconds()
        let watch = Stopwatch()
        let sim = try ClinicSim(path: path, start: start(entries: entries), options: options())
        try sim.run(untilEntries: entries - 1, progress: progress)
        let t = Timestamp.now()
        try sim.fx.stage(Workload.receipt(time: t), by: "pharm1", witnesses: ["witness1"], at: t)
        try sim.fx.flush(clock: t)
        try sim.fx.seal()
        return Outcome(entries: sim.fx.nextSeq, businessDays: sim.o.businessDays, seconds: watch.seconds,
                       cpuSeconds: ProcStatus.cpuSeconds() - cpuBefore, patients: Array(sim.clinicPatients.prefix(500)))
    }

    /// Patients already on file in a ledger built earlier (for `--reuse`).
    static func patients(_ ledger: Ledger) throws -> [PersonalData.Reference] {
        try ledger.personalData.references(kind: .patient, limit: 500)
    }
}
