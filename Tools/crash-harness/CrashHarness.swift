import ArgumentParser
import CSLedgerKit
import Dispensing
import Foundation
import LedgerCore
import LedgerStore
import Simulation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Kills `csledger` and `csledgerd` with SIGKILL at random moments during continuous appends, and after each
/// kill checks that the ledger verifies, that every acknowledged entry is there with the same bytes, and that
/// nothing half-written remains (checkpoint = tree size, tables kept for speed = a replay of the entries).
@main
struct CrashHarness: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crash-harness",
        abstract: "SIGKILL csledger and csledgerd during appends, then check nothing acknowledged was lost and nothing partial remains.")

    @Option(help: "How many kills (alternating CLI and daemon rounds).") var kills = 200
    @Option(help: "Random seed (default: random; printed so a failure can be replayed).") var seed: UInt64?
    @Option(help: "Latest moment of a kill, in seconds after the round's appends start.") var maxDelay = 0.8
    @Option(help: "cli, daemon or both.") var mode = "both"
    @Option(help: "Compare the inventory with a full replay every N rounds (and after the last).") var replayEvery = 1
    @Option(help: ArgumentHelp("Folder holding the built csledger and csledgerd (default: beside this program).", valueName: "dir")) var bin: String?
    @Option(help: ArgumentHelp("Work folder (default: a new temporary folder, removed on success).", valueName: "dir")) var work: String?
    @Flag(help: "Print one line per round.") var verbose = false

    func run() throws {
        let seed = self.seed ?? UInt64.random(in: 0...UInt64.max)
        var rng = SeededRandom(seed: seed)
        let binDir = bin ?? URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().path
        let dir = URL(fileURLWithPath: work ?? FileManager.default.temporaryDirectory.appendingPathComponent("crash-harness-\(UUID().uuidString)").path)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let ledger = HarnessLedger(dir: dir, csledger: binDir + "/csledger", csledgerd: binDir + "/csledgerd")
        print("crash-harness: seed \(seed), \(kills) kills, work folder \(dir.path)")
        let started = Date()
        try ledger.setUp()
        let acks = AckLog()
        var cliKills = 0, daemonKills = 0, finishedBeforeKill = 0
        for round in 0..<kills {
            let daemon = mode == "daemon" || (mode == "both" && round % 2 == 1)
            // A csledger process takes a while to start, so CLI rounds run longer to let some appends finish first.
            let delay = Double.random(in: 0.02...max(0.03, daemon ? maxDelay : 3 * maxDelay), using: &rng)
            let killed: Bool
            if daemon {
                killed = try ledger.daemonRound(round, delay: delay, acks: acks, rng: &rng)
                daemonKills += killed ? 1 : 0
            } else {
                killed = try ledger.cliRound(round, delay: delay, acks: acks, rng: &rng)
                cliKills += killed ? 1 : 0
            }
            if !killed { finishedBeforeKill += 1 }
            let replay = replayEvery > 0 && (round % replayEvery == 0 || round == kills - 1)
            let size = try ledger.check(acks: acks, replay: replay, round: round)
            if let p = acks.allProblems.first { throw HarnessFailure("round \(round): \(p) (seed \(seed))") }
            if verbose {
                print("round \(round) \(daemon ? "daemon" : "cli   ") kill at \(String(format: "%.3f", delay)) s: \(size) entries, \(acks.all.count) acknowledged")
            }
        }
        let seconds = Date().timeIntervalSince(started)
        let size = try ledger.check(acks: acks, replay: true, round: kills)
        print("crash-harness: OK: \(cliKills + daemonKills) SIGKILLs (\(cliKills) csledger, \(daemonKills) csledgerd) in \(kills) rounds"
              + "\(finishedBeforeKill > 0 ? ", \(finishedBeforeKill) rounds ended before the kill" : ""); "
              + "\(acks.all.count) acknowledged entries all present with identical bytes; ledger \(size) entries verifies clean; "
              + "checkpoint = tree size after every round, inventory = replay every \(replayEvery) round(s) and at the end; "
              + "\(String(format: "%.0f", seconds)) s")
        if work == nil { try? FileManager.default.removeItem(at: dir) }
    }
}

struct HarnessFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

