import CSLedgerKit
import Dispensing
import Foundation
import LedgerCore
import LedgerStore
import Reconciliation

extension DashboardPages {
    // MARK: Stock

    package func stock(_ viewer: Viewer) throws -> HTML {
        let inventory = try data.inventory()
        let rows = HTML.join(inventory.lines.map { l in
            """
            <tr data-lot="\(l.lotID)"><td>\(Self.lotLink(l.lotID))</td><td>\(l.drug)</td><td>\(l.lot)</td><td>\(l.expiry)</td><td>\(l.status)</td>\
            <td class="num">\(l.received.description)</td><td class="num">\(l.administered.description)</td><td class="num">\(l.dispensed.description)</td>\
            <td class="num">\(l.wasted.description)</td><td class="num">\(l.lost.description)</td><td class="num lot-on-hand">\(l.onHand.description) \(l.unit)</td></tr>
            """ as HTML
        })
        let body: HTML = """
        <h1>Stock</h1>
        <p>Perpetual inventory per lot, from every receipt, use, waste, return, destruction and loss recorded. Open a lot for its balance over time and its counts.</p>
        <div class="scroll"><table id="lots"><thead><tr><th>Lot id</th><th>Product</th><th>Lot</th><th>Expiry</th><th>Status</th><th class="num">Received</th>\
        <th class="num">Administered</th><th class="num">Dispensed</th><th class="num">Wasted</th><th class="num">Lost</th><th class="num">On hand</th></tr></thead>
        <tbody>\(rows)</tbody></table></div>
        """
        return page("Stock", viewer, "stock", body)
    }

    /// Movements listed on one lot page; earlier ones are on the pages its links lead to.
    package static let movementsPerPage = 200

    /// One lot: the balance over time (counts as points, variances marked), the CUSUM of its small losses
    /// (for those who see findings), its movements by kind, and its movements, the latest `movementsPerPage`
    /// or those before the movement of entry `before`. Nil when the lot does not exist, or when `before` is not
    /// one of its movements up to `asOf`.
    ///
    /// Its cost does not grow with the lot's movements (a bulk lot has hundreds of thousands): they are kept
    /// between pages (`DashboardData.lotSeries`), the chart draws at most four of them per column of pixels
    /// (each column's first, lowest, highest and last balance), and the table lists one page.
    package func lot(_ viewer: Viewer, lotID: String, asOf: Timestamp?, before: Int? = nil) throws -> HTML? {
        // The lot's line now (kept sums); as of a time, its figures are the kept movements' up to then (before
        // its receipt: nothing), not a sum over every lot's movements in the file.
        guard let line = try data.inventory(lot: lotID).lines.first(where: { $0.lotID == lotID }) else { return nil }
        let (series, counts) = try data.lotSeries(lotID: lotID, asOf: asOf)
        let end = series.end(asOf: asOf)
        let kinds = series.totals(end: end)
        /// A kind's quantity (as the inventory gives it: without sign), now from the line, as of a time from the series.
        func figure(_ kind: String, _ now: Quantity) -> String {
            guard asOf != nil else { return now.description }
            return Quantity(micros: abs(kinds.first { $0.kind == kind }?.micros ?? 0)).description
        }
        let balance = end > 0 ? series.balances[end - 1] : 0
        let u = { (m: Int64) in Double(m) / 1_000_000 }
        let drawn = series.thinned(end: end, columns: Chart.columns)
        let points = drawn.map { (x: Double(series.times[$0]), y: u(series.balances[$0])) }
        let marks = counts.map { c in
            Chart.Mark(x: Double(c.time.millisecondsSinceEpoch), y: u(c.countedMicros), cls: c.varianceMicros == 0 ? "count" : "variance",
                       note: "count at seq \(c.seq): \(Quantity(micros: c.countedMicros).description) counted, \(Quantity(micros: c.expectedMicros).description) expected",
                       data: [("seq", String(c.seq)), ("variance", Quantity(micros: c.varianceMicros).description)])
        }
        var chart = Chart.line(points, step: true, marks: marks, rules: [], title: "Balance of lot \(lotID) over time",
                               yLabel: line.unit, xTick: { Self.day(Timestamp(millisecondsSinceEpoch: Int64($0))) }, cls: "balance")
        // What the line shows, for readers and tests: its points, and its lowest, highest and last balance.
        let shownBalances = drawn.map { series.balances[$0] }
        chart = "<div id=\"balance-chart\" data-movements=\"\(String(end))\" data-points=\"\(String(drawn.count))\" data-min-micros=\"\(String(shownBalances.min() ?? 0))\" data-max-micros=\"\(String(shownBalances.max() ?? 0))\" data-last-micros=\"\(String(shownBalances.last ?? 0))\">\(chart)</div>"
        var cusum: HTML = .empty
        var reconciled: ReconciliationReport?
        if viewer.seesEverything, asOf == nil {
            let report = try data.reconciliation()
            reconciled = report
            for s in report.cusums where s.check == "lot-loss-pattern" && s.subject == lotID {
                cusum += "<h2 id=\"loss-cusum\">Pattern of small losses (rule 8)</h2><p>Weekly losses in containers, one-sided CUSUM with an allowance of \(Format.number(s.reference)) container a week; the rule raises an alarm above \(Format.number(s.threshold)).</p>"
                cusum += Self.cusumChart(s, title: "CUSUM of weekly losses, lot \(lotID)", xTick: { i in s.labels.indices.contains(Int(i)) ? s.labels[Int(i)] : "" })
            }
        }
        // One page of movements: those before the first movement of entry `before`, or the latest.
        var upTo = end
        if let before {
            guard let p = series.position(ofSeq: before, end: end) else { return nil }
            upTo = p
        }
        // A page starts at an entry's first movement of the lot (a dose and its waste are two), so that the link
        // to the earlier page, which names that entry, lists each movement once.
        var from = max(0, upTo - Self.movementsPerPage)
        while from > 0, from < upTo, series.seqs[from - 1] == series.seqs[from] { from += 1 }
        if from == upTo { from = max(0, upTo - Self.movementsPerPage) }
        let link = { (seq: Int) -> HTML in viewer.seesEverything ? Self.entryLink(seq) : "\(seq)" }
        let moveRows = HTML.join((from..<upTo).reversed().map { i in
            let m = series[i]
            return "<tr data-seq=\"\(String(m.seq))\"><td>\(link(m.seq))</td><td>\(Self.short(m.time))</td><td>\(m.kind)</td><td class=\"num\">\(Quantity(micros: m.micros).description)</td><td class=\"num\">\(Quantity(micros: m.balance).description)</td></tr>" as HTML
        })
        let base = "/stock/\(Format.urlComponent(lotID))"
        let asOfQuery = asOf.map { "as_of=\(Format.urlComponent($0.description))" }
        func pageLink(_ position: Int?) -> String {
            let query = [asOfQuery, position.map { "before=\(series.seqs[$0])" }].compactMap { $0 }.joined(separator: "&")
            return query.isEmpty ? base : base + "?" + query
        }
        var pager: [HTML] = []
        if upTo < end {
            let newer = upTo + Self.movementsPerPage
            pager.append("<a id=\"movements-latest\" href=\"\(pageLink(nil))\">Latest movements</a>")
            pager.append("<a id=\"movements-newer\" href=\"\(pageLink(newer < end ? newer : nil))\">Newer movements</a>")
        }
        if from > 0 { pager.append("<a id=\"movements-earlier\" href=\"\(pageLink(from))\">Earlier movements</a>") }
        let pagerHTML: HTML = pager.isEmpty ? .empty : "<p class=\"pager\">\(HTML.join(pager, separator: " · "))</p>"
        let heading: String
        if from == 0, upTo == end { heading = "" }
        else if upTo == end { heading = " (the latest \(end - from) of \(end))" }
        else { heading = " (\(from + 1) to \(upTo) of \(end), in time order; latest first)" }
        let kindRows = HTML.join(kinds.map { t in
            "<tr data-kind=\"\(t.kind)\"><td>\(t.kind)</td><td class=\"num\">\(t.count)</td><td class=\"num\">\(Quantity(micros: t.micros).description)</td></tr>" as HTML
        })
        let countRows = HTML.join(counts.reversed().map { c in
            "<tr\(c.varianceMicros != 0 ? " class=\"bad\"" as HTML : .empty)><td>\(link(c.seq))</td><td>\(Self.short(c.time))</td><td class=\"num\">\(Quantity(micros: c.expectedMicros).description)</td><td class=\"num\">\(Quantity(micros: c.countedMicros).description)</td><td class=\"num\">\(Quantity(micros: c.varianceMicros).description)</td></tr>" as HTML
        })
        let body: HTML = """
        <p><a href="/stock">Stock</a> › \(lotID)</p>
        <h1>\(line.drug), lot \(line.lot)</h1>
        <form class="filters" method="get" action="/stock/\(Format.urlComponent(lotID))"><label>As of (UTC time or date)<input name="as_of" value="\(asOf?.description ?? "")" placeholder="2025-02-01T00:00:00Z"></label><button type="submit">Show</button></form>
        <dl class="facts">
        <dt>Lot id</dt><dd>\(lotID)</dd><dt>NDC</dt><dd>\(line.ndc)</dd><dt>Expiry</dt><dd>\(line.expiry)</dd><dt>Status</dt><dd>\(line.status)</dd>
        <dt>On hand\(asOf.map { " as of \($0.description)" } ?? "")</dt><dd><strong id="lot-balance" data-micros="\(String(balance))">\(Quantity(micros: balance).description)</strong> \(line.unit)</dd>
        <dt>Received</dt><dd>\(figure("received", line.received))</dd><dt>Administered</dt><dd>\(figure("administered", line.administered))</dd><dt>Dispensed</dt><dd>\(figure("dispensed", line.dispensed))</dd>
        <dt>Wasted</dt><dd>\(figure("wasted", line.wasted))</dd><dt>Destroyed</dt><dd>\(figure("destroyed", line.destroyed))</dd><dt>Lost</dt><dd>\(figure("lost", line.lost))</dd><dt>Returned</dt><dd>\(figure("returned", line.returned))</dd>
        </dl>
        <h2>Balance over time</h2>\(chart)
        <p class="legend">Line: the perpetual balance after each movement (\(end) movements; where they are more than the chart has room for, each column of pixels draws its first, lowest, highest and last balance). Green points: physical counts that agreed; red points: counts with a variance.</p>
        \(cusum)
        <h2>Counts</h2><div class="scroll"><table id="counts"><thead><tr><th>Seq</th><th>When</th><th class="num">Expected</th><th class="num">Counted</th><th class="num">Variance</th></tr></thead><tbody>\(countRows)</tbody></table></div>
        <h2>Movements by kind</h2>
        <div class="scroll"><table id="movement-kinds"><thead><tr><th>Kind</th><th class="num">Movements</th><th class="num">Net quantity</th></tr></thead><tbody>\(kindRows)</tbody></table></div>
        <h2 id="movements-heading">Movements\(heading)</h2>
        \(pagerHTML)<div class="scroll"><table id="movements"><thead><tr><th>Seq</th><th>When</th><th>Kind</th><th class="num">Quantity</th><th class="num">Balance</th></tr></thead><tbody>\(moveRows)</tbody></table></div>
        """
        return page("Lot \(line.lot)", viewer, "stock", body, reconciled: reconciled)
    }

    /// A CUSUM as the rule ran it: the statistic, the alarm threshold as a line, each alarm marked with its entry and finding.
    static func cusumChart(_ s: CusumSeries, title: String, xTick: @escaping (Double) -> String) -> HTML {
        let points = s.statistic.enumerated().map { (x: Double($0.offset), y: $0.element) }
        let marks = s.alarms.map { a in
            Chart.Mark(x: Double(a.index), y: s.statistic[a.index], cls: "alarm", note: "alarm at seq \(a.seq): \(a.findingID)",
                       data: [("alarm-seq", String(a.seq)), ("finding", a.findingID)])
        }
        let chart = Chart.line(points, step: false, marks: marks, rules: [(s.threshold, "alarm threshold \(Format.number(s.threshold))", "threshold")],
                               title: title, yLabel: "CUSUM", xTick: xTick, cls: "cusum")
        let list = HTML.join(s.alarms.map { a in
            "<li class=\"cusum-alarm\" data-alarm-seq=\"\(String(a.seq))\">Alarm at entry \(entryLink(a.seq)) (CUSUM \(Format.number(s.statistic[a.index], 3)) > \(Format.number(s.threshold))): \(findingLink(a.findingID))</li>" as HTML
        })
        return chart + (s.alarms.isEmpty ? "<p>No alarm.</p>" : "<ul class=\"alarms\">\(list)</ul>" as HTML)
    }

    // MARK: Shipments

    package func shipments(_ viewer: Viewer, now: Timestamp = .now()) throws -> HTML {
        let (list, counts) = try data.shipments(closed: 500)
        let limit = ReconciliationConfig().inTransitDays
        func days(_ s: DashboardData.Shipment) -> Double { Double(now.millisecondsSinceEpoch - s.sent.millisecondsSinceEpoch) / Double(Self.msPerDay) }
        let inTransit = list.filter { $0.status == "in_transit" }.sorted { days($0) > days($1) }
        let link = { (seq: Int) -> HTML in viewer.seesEverything ? Self.entryLink(seq) : "\(seq)" }
        func table(_ id: String, _ rows: [DashboardData.Shipment], delivered: Bool) -> HTML {
            let body = HTML.join(rows.map { s in
                let overdue = s.status == "in_transit" && days(s) > limit
                let check: HTML = delivered
                    ? "<td>\(s.ageVerified.map { $0 ? "yes" : "NO" } ?? "—")</td><td>\(s.idType ?? "—")</td><td>\(Self.short(s.closed))</td>" as HTML : .empty
                return """
                <tr data-tracking="\(s.tracking)"\(overdue ? " class=\"bad overdue\"" as HTML : .empty)><td>\(s.tracking)</td><td>\(s.carrier)</td><td>\(link(s.sentSeq))</td><td>\(Self.short(s.sent))</td>\
                <td class="num">\(Format.number(days(s), 1))</td><td>\(s.adultSignature ? "yes" : "NO")</td>\(check)<td>\(overdue ? "overdue" : s.status.replacingOccurrences(of: "_", with: " "))</td>\
                <td>\(s.closedSeq.map { link($0) } ?? "—")</td></tr>
                """ as HTML
            })
            let extra: HTML = delivered ? "<th>Age verified</th><th>ID seen</th><th>Delivered</th>" : .empty
            return """
            <div class="scroll"><table id="\(id)"><thead><tr><th>Tracking</th><th>Carrier</th><th>Sent seq</th><th>Sent</th><th class="num">Days since</th>\
            <th>Adult signature</th>\(extra)<th>Status</th><th>Closed seq</th></tr></thead><tbody>\(body)</tbody></table></div>
            """
        }
        let delivered = list.filter { $0.status == "delivered" }
        let returned = list.filter { $0.status == "returned" }
        let lost = list.filter { $0.status == "lost" }
        let overdueCount = inTransit.filter { days($0) > limit }.count
        /// " (the latest 500 of 3,496)" when not every parcel of that status is listed.
        func shown(_ rows: [DashboardData.Shipment], _ status: String) -> String {
            let all = counts[status, default: 0]
            return all > rows.count ? " (the latest \(rows.count) of \(all))" : ""
        }
        let body: HTML = """
        <h1>Shipments</h1>
        <p id="shipment-summary">\(inTransit.count) in transit (\(overdueCount) overdue: more than \(Format.number(limit)) days), \(counts["delivered", default: 0]) delivered, \(counts["returned", default: 0]) returned, \(counts["lost", default: 0]) lost.</p>
        <h2>In transit, overdue first</h2>\(table("in-transit", inTransit, delivered: false))
        <h2>Lost\(shown(lost, "lost"))</h2>\(table("lost", lost, delivered: false))
        <h2>Returned\(shown(returned, "returned"))</h2>\(table("returned", returned, delivered: false))
        <h2>Delivered\(shown(delivered, "delivered"))</h2>\(table("delivered", delivered, delivered: true))
        """
        return page("Shipments", viewer, "shipments", body)
    }
}
