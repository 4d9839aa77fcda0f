import Foundation
import LedgerCore

/// Prints results as an aligned text table, and as one JSON object.
struct ResultTable {
    let machine: Machine
    let entries: Int
    let results: [BenchResult]
    let loadAtEnd: String

    /// The text table: name, value, unit, limit or target, ratio.
    var text: String {
        let header = ["name", "value", "unit", "limit / target", "ratio"]
        let rows = results.map { r in
            [r.name, Self.format(r.value), r.unit,
             r.limit.map { "\(Self.format($0)) (\(r.limitIs ?? ""))" } ?? "",
             r.ratio.map { String(format: "%.3f", $0) } ?? ""]
        }
        let widths = header.indices.map { c in ([header] + rows).map { $0[c].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { c, cell in
                // Numbers right-aligned, words left-aligned.
                c == 1 || c == 4 ? String(repeating: " ", count: widths[c] - cell.count) + cell
                                 : cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")
        return ([line(header), rule] + rows.map(line) + ["", "load average  \(loadAtEnd) (1, 5, 15 min) at end"]).joined(separator: "\n")
    }

    /// One JSON object (RFC 8785 form): the machine facts and every result.
    var json: String {
        let list: [JSONValue] = results.map { r in
            var o: [String: JSONValue] = ["name": .string(r.name), "value": .number(r.value), "unit": .string(r.unit)]
            if let limit = r.limit { o["limit"] = .number(limit) }
            if let what = r.limitIs { o["limit_is"] = .string(what) }
            if let ratio = r.ratio { o["ratio"] = .number(ratio) }
            return .object(o)
        }
        return JCS.serializeString(.object(["machine": machine.json, "entries": .number(Double(entries)), "results": .array(list),
                                             "load_at_end": .string(loadAtEnd)]))
    }

    /// Thousands separated above 1,000; three significant figures below.
    static func format(_ v: Double) -> String {
        if abs(v) >= 1000 || (v.rounded() == v && abs(v) < 1e15) { return grouped(Int(v.rounded())) }
        if abs(v) >= 100 { return String(format: "%.1f", v) }
        if abs(v) >= 10 { return String(format: "%.2f", v) }
        return String(format: "%.3f", v)
    }

    static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return n < 0 ? "-" + out : out
    }
}
