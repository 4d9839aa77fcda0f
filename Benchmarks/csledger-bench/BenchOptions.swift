import LedgerCore

/// The command line: `csledger-bench [--entries N] [--dir DIR] [--reuse] [--json] ...`, and the child
/// mode `--only PHASE --ledger PATH` the main run uses for clean memory figures.
struct BenchOptions {
    /// Entries in the ledger that is verified, reconciled and proved against.
    var entries = 1_000_000
    /// Where the ledger is written; nil: a temporary folder, removed afterwards.
    var dir: String?
    /// Use the ledger an earlier run left in --dir instead of building it again.
    var reuse = false
    var json = false
    /// Most one-entry transactions timed (the phase also stops after 20 s).
    var singleAppends = 20_000
    /// Concurrent daemon clients, one run each.
    var clients = [8, 32, 128]
    /// Seconds of load at each client count.
    var daemonSeconds = 10.0
    /// Only the daemon phase, on the ledger an earlier run left in --dir (needs --reuse).
    var daemonOnly = false
    /// Loads of each dashboard page (0 skips the dashboard phase), and the appends per second meanwhile.
    var pageLoads = 20
    var pageAppendRate = 20.0
    var only: String?
    var ledger: String?
    /// A PostgreSQL database (postgresql://USER@HOST:PORT/DB): the daemon phase again with the ledger copied there.
    var postgres: String?
    /// With --postgres: how many daemons serve the ledger at once, one run each (clients per daemon: --clients).
    var postgresDaemons = [1, 3]
    /// With --postgres, --dir DIR --reuse: only the PostgreSQL phases.
    var postgresOnly = false
    /// Witnesses (`csledger witness serve` processes) csledgerd asks to cosign during the daemon phase.
    var witnesses = 0

    static let usage = """
        usage: csledger-bench [--entries N] [--dir DIR [--reuse [--daemon-only]]] [--json] [--single-appends N] [--clients A,B,C] [--daemon-seconds S] [--page-loads N] [--page-appends R]
          --entries N         entries in the simulated clinic's ledger (default 1000000)
          --dir DIR           write the ledger in DIR and keep it (default: a temporary folder, removed)
          --reuse             use DIR/ledger.sqlite from an earlier run instead of building it (its size wins)
          --json              also print the results as one JSON object (last line of output)
          --single-appends N  most one-entry transactions to time (default 20000; 20 s at most)
          --clients LIST      concurrent daemon clients, comma-separated (default 8,32,128; 0 skips the daemon)
          --daemon-seconds S  seconds of load at each client count (default 10)
          --daemon-only       with --dir DIR --reuse: only the daemon and dashboard phases, on that ledger (--clients 0 for the dashboard alone)
          --postgres URL      also copy the ledger into this PostgreSQL database (replacing an earlier copy) and run
                              the daemon phase on it (postgresql://USER@HOST:PORT/DB)
          --postgres-daemons LIST  daemons serving that ledger at once, comma-separated, one run each (default 1,3;
                              each daemon gets --clients clients)
          --postgres-only     with --dir DIR --reuse --postgres URL: only the PostgreSQL phases
          --witnesses N       during the daemon phase, N witnesses (csledger witness serve) csledgerd asks to cosign (default 0)
          --page-loads N      loads of each dashboard page, still and while appending (default 20; 0 skips the dashboard)
          --page-appends R    doses appended per second through the daemon while the pages load (default 20)
        child mode (used by the main run): --only PHASE --ledger PATH
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
            case "--entries": o.entries = try count(arg, min: 1_000)
            case "--dir": o.dir = try value(arg)
            case "--reuse": o.reuse = true
            case "--json": o.json = true
            case "--single-appends": o.singleAppends = try count(arg, min: 1)
            case "--clients":
                let text = try value(arg)
                let list = text.split(separator: ",").compactMap { Int($0) }
                guard list.count == text.split(separator: ",").count, list.allSatisfy({ $0 >= 0 && $0 <= 1_000 }) else {
                    throw LedgerError(.invalidArgument, "--clients takes whole numbers from 0 to 1000, comma-separated, not \"\(text)\"")
                }
                o.clients = list.filter { $0 > 0 }
            case "--daemon-seconds":
                let text = try value(arg)
                guard let s = Double(text), s >= 1, s <= 600 else { throw LedgerError(.invalidArgument, "--daemon-seconds must be 1 to 600, not \"\(text)\"") }
                o.daemonSeconds = s
            case "--daemon-only": o.daemonOnly = true
            case "--witnesses":
                let text = try value(arg)
                guard let n = Int(text), (0...4).contains(n) else { throw LedgerError(.invalidArgument, "--witnesses must be 0 to 4, not \"\(text)\"") }
                o.witnesses = n
            case "--page-loads": o.pageLoads = try count(arg, min: 0)
            case "--page-appends":
                let text = try value(arg)
                guard let r = Double(text), r >= 1, r <= 1_000 else { throw LedgerError(.invalidArgument, "--page-appends must be 1 to 1000, not \"\(text)\"") }
                o.pageAppendRate = r
            case "--only": o.only = try value(arg)
            case "--ledger": o.ledger = try value(arg)
            case "--postgres": o.postgres = try value(arg)
            case "--postgres-daemons":
                let text = try value(arg)
                let list = text.split(separator: ",").compactMap { Int($0) }
                guard !list.isEmpty, list.count == text.split(separator: ",").count, list.allSatisfy({ (1...3).contains($0) }) else {
                    throw LedgerError(.invalidArgument, "--postgres-daemons takes whole numbers from 1 to 3, comma-separated, not \"\(text)\"")
                }
                o.postgresDaemons = list
            case "--postgres-only": o.postgresOnly = true
            case "-h", "--help": throw LedgerError(.invalidArgument, usage)
            default: throw LedgerError(.invalidArgument, "unknown argument \"\(arg)\"\n\(usage)")
            }
        }
        if o.only != nil, o.ledger == nil { throw LedgerError(.invalidArgument, "--only needs --ledger PATH") }
        if o.reuse, o.dir == nil { throw LedgerError(.invalidArgument, "--reuse needs --dir DIR") }
        if o.postgresOnly, !o.reuse || o.postgres == nil || o.clients.isEmpty {
            throw LedgerError(.invalidArgument, "--postgres-only needs --dir DIR --reuse, --postgres URL and a client count")
        }
        if o.daemonOnly, !o.reuse || (o.clients.isEmpty && o.pageLoads == 0) {
            throw LedgerError(.invalidArgument, "--daemon-only needs --dir DIR --reuse, and a client count or page loads (it runs the daemon and the dashboard phases)")
        }
        return o
    }
}
