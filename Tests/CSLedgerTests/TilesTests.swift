import Foundation
import Testing
@testable import CSLedgerKit
@testable import LedgerStore
@testable import LedgerCore

/// `csledger export tiles` and csledgerd's `/checkpoint` and `/tile/...` against C2SP tlog-tiles as its text
/// describes it, with the RFC 9162 tree computed here, from `csledger log`'s entry bytes, by code of its own.
@Suite(.serialized) struct TilesTests {
    // RFC 9162 §2.1.1, written here: MTH({d0}) = SHA-256(0x00 || d0); MTH(D[n]) = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))
    // with k the largest power of two smaller than n.
    static func sha(_ b: [UInt8]) -> [UInt8] { Hash.sha256(b).bytes }
    static func mth(_ leaves: ArraySlice<[UInt8]>) -> [UInt8] {
        if leaves.count == 1 { return leaves.first! }
        var k = 1
        while k * 2 < leaves.count { k *= 2 }
        return sha([0x01] + mth(leaves.prefix(k)) + mth(leaves.dropFirst(k)))
    }

    /// The spec's path element encoding, written here: zero-padded 3-digit groups, all but the last with "x".
    static func indexPath(_ n: Int) -> String {
        var groups = [String(format: "%03d", n % 1000)]
        var rest = n / 1000
        while rest > 0 { groups.insert(String(format: "x%03d", rest % 1000), at: 0); rest /= 1000 }
        return groups.joined(separator: "/")
    }

    /// Every file a tree of these entries must be served as, by the spec's text: at level l, hash i of tile n is
    /// MTH(D[(n*256+i)*256^l : (n*256+i+1)*256^l]); the partial tile at level l has floor(s/256^l) mod 256 hashes.
    static func expected(entries: [[UInt8]]) -> [String: [UInt8]] {
        let leaves = entries.map { sha([0x00] + $0) }
        let s = entries.count
        var files: [String: [UInt8]] = [:]
        var level = 0, span = 1
        while s / span > 0 {
            let hashes = s / span
            var n = 0
            while n * 256 < hashes {
                let width = min(256, hashes - n * 256)
                var content: [UInt8] = []
                for i in 0..<width {
                    let start = (n * 256 + i) * span
                    content += span == 1 ? leaves[start] : mth(leaves[start..<(start + span)])
                }
                files["tile/\(level)/" + indexPath(n) + (width < 256 ? ".p/\(width)" : "")] = content
                n += 1
            }
            level += 1
            span *= 256
        }
        var n = 0
        while n * 256 < s {
            let width = min(256, s - n * 256)
            var bundle: [UInt8] = []
            for e in entries[(n * 256)..<(n * 256 + width)] { bundle += [UInt8(e.count >> 8), UInt8(e.count & 0xFF)] + e }
            files["tile/entries/" + indexPath(n) + (width < 256 ? ".p/\(width)" : "")] = bundle
            n += 1
        }
        return files
    }

    /// Appends `n` signed statements through the ledger's own append path, 2,000 to a transaction (the
    /// command line's --repeat commits each alone, minutes for 70,000 here).
    static func bulkAppend(_ l: CLILedger, _ n: Int) throws {
        let ledger = try Ledger.open(path: l.ledgerPath)
        let key = try l.key("facility")
        let origin = try ledger.origin()
        var left = n
        while left > 0 {
            let k = min(2000, left)
            let batch = try (0..<k).map { i in
                try SignedStatement(statement: Statement(type: "test.note", time: .now(), actor: key.keyID, witnesses: [], log: origin,
                                                         body: ["text": .string("bulk \(left)-\(i)")]), actorKey: key, witnessKeys: [])
            }
            _ = try ledger.append(batch, facilityKey: key)
            left -= k
        }
    }

    static func entries(_ l: CLILedger) throws -> [[UInt8]] {
        let r = try l.csledger(["log"])
        #expect(r.status == 0)
        return r.stdoutBytes.split(separator: 0x0A).map { Array($0) }
    }

    /// Every regular file under `dir`, by relative path.
    static func files(in dir: URL) throws -> [String: [UInt8]] {
        var out: [String: [UInt8]] = [:]
        let e = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: [.isRegularFileKey])!
        for case let url as URL in e where (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true {
            out[String(url.standardizedFileURL.path.dropFirst(dir.standardizedFileURL.path.count + 1))] = Array(try Data(contentsOf: url))
        }
        return out
    }

    static func check(_ l: CLILedger, size: Int, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let entries = try entries(l)
        #expect(entries.count == size, sourceLocation: sourceLocation)
        let out = "tiles-\(size)"
        let r = try l.csledger(["export", "tiles", "--out", out])
        #expect(r.status == 0, "\(r.stderr)", sourceLocation: sourceLocation)
        var got = try files(in: l.root.appendingPathComponent(out))
        let checkpoint = got.removeValue(forKey: "checkpoint")
        let want = expected(entries: entries)
        #expect(Set(got.keys) == Set(want.keys), "paths differ: extra \(Set(got.keys).subtracting(want.keys).sorted()), missing \(Set(want.keys).subtracting(got.keys).sorted())", sourceLocation: sourceLocation)
        for (path, bytes) in want where got[path] != bytes {
            Issue.record("\(path): content differs from the RFC 9162 computation", sourceLocation: sourceLocation)
        }
        // The checkpoint is the ledger's, and its root is the tree's.
        let note = try SignedNote.parse(String(decoding: checkpoint ?? [], as: UTF8.self))
        let cp = try Checkpoint(body: note.text)
        #expect(cp.size == size && cp.rootHash.bytes == mth(entries.map { sha([0x00] + $0) }[...]), sourceLocation: sourceLocation)
    }

    @Test("export tiles for tree sizes 1, 255, 256, 257 and 70,000: every path and every byte as tlog-tiles and RFC 9162 say")
    func exportSizes() throws {
        // Size 1: a ledger with only its genesis entry.
        let one = try TempDir()
        #expect(try CLI.csledger(["keys", "generate", "facility"], in: one.url).status == 0)
        #expect(try CLI.csledger(["init", "--origin", "one.example.org/ledger", "--facility-name", "One", "--dea-number", "BD1234563",
                                  "--key", "Keys/facility.pem"], in: one.url).status == 0)
        let r = try CLI.csledger(["export", "tiles", "--out", "t"], in: one.url)
        #expect(r.status == 0, "\(r.stderr)")
        let got = try Self.files(in: one.url.appendingPathComponent("t"))
        let log = try CLI.csledger(["log"], in: one.url).stdoutBytes.split(separator: 0x0A).map { Array($0) }
        #expect(Set(got.keys) == ["checkpoint", "tile/0/000.p/1", "tile/entries/000.p/1"])
        #expect(got["tile/0/000.p/1"] == Self.sha([0x00] + log[0]))
        #expect(got["tile/entries/000.p/1"] == [UInt8(log[0].count >> 8), UInt8(log[0].count & 0xFF)] + log[0])
        #expect(try CLI.csledger(["export", "tiles", "--out", "t"], in: one.url).status == 2)   // not an empty folder

        // 255, 256, 257, 70,000 by growing one ledger (3 entries to start).
        let l = try CLILedger(entries: 252)
        try Self.check(l, size: 255)
        for size in [256, 257] {
            #expect(try l.csledger(["append", "--type", "test.note", "--body", #"{"text":"x"}"#, "--key", "Keys/facility.pem"]).status == 0)
            try Self.check(l, size: size)
        }
        try Self.served(l)
        try Self.bulkAppend(l, 69_743)
        try Self.check(l, size: 70_000)
        let tiles = try Self.files(in: l.root.appendingPathComponent("tiles-70000")).keys
        // The spec's own example: 273 full level-0 tiles, one partial of width 112, one full level-1 tile, a partial of 17, a level-2 partial of 1.
        #expect(tiles.filter { $0.hasPrefix("tile/0/") && !$0.contains(".p/") }.count == 273)
        #expect(tiles.contains("tile/0/273.p/112") && tiles.contains("tile/1/000") && tiles.contains("tile/1/001.p/17") && tiles.contains("tile/2/000.p/1"))

    }

    /// csledgerd serves the same bytes as the export of the ledger's 257 entries, to the witness and regulator roles only.
    static func served(_ l: CLILedger) throws {
        let witnessToken = try l.csledger(["token", "issue", "--actor", try l.key("witness").keyID.hex]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let pharmacistToken = try l.csledger(["token", "issue", "--actor", try l.key("pharmacist").keyID.hex]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let d = try Daemon(["--ledger", l.ledgerPath, "--listen", "127.0.0.1:0", "--facility-key", l.dir.path("Keys/facility.pem"), "--log-level", "error"], in: l.root)
        defer { d.stop() }
        let exported = try Self.files(in: l.root.appendingPathComponent("tiles-257"))
        for path in ["checkpoint", "tile/0/000", "tile/0/001.p/1", "tile/1/000.p/1", "tile/entries/000", "tile/entries/001.p/1", "tile/0/000.p/5"] {
            let file = l.dir.path("got")
            let g = try CLI.run("curl", ["-sS", "--fail", "-o", file, "-H", "Authorization: Bearer \(witnessToken)", d.url + "/" + path], in: l.root)
            #expect(g.status == 0, "\(path): \(g.stderr)")
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: file)))
            if path == "tile/0/000.p/5" {
                #expect(bytes == Array(exported["tile/0/000"]!.prefix(160)))   // a partial tile of a smaller tree: a prefix of the full one
            } else {
                #expect(bytes == exported[path], "\(path)")
            }
        }
        func status(_ path: String, _ token: String) throws -> String {
            try CLI.run("curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Authorization: Bearer \(token)", d.url + path], in: l.root).stdout
        }
        #expect(try status("/tile/0/000", pharmacistToken) == "403")
        #expect(try status("/checkpoint", pharmacistToken) == "403")
        #expect(try status("/tile/0/002", witnessToken) == "404")
        #expect(try status("/tile/0/001.p/2", witnessToken) == "404")
        #expect(try status("/tile/0/0", witnessToken) == "404")
        #expect(try status("/tile/2/000.p/1", witnessToken) == "404")
    }

    @Test("tile path encoding and parsing, as the spec writes them")
    func paths() {
        #expect(TlogTiles.encode(1_234_067) == "x001/x234/067")
        #expect(TlogTiles.encode(5) == "005")
        #expect(TlogTiles.parse("tile/0/x001/x234/067")?.index == 1_234_067)
        #expect(TlogTiles.parse("tile/entries/273.p/112") == TlogTiles.Tile(level: nil, index: 273, width: 112))
        for bad in ["tile/0/1234", "tile/00/000", "tile/0/001/234", "tile/0/000.p/0", "tile/0/000.p/256", "tile/64/000", "tile/0/x000/001"] {
            #expect(TlogTiles.parse(bad) == nil, "\(bad)")
        }
    }
}
