import Dispensing
import Foundation
import Testing
@testable import CSLedgerKit
@testable import LedgerCore
@testable import LedgerStore
import Reconciliation
import Simulation

/// The simulation lives in the Simulation library (the benchmark builds its million-entry ledger with it);
/// the tests keep their old names and a temporary folder per ledger.
typealias ReconLedger = SimulatedLedger

extension SimulatedLedger {
    /// A simulated ledger in a new temporary folder.
    convenience init(created: Timestamp, people: [(String, String, Role)]) throws {
        let dir = try TempDir()
        try self.init(path: dir.path("ledger.sqlite"), created: created, people: people)
        keepAlive = dir
    }

    /// The temporary folder holding the ledger file.
    var dir: TempDir { keepAlive as! TempDir }

    /// Writes every key as PEM files into `<dir>/Keys` (for CLI tests).
    func writeKeyFiles() throws { try writeKeyFiles(directory: dir.path("Keys")) }

    func reconcile(asOf: Timestamp, config: ReconciliationConfig = ReconciliationConfig(), verify: Bool = true) throws -> ReconciliationReport {
        try ledger.reconcile(asOf: asOf, config: config, verify: verify, now: asOf)
    }
}

extension ClinicSim {
    /// A clinic simulation in a new temporary folder.
    convenience init(start: Timestamp, options: Options = Options(), extraPeople: [(String, String, Role)] = []) throws {
        let dir = try TempDir()
        try self.init(path: dir.path("ledger.sqlite"), start: start, options: options, extraPeople: extraPeople)
        fx.keepAlive = dir
    }
}
