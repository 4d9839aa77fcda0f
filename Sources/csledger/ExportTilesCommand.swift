import ArgumentParser
import CSLedgerKit
import Dispensing
import Foundation
import LedgerCore
import Reports

/// `csledger export tiles --out DIR`: the log as C2SP tlog-tiles static files, for a mirror or a regulator.
struct ExportTiles: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tiles",
        abstract: "Write the ledger as C2SP tlog-tiles files: checkpoint (with cosignatures), tile/<L>/<N>[.p/<W>], tile/entries/<N>[.p/<W>].",
        discussion: "The folder must be new or empty. Serve it as static files under any URL prefix; csledgerd serves the same at /checkpoint and /tile/ to the regulator and witness roles.")

    @OptionGroup var ledgerOptions: LedgerOptions
    @OptionGroup var output: OutputOptions

    @Option(help: ArgumentHelp("The folder to write (new or empty).", valueName: "dir"))
    var out: String

    func run() throws {
        let dir = try BundleWriter.checkDestination(out)
        let ledger = try ledgerOptions.open(readOnly: true)
        let cp = try ledger.checkpoint()
        let note = try ledger.database.cosignedNote(cp)
        let tiles = TlogTiles.tiles(size: cp.treeSize)
        let fm = FileManager.default
        // Written in a sibling folder first and moved into place, so a failure leaves no half a tree.
        let staging = dir.deletingLastPathComponent().appendingPathComponent("." + dir.lastPathComponent + ".partial-\(getpid())")
        try? fm.removeItem(at: staging)
        do {
            try fm.createDirectory(at: staging, withIntermediateDirectories: true)
            try Data(note.utf8).write(to: staging.appendingPathComponent("checkpoint"))
            for t in tiles {
                let url = staging.appendingPathComponent(t.path)
                try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(try ledger.database.tileData(t, size: cp.treeSize)).write(to: url)
            }
            if fm.fileExists(atPath: dir.path) { try fm.removeItem(at: dir) }
            try fm.moveItem(at: staging, to: dir)
        } catch let e as LedgerError {
            try? fm.removeItem(at: staging)
            throw e
        } catch {
            try? fm.removeItem(at: staging)
            throw LedgerError(.storage, "could not write the tiles to \(out): \(error)")
        }
        let hashTiles = tiles.filter { $0.level != nil }.count
        if output.json {
            Output.json(["out": .string(dir.path), "tree_size": .number(Double(cp.treeSize)),
                         "tiles": .number(Double(hashTiles)), "entry_bundles": .number(Double(tiles.count - hashTiles))])
        } else {
            Output.line("wrote \(hashTiles) tiles and \(tiles.count - hashTiles) entry bundles for \(cp.treeSize) entries to \(out)")
        }
    }
}
