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

    static let start = Timestamp("2023-01-02T00:00:00Z")!  // a Monday

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
        let sim = try ClinicSim(path: path, start: start, options: options())
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
