import LedgerCore

/// The command line: `csledger-bench [--entries N] [--dir DIR] [--json]`, and the child mode
/// `--only verify|verify-hashes --ledger PATH` the main run uses for clean memory figures.
struct BenchOptions {
    /// Entries in the ledger that is verified and proved against.
    var entries = 100_000
    /// Where the ledger is written; nil: a temporary folder, removed afterwards.
    var dir: String?
    var json = false
    /// Statements per transaction in the bulk append.
    var batch = 1_000
    /// Most one-entry transactions timed (each phase also stops after its time budget).
    var singleAppends = 2_000
    var only: String?
    var ledger: String?

    static let usage = """
        usage: csledger-bench [--entries N] [--dir DIR] [--json] [--batch N] [--single-appends N]
          --entries N         entries in the ledger that is verified and proved against (default 100000)
          --dir DIR           write the ledger in DIR and keep it (default: a temporary folder, removed)
          --json              also print the results as one JSON object (last line of output)
          --batch N           statements per transaction in the bulk append (default 1000)
          --single-appends N  most one-entry transactions to time (default 2000; 30 s at most)
        child mode (used by the main run): --only verify|verify-hashes --ledger PATH
        """

    static func parse(_ args: [String]) throws -> BenchOptions {
        var o = BenchOptions()
        var rest = args[...]
        func value(_ flag: String) throws -> String {
            guard let v = rest.popFirst() else { throw LedgerError(.invalidArgument, "\(flag) needs a value\n\(usage)") }
            return v
        }
        func count(_ flag: String, min: Int) throws -> Int {
            let text = try value(flag)
            guard let n = Int(text), n >= min else { throw LedgerError(.invalidArgument, "\(flag) must be a whole number from \(min), not \"\(text)\"") }
            return n
        }
        while let arg = rest.popFirst() {
            switch arg {
            case "--entries": o.entries = try count(arg, min: 100)
            case "--dir": o.dir = try value(arg)
            case "--json": o.json = true
            case "--batch": o.batch = try count(arg, min: 1)
            case "--single-appends": o.singleAppends = try count(arg, min: 1)
            case "--only": o.only = try value(arg)
            case "--ledger": o.ledger = try value(arg)
            case "-h", "--help": throw LedgerError(.invalidArgument, usage)
            default: throw LedgerError(.invalidArgument, "unknown argument \"\(arg)\"\n\(usage)")
            }
        }
        if o.only != nil, o.ledger == nil { throw LedgerError(.invalidArgument, "--only needs --ledger PATH") }
        return o
    }
}
