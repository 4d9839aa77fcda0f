import Foundation
import Testing
@testable import CSLedgerKit
@testable import LedgerCore
@testable import LedgerStore

/// Hostile input through the CLI, one table: each case must be refused with one clear line naming the
/// problem, a non-zero exit, and nothing written (same checkpoint); SQL metacharacters are plain text.
@Suite("Hostile input through the CLI")
struct HostileInputTests {
    typealias D = DispensingLedger
    static let sql = "'; DROP TABLE entries; --"
    static let time = "2026-03-05T12:00:00Z"

    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let args: [String]
        /// Words the one-line error must contain (any one of them).
        let says: [String]
        var description: String { name }
    }

    /// Files the cases refer to, written into the ledger folder first.
    static func prepareFiles(_ f: DispensingLedger) throws {
        try Data([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]).write(to: f.root.appendingPathComponent("bad-utf8.json"))
        try Data(String(repeating: "[", count: 5000).utf8).write(to: f.root.appendingPathComponent("deep.json"))
        var huge = Data("{\"text\":\"".utf8)
        huge.append(Data(repeating: 0x61, count: 2 << 20))
        huge.append(Data("\"}".utf8))
        try huge.write(to: f.root.appendingPathComponent("huge.json"))
    }

    static let admin = ["--key", "Keys/facility.pem"]
    static let cases: [Case] = [
        Case(name: "duplicate JSON keys", args: ["append", "--type", "test.note", "--body", #"{"a":"1","a":"2"}"#] + admin, says: ["duplicate"]),
        Case(name: "invalid UTF-8", args: ["append", "--type", "test.note", "--body", "@bad-utf8.json"] + admin, says: ["UTF-8"]),
        Case(name: "deep nesting", args: ["append", "--type", "test.note", "--body", "@deep.json"] + admin, says: ["deep", "nest"]),
        Case(name: "huge body", args: ["append", "--type", "test.note", "--body", "@huge.json"] + admin, says: ["larger"]),
        Case(name: "body from a device", args: ["append", "--type", "test.note", "--body", "@/dev/zero"] + admin, says: ["not a regular file"]),
        Case(name: "checkpoint from a device", args: ["verify", "--checkpoint", "/dev/zero"], says: ["checkpoint"]),
        Case(name: "signature image from a device",
             args: D.deliver(tracking: "1Z999AA10123456784", delivered: time, image: "/dev/zero", time: time), says: ["signature image"]),
        Case(name: "draft over the ledger file", args: D.waste(quantity: "0.1", time: time, extra: ["--draft", "ledger.sqlite"]), says: ["draft"]),
        Case(name: "draft path traversal into a missing folder",
             args: D.waste(quantity: "0.1", time: time, extra: ["--draft", "../../../../no-such-dir/x/../draft.json"]), says: ["draft"]),
        Case(name: "quantity zero", args: D.waste(quantity: "0", time: time), says: ["quantity"]),
        Case(name: "quantity negative", args: D.waste(quantity: "-1", time: time), says: ["quantity"]),
        Case(name: "quantity not a number", args: D.waste(quantity: "abc", time: time), says: ["quantity"]),
        Case(name: "quantity in exponent form", args: D.waste(quantity: "1e3", time: time), says: ["quantity"]),
        Case(name: "quantity NaN", args: D.waste(quantity: "NaN", time: time), says: ["quantity"]),
        Case(name: "quantity SQL", args: D.waste(quantity: sql, time: time), says: ["quantity"]),
        Case(name: "units per container negative", args: D.receive(lot: "NEG1", time: time).map { $0 == "30" ? "-30" : $0 }
                 .joinedOptionValue("--units-per-container"), says: ["units-per-container", "quantity"]),
        Case(name: "lot number with SQL", args: D.waste(lot: sql, quantity: "0.1", time: time), says: ["lot"]),
        Case(name: "DEA number with SQL", args: D.receive(lot: "SQL1", dea: sql, time: time), says: ["DEA"]),
        Case(name: "NDC with SQL", args: D.receive(lot: "SQL2", ndc: sql, time: time), says: ["NDC"]),
        Case(name: "time with SQL", args: D.waste(quantity: "0.1", time: sql), says: ["time"]),
    ]

    @Test("refused with one clear line, non-zero exit, nothing written", arguments: cases)
    func refused(_ c: Case) throws {
        let f = try D.make()
        try Self.prepareFiles(f)
        let (size, checkpoint) = (try f.size(), try f.checkpoint())
        let r = try f.csledger(c.args)
        #expect(r.status != 0, "\(c.name) was accepted: \(r.stdout)")
        #expect(r.status == 2, "\(c.name): exit \(r.status): \(r.stderr)")
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1 && r.stderr.hasPrefix("csledger: error: ") && r.stderr.hasSuffix("]\n"), "\(c.name): \(r.stderr)")
        #expect(c.says.contains { r.stderr.lowercased().contains($0.lowercased()) }, "\(c.name) does not name the problem: \(r.stderr)")
        #expect(r.stderr.count < 400, "\(c.name): the message is not one short sentence")
        #expect(try f.size() == size && f.checkpoint() == checkpoint, "\(c.name) wrote something")
    }

    @Test("a JSON number where a decimal string is required is refused (submit path)")
    func numberQuantity() throws {
        let f = try D.make()
        let size = try f.size()
        let r = try f.submitStatement(type: "waste.recorded",
                                      body: ["lot_id": .string(D.vialLotID), "quantity": .number(0.5), "reason": "opened vial", "method": "sink"],
                                      actor: "pharmacist", witnesses: ["witness"], time: Self.time)
        #expect(r.status == 2 && r.stderr.contains("quantity") && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        #expect(try f.size() == size)
    }

    @Test("SQL metacharacters in every free-text field are stored as text; the tables survive")
    func sqlIsText() throws {
        let f = try D.make()
        let s = Self.sql
        let args = ["receive", "--supplier-name", s, "--supplier-address", s, "--supplier-dea", D.supplierDEA, "--invoice", s,
                    "--drug", s, "--strength", s, "--form", s, "--ndc", D.vialNDC, "--lot", "SQLLOT1", "--expiry", "2028-03-31",
                    "--containers", "1", "--units-per-container", "10", "--unit", "mL", "--time", Self.time] + D.pharmacist + D.witnessed
        let seq = try f.record(args)
        let body = try #require(try f.entry(seq)["statement"]?["body"])
        #expect(body["supplier"]?["name"]?.stringValue == s && body["invoice"]?.stringValue == s && body["drug"]?["name"]?.stringValue == s)
        let waste = try f.record(["waste", "--lot", "SQLLOT1", "--quantity", "1", "--reason", s, "--method", s, "--time", Self.time]
                                 + D.pharmacist + D.witnessed)
        #expect(try f.entry(waste)["statement"]?["body"]?["reason"]?.stringValue == s)
        #expect(try f.sqlite("SELECT count(*) FROM entries") == String(try f.size()))
        try f.expectVerifies()
    }
}

extension Array where Element == String {
    /// `--flag value` as `--flag=value`, so a value starting with '-' reaches the command.
    func joinedOptionValue(_ flag: String) -> [String] {
        guard let i = firstIndex(of: flag), i + 1 < count else { return self }
        var copy = self
        copy.replaceSubrange(i...(i + 1), with: ["\(flag)=\(self[i + 1])"])
        return copy
    }
}
