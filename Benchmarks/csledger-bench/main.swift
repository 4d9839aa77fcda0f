import Foundation
import LedgerCore

// csledger-bench: release-build figures for the ledger (see Benchmarks/README.md).

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("csledger-bench: \(message)\n".utf8))
    exit(1)
}

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.contains("--help") || arguments.contains("-h") {
    print(BenchOptions.usage)
    exit(0)
}

do {
    let options = try BenchOptions.parse(arguments)
    if let only = options.only, let path = options.ledger {
        // Child mode: one phase, one JSON line on stdout.
        print(try ChildBench.runHere(phase: only, path: path))
        exit(0)
    }

    #if DEBUG
    FileHandle.standardError.write(Data("csledger-bench: this is a debug build; its figures mean little (use swift build -c release)\n".utf8))
    #endif
    let fm = FileManager.default
    let directory: String
    let removeAfterwards: Bool
    if let dir = options.dir {
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        guard options.reuse || !fm.fileExists(atPath: dir + "/ledger.sqlite") else {
            fail("\(dir)/ledger.sqlite exists from an earlier run; remove it or choose another --dir")
        }
        directory = dir
        removeAfterwards = false
    } else {
        let tmp = NSTemporaryDirectory().hasSuffix("/") ? String(NSTemporaryDirectory().dropLast()) : NSTemporaryDirectory()
        var template = Array((tmp + "/csledger-bench.XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { fail("cannot create a temporary folder in \(tmp)") }
        directory = String(cString: made)
        removeAfterwards = true
    }
    defer { if removeAfterwards { try? fm.removeItem(atPath: directory) } }
    let machine = Machine.current()
    print("csledger-bench: \(options.entries) entries")
    for line in machine.lines { print(line) }
    print("ledger        \(directory)/ledger.sqlite\(removeAfterwards ? " (removed afterwards)" : "")")
    print("")

    var bench = Benchmark(options: options, directory: directory)
    try bench.run()

    let table = ResultTable(machine: machine, entries: options.entries, results: bench.results, loadAtEnd: ProcStatus.loadAverage())
    print(table.text)
    if options.json {
        print("")
        print(table.json)
    }
} catch {
    fail("\(error)")
}
