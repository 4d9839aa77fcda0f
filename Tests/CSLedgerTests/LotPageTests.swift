import Dashboard
import Dispensing
import Foundation
import GRDB
import Testing
@testable import CSLedgerKit
@testable import LedgerCore
@testable import LedgerStore
import Simulation

/// Issue 22's lot page for a bulk lot (the benchmark's has 220,000 movements at a million entries): its movements
/// are kept between pages and read again only for new entries, the chart draws a few points per column of
/// pixels, and the table lists one page at a time. What it shows must be what the full series says.
@Suite("Dashboard: the lot page of a lot with many movements")
struct LotPageTests {
    /// The full series of a lot as the page used to read it: every movement, in event-time then seq order, with
    /// the balance after each.
    static func fullSeries(_ ledger: Ledger, _ lotID: String, asOf: Timestamp? = nil) throws -> [LotSeries.Movement] {
        var balance: Int64 = 0
        return try DispensingRecords.lotHistory(ledger.database, lotID: lotID, asOf: asOf).movements.map { m in
            balance += m.micros
            return LotSeries.Movement(seq: m.seq, kind: m.kind, micros: m.micros, time: m.time, balance: balance)
        }
    }

    /// An `id="NAME"` element's `data-ATTR` (the page's own markup, one line).
    static func attribute(_ html: String, _ id: String, _ attr: String) -> String? {
        guard let r = html.range(of: "id=\"\(id)\"") else { return nil }
        let tail = html[r.upperBound...].prefix { $0 != ">" }
        guard let a = tail.range(of: "\(attr)=\"") else { return nil }
        return String(tail[a.upperBound...].prefix { $0 != "\"" })
    }

    /// The seqs of the movements table's rows, top to bottom.
    static func tableSeqs(_ html: String) -> [Int] {
        guard let t = html.range(of: "<table id=\"movements\"") else { return [] }
        let table = html[t.upperBound...].prefix { $0 != "\u{0}" }
        let end = table.range(of: "</table>")?.lowerBound ?? table.endIndex
        return table[..<end].components(separatedBy: "<tr data-seq=\"").dropFirst().compactMap { Int($0.prefix { $0 != "\"" }) }
    }

    /// The `href` of the link with `id`, unescaped.
    static func link(_ html: String, _ id: String) -> String? {
        guard let r = html.range(of: "id=\"\(id)\" href=\"") else { return nil }
        return String(html[r.upperBound...].prefix { $0 != "\"" }).replacingOccurrences(of: "&amp;", with: "&")
    }

    @Test("thinning a 200,000-movement series with dips keeps its lowest, highest and final balance and at most four points a column")
    func thinningKeepsExtremes() {
        var rng = SeededRandom(seed: 22)
        var times: [Int64] = [], balances: [Int64] = []
        var t: Int64 = 1_700_000_000_000, b: Int64 = 500_000_000
        for i in 0..<200_000 {
            t += Int64(rng.next() % 5_000)               // bursts: several movements in the same millisecond too
            b += i % 997 == 0 ? 40_000_000 : -Int64(rng.next() % 3_000)
            if i == 123_457 { b -= 900_000_000 }         // one deep dip, undone by the next movement
            if i == 123_458 { b += 900_000_000 }
            times.append(t)
            balances.append(b)
        }
        for columns in [648, 100, 7] {
            let drawn = LotSeries.thinned(times: times, balances: balances, end: times.count, columns: columns)
            let shown = drawn.map { balances[$0] }
            #expect(drawn.count <= 4 * columns, "at most four points a column")
            #expect(drawn == drawn.sorted() && Set(drawn).count == drawn.count, "in order, each once")
            #expect(shown.min() == balances.min(), "the dip is drawn (\(columns) columns)")
            #expect(shown.max() == balances.max())
            #expect(drawn.first == 0 && drawn.last == times.count - 1, "the first and the final balance")
            // A prefix (a page as of a time) thins the same way.
            let end = 150_000
            let part = LotSeries.thinned(times: times, balances: balances, end: end, columns: columns).map { balances[$0] }
            #expect(part.min() == balances[..<end].min() && part.max() == balances[..<end].max() && part.last == balances[end - 1])
        }
        // A short series is drawn whole.
        #expect(LotSeries.thinned(times: Array(times.prefix(50)), balances: Array(balances.prefix(50)), end: 50, columns: 648) == Array(0..<50))
    }

    @Test("a bulk lot's page: the chart's lowest, highest and last balance equal the full series', one page of movements with links to earlier ones, totals by kind as SQL sums them; after appends (one with an earlier event time, and a correction) the kept movements equal a full read")
    func bulkLotPage() throws {
        var o = ClinicSim.Options()
        o.businessDays = 2
        let sim = try ClinicSim(start: Timestamp("2025-01-06T00:00:00Z")!, options: o)
        defer { withExtendedLifetime(sim) {} }
        try sim.run()
        let ledger = sim.fx.ledger
        let cal = sim.cal
        // A bulk lot: 1,000 vials of 10 mL, then 3,000 doses over a day, and a large waste in the middle that is
        // corrected a little later: a dip the chart must not hide.
        let (_, bulk) = try sim.receive(lot: "BULK-22", vial: true, containers: 1000, at: cal.at(2, 7))
        var dipSeq = 0
        for i in 0..<3000 {
            let t = cal.at(2, 8 + 9 * Double(i) / 3000)
            try sim.dose(lot: bulk, by: sim.pick(o.clinicians), patient: sim.clinicPatients[i % sim.clinicPatients.count],
                         given: Int64(5 + i % 4) * 100_000, wasted: Int64(i % 3) * 50_000, at: t, witness: "witness1")
            if i == 1500 { dipSeq = try sim.waste(lot: bulk, micros: 5_000_000_000, by: "pharm1", witness: "witness1", at: t.adding(milliseconds: 1000)) }
            if i == 1510 {
                try sim.fx.stage(DispensingType.entryCorrected, ["corrects": .number(Double(dipSeq)), "reason": "recorded the whole shelf by mistake"],
                                 by: "pharm1", at: t.adding(milliseconds: 1000))
                sim.balance[bulk, default: 0] += 5_000_000_000
            }
        }
        try sim.count(lot: bulk, by: "pharm1", witness: "witness1", at: cal.at(2, 17.5))
        try sim.fx.flush(clock: cal.at(2, 18))

        let data = DashboardData(ledger: ledger)
        let pages = DashboardPages(data: data, origin: try ledger.origin())
        let officer = Viewer(name: "Officer", role: .compliance)
        var full = try Self.fullSeries(ledger, bulk)
        #expect(full.count > 4 * Chart.columns, "enough movements for the chart to thin them (\(full.count))")

        func checkPage(_ full: [LotSeries.Movement], asOf: Timestamp? = nil) throws {
            let html = try #require(try pages.lot(officer, lotID: bulk, asOf: asOf)).description
            let balances = full.map(\.balance)
            #expect(Self.attribute(html, "balance-chart", "data-movements") == String(full.count))
            #expect(Self.attribute(html, "balance-chart", "data-min-micros") == String(balances.min()!), "the chart's lowest balance is the full series'")
            #expect(Self.attribute(html, "balance-chart", "data-max-micros") == String(balances.max()!), "the chart's highest balance is the full series'")
            #expect(Self.attribute(html, "balance-chart", "data-last-micros") == String(balances.last!), "the chart's final balance is the full series'")
            let points = Int(Self.attribute(html, "balance-chart", "data-points") ?? "") ?? .max
            if full.count > 4 * Chart.columns {
                #expect(points <= 4 * Chart.columns, "the chart draws \(points) points, not all \(full.count) movements")
            } else {
                #expect(points == full.count, "few enough movements to draw each one")
            }
            #expect(Self.attribute(html, "lot-balance", "data-micros") == String(balances.last!), "on hand: the last balance")
            // The lot's figures are the inventory's, now or as of the time.
            let line = try #require(try ledger.inventory(asOf: asOf, lot: bulk).lines.first { $0.lotID == bulk })
            for (label, q) in [("Received", line.received), ("Administered", line.administered), ("Dispensed", line.dispensed), ("Wasted", line.wasted),
                               ("Destroyed", line.destroyed), ("Lost", line.lost), ("Returned", line.returned)] {
                #expect(html.contains("<dt>\(label)</dt><dd>\(q.description)</dd>"), "\(label): \(q.description), as csledger inventory says")
            }
            #expect(line.onHand == Quantity(micros: balances.last!))
            // The latest page of movements, latest first, and the links to the earlier ones, page by page to the first.
            // (A page starts at an entry's first movement: a dose and its waste are two, so a page may list one fewer.)
            let per = DashboardPages.movementsPerPage
            var seqs = Self.tableSeqs(html)
            #expect(seqs.count >= per - 8 && seqs.count <= per)
            #expect(seqs == full.suffix(seqs.count).reversed().map(\.seq))
            #expect(html.contains("Movements (the latest \(seqs.count) of \(full.count))"))
            var listed = seqs.count
            var next = Self.link(html, "movements-earlier")
            var pageCount = 1
            while let href = next, pageCount < 40 {
                let query = Format.form(String(href.split(separator: "?", maxSplits: 1).last ?? ""))
                #expect(query["as_of"] == asOf?.description, "the page keeps its time")
                let before = try #require(Int(query["before"] ?? ""))
                let earlier = try #require(try pages.lot(officer, lotID: bulk, asOf: asOf, before: before)).description
                seqs = Self.tableSeqs(earlier)
                let upTo = full.count - listed
                #expect(full[upTo].seq == before && (upTo == 0 || full[upTo - 1].seq != before), "the link names the first movement not yet listed")
                try #require(!seqs.isEmpty && seqs.count <= per && seqs.count <= upTo)
                #expect(seqs == full[(upTo - seqs.count)..<upTo].reversed().map(\.seq), "page \(pageCount + 1): the movements before entry \(before)")
                #expect(upTo - seqs.count == 0 || full[upTo - seqs.count - 1].seq != full[upTo - seqs.count].seq, "a page starts at an entry's first movement")
                #expect(Self.link(earlier, "movements-latest") != nil && Self.link(earlier, "movements-newer") != nil)
                listed += seqs.count
                next = Self.link(earlier, "movements-earlier")
                pageCount += 1
            }
            #expect(listed == full.count, "the pages list every movement once")
            // Totals by kind, as SQL counts and sums them.
            let sql = try ledger.database.read { db in
                try Row.fetchAll(db, sql: "SELECT kind, count(*), sum(micros) FROM movements WHERE lot_id = ? AND time <= ? GROUP BY kind",
                                 arguments: [bulk, asOf?.description ?? "9999"]).map { (kind: $0[0] as String, count: $0[1] as Int, micros: $0[2] as Int64) }
            }
            for k in sql {
                #expect(html.contains("<tr data-kind=\"\(k.kind)\"><td>\(k.kind)</td><td class=\"num\">\(k.count)</td><td class=\"num\">\(Quantity(micros: k.micros).description)</td></tr>"),
                        "\(k.kind): \(k.count) movements, \(Quantity(micros: k.micros).description)")
            }
            #expect(html.components(separatedBy: "<tr data-kind=").count - 1 == sql.count)
        }
        try checkPage(full)
        // As of the middle of the doses: the same against the series up to then (and the inventory as of then).
        let middle = cal.at(2, 12)
        let partial = try Self.fullSeries(ledger, bulk, asOf: middle)
        try checkPage(partial, asOf: middle)
        #expect(try ledger.inventory(asOf: middle, lot: bulk).lines.first { $0.lotID == bulk }?.onHand == Quantity(micros: partial.last!.balance))

        // A movement not among the lot's: no such page.
        #expect(try pages.lot(officer, lotID: bulk, asOf: nil, before: 1) == nil)

        // More entries: a dose recorded late (event time among the earlier doses), a correction, and a new day's doses.
        let late = try sim.dose(lot: bulk, by: "clin2", patient: sim.clinicPatients[0], given: 700_000, wasted: 0, at: cal.at(2, 9.001))
        try sim.fx.stage(DispensingType.entryCorrected, ["corrects": .number(Double(late - 10)), "reason": "recorded twice"], by: "pharm2", at: cal.at(3, 8))
        for i in 0..<300 {
            try sim.dose(lot: bulk, by: "clin3", patient: sim.clinicPatients[i % 5], given: 600_000, wasted: 0, at: cal.at(3, 9 + Double(i) / 60))
        }
        try sim.fx.flush(clock: cal.at(3, 18))
        full = try Self.fullSeries(ledger, bulk)
        try checkPage(full)
        let kept = try data.lotSeries(lotID: bulk).series
        #expect(kept.count == full.count)
        #expect((0..<kept.count).map { kept[$0] } == full, "the kept movements, after new entries, are a full read's")
        #expect(full.contains { $0.seq == late }, "the late dose is in the series")
    }
}
