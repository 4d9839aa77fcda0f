import CSLedgerKit
import Dispensing
import Foundation
import LedgerCore
import LedgerStore
import Reconciliation

/// The dashboard's pages, rendered on the server from `DashboardData` (every read behind the integrity gate).
package struct DashboardPages: Sendable {
    package let data: DashboardData
    /// The ledger's origin, shown in the header.
    package let origin: String

    package init(data: DashboardData, origin: String) {
        self.data = data
        self.origin = origin
    }

    /// A page; `reconciled`, the findings it shows: when they do not yet cover the latest entries (a run
    /// longer than a page may wait is still taking them in), the page says so first and reloads itself.
    func page(_ title: String, _ viewer: Viewer, _ current: String, _ body: HTML, reconciled: ReconciliationReport? = nil) -> HTML {
        let behind = reconciled.map { data.behind($0) } ?? 0
        guard let report = reconciled, behind > 0 else {
            return Layout.page(title: title, viewer: viewer, ledger: origin, current: current, body: body)
        }
        let notice: HTML = """
        <p class="notice" id="catching-up">Findings as of entry \(report.entries - 1): \(behind) newer \(behind == 1 ? "entry is" : "entries are") being reconciled; this page reloads itself in a few seconds.</p>
        """
        return Layout.page(title: title, viewer: viewer, ledger: origin, current: current, body: notice + body, reloadAfter: 3)
    }

    static func short(_ t: Timestamp?) -> String {
        guard let d = t?.description else { return "—" }
        return "\(d.prefix(10)) \(d.dropFirst(11).prefix(5))"
    }

    static func day(_ t: Timestamp) -> String { String(t.description.prefix(10)) }

    static func severity(_ s: Severity) -> HTML { "<span class=\"sev sev-\(s.rawValue)\">\(s.rawValue)</span>" }

    static func findingLink(_ id: String) -> HTML { "<a href=\"/findings/\(Format.urlComponent(id))\" class=\"finding-id\">\(id)</a>" }
    static func entryLink(_ seq: Int) -> HTML { "<a href=\"/entries/\(seq)\" class=\"entry-link\">\(seq)</a>" }
    static func lotLink(_ lot: String) -> HTML { "<a href=\"/stock/\(Format.urlComponent(lot))\">\(lot)</a>" }
    static func personLink(_ k: KeyID, _ name: String) -> HTML { "<a href=\"/staff/\(k.hex)\">\(name)</a>" }

    static let msPerDay: Int64 = 86_400_000

    // MARK: Overview

    package func overview(_ viewer: Viewer, now: Timestamp = .now()) throws -> HTML {
        let report = try data.reconciliation()
        let open = report.open
        let bySeverity = Severity.allCases.reversed().map { s in (label: s.rawValue, value: Double(open.filter { $0.severity == s }.count), cls: s.rawValue) }
        var ages: [(label: String, value: Double, cls: String)] = [("under 1 day", 0, ""), ("1 to 7 days", 0, ""), ("7 to 30 days", 0, "warning"),
                                                                   ("over 30 days", 0, "old"), ("no single date", 0, "")]
        for f in open {
            guard let t = f.time else { ages[4].value += 1; continue }
            let days = Double(now.millisecondsSinceEpoch - t.millisecondsSinceEpoch) / Double(Self.msPerDay)
            ages[days < 1 ? 0 : days < 7 ? 1 : days < 30 ? 2 : 3].value += 1
        }
        let (y, m, _) = now.civilDate
        let resolvedThisMonth = report.findings.filter { f in
            guard f.status == .resolved, let r = f.resolution else { return false }
            let (ry, rm, _) = r.time.civilDate
            return ry == y && rm == m
        }.count
        // Findings per rule over the last 12 weeks (by the finding's date), oldest week first.
        let weekMs = 7 * Self.msPerDay
        let end = now.millisecondsSinceEpoch
        var perRule: [Int: [Int]] = [:]
        for f in report.findings {
            guard let t = f.time?.millisecondsSinceEpoch, t <= end, end - t < 12 * weekMs else { continue }
            let w = 11 - Int((end - t) / weekMs)
            perRule[f.rule, default: Array(repeating: 0, count: 12)][w] += 1
        }
        let weekHeads = HTML.join((0..<12).map { w in
            "<th class=\"num\">\(Self.day(Timestamp(millisecondsSinceEpoch: end - Int64(11 - w) * weekMs)).dropFirst(5))</th>" as HTML
        })
        let ruleRows = HTML.join(Finding.ruleNames.keys.sorted().map { r in
            let counts = perRule[r] ?? Array(repeating: 0, count: 12)
            return "<tr><td>\(r). \(Finding.ruleNames[r] ?? "")</td>\(HTML.join(counts.map { "<td class=\"num\">\($0 == 0 ? "·" : String($0))</td>" as HTML }))<td class=\"num\">\(counts.reduce(0, +))</td></tr>" as HTML
        })
        // Stock on hand per product.
        let inventory = try data.inventory()
        var products: [String: (micros: Int64, unit: String, lots: Int)] = [:]
        for l in inventory.lines {
            products[l.drug, default: (0, l.unit, 0)].micros += l.onHand.micros
            products[l.drug]?.lots += 1
        }
        let productRows = products.sorted { $0.key < $1.key }
        let stockBars = Chart.bars(productRows.map { (label: $0.key, value: Double($0.value.micros) / 1_000_000, cls: "") },
                                   title: "Stock on hand per product")
        // Parcels awaiting a delivery proof.
        let shipments = try data.shipments(closed: 0).list
        let inTransit = shipments.filter { $0.status == "in_transit" }
        let overdueDays = report.config.inTransitDays
        let overdue = inTransit.filter { Double(now.millisecondsSinceEpoch - $0.sent.millisecondsSinceEpoch) / Double(Self.msPerDay) > overdueDays }
        let cp = try data.checkpoint()
        let witnesses = try data.witnessCosignatures()
        let witnessList: HTML = witnesses.isEmpty ? "none: the daemon was started without <code>--witness</code>" : HTML.join(witnesses.map { w in
            guard let size = w.treeSize else { return "<span class=\"witness\">\(w.name): no valid cosignature yet</span><br>" as HTML }
            guard w.matchesLedger else {
                return "<span class=\"witness sev-critical\">\(w.name) cosigned another checkpoint of \(size) entries than this ledger holds (\(Self.short(w.time)) UTC): a fork</span><br>" as HTML
            }
            return "<span class=\"witness\">\(w.name): \(size) of \(cp.size) entries, \(Self.short(w.time)) UTC</span><br>" as HTML
        })
        let body: HTML = """
        <h1>Overview</h1>
        <div class="tiles">
        <div class="card tile"><div class="big" id="open-count">\(open.count)</div>open findings</div>
        <div class="card tile"><div class="big sev-critical" id="open-critical">\(open.filter { $0.severity == .critical }.count)</div>critical</div>
        <div class="card tile"><div class="big" id="resolved-month">\(resolvedThisMonth)</div>resolved this month</div>
        <div class="card tile"><div class="big" id="awaiting-proof">\(inTransit.count)</div>parcels awaiting a delivery proof (\(overdue.count) overdue)</div>
        <div class="card tile"><div class="big" id="checkpoint-size">\(cp.size)</div>entries in the latest signed checkpoint, \(Self.short(cp.time)) UTC</div>
        </div>
        <div class="grid">
        <section class="card"><h2>Open findings by severity</h2>\(Chart.bars(bySeverity, title: "Open findings by severity"))<p><a href="/findings">All open findings</a></p></section>
        <section class="card"><h2>Open findings by age</h2>\(Chart.bars(ages, title: "Open findings by age"))</section>
        </div>
        <h2>Findings per rule, last 12 weeks (week starting)</h2>
        <div class="scroll"><table id="per-rule"><thead><tr><th>Rule</th>\(weekHeads)<th class="num">12 weeks</th></tr></thead><tbody>\(ruleRows)</tbody></table></div>
        <div class="grid">
        <section class="card"><h2>Stock on hand per product</h2>\(stockBars)
        <table id="stock-per-product"><thead><tr><th>Product</th><th class="num">Lots</th><th class="num">On hand</th></tr></thead><tbody>\(HTML.join(productRows.map { p in
            "<tr><td>\(p.key)</td><td class=\"num\">\(p.value.lots)</td><td class=\"num\">\(Quantity(micros: p.value.micros).description) \(p.value.unit)</td></tr>" as HTML
        }))</tbody></table></section>
        <section class="card"><h2>Ledger</h2><dl class="facts">
        <dt>Latest checkpoint</dt><dd>\(cp.size) entries, last logged \(Self.short(cp.time)) UTC</dd>
        <dt>Reconciliation</dt><dd>as of \(Self.short(report.asOf)) UTC over \(report.entries) entries (\(report.entriesConsidered) records)</dd>
        <dt>Witness cosignatures</dt><dd id="witnesses">\(witnessList)</dd>
        </dl><p><a href="/shipments">Parcels</a> · <a href="/stock">Lots</a></p></section>
        </div>
        """
        return page("Overview", viewer, "overview", body, reconciled: report)
    }

    // MARK: Findings

    package struct FindingFilter: Sendable {
        package var rule: Int?
        package var severity: Severity?
        /// `open` (open or reopened, the default), `resolved`, `reopened` or `all`.
        package var status: String = "open"
        package var lot: String?
        package var person: String?

        package init(query: [String: String]) {
            rule = query["rule"].flatMap { Int($0) }
            severity = query["severity"].flatMap { Severity(rawValue: $0) }
            status = ["open", "resolved", "reopened", "all"].contains(query["status"] ?? "") ? query["status"]! : "open"
            lot = query["lot"].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0.trimmingCharacters(in: .whitespaces) }
            person = query["person"].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0.trimmingCharacters(in: .whitespaces) }
        }

        func matches(_ f: Finding, _ report: ReconciliationReport) -> Bool {
            if let rule, f.rule != rule { return false }
            if let severity, f.severity != severity { return false }
            switch status {
            case "open": if !f.isOpen { return false }
            case "resolved": if f.status != .resolved { return false }
            case "reopened": if f.status != .reopened { return false }
            default: break
            }
            if let lot, !(f.lot ?? "").localizedCaseInsensitiveContains(lot) { return false }
            if let person {
                let hit = f.people.contains { k in
                    k.hex.hasPrefix(person.lowercased()) || (report.people[k]?.name ?? "").localizedCaseInsensitiveContains(person)
                }
                if !hit { return false }
            }
            return true
        }
    }

    package func findings(_ viewer: Viewer, filter: FindingFilter) throws -> HTML {
        let report = try data.reconciliation()
        let shown = report.findings.filter { filter.matches($0, report) }
        func option(_ value: String, _ label: String, _ selected: Bool) -> HTML {
            "<option value=\"\(value)\"\(selected ? " selected" as HTML : .empty)>\(label)</option>"
        }
        let rules = HTML.join([option("", "any rule", filter.rule == nil)] + Finding.ruleNames.keys.sorted().map {
            option(String($0), "\($0). \(Finding.ruleNames[$0] ?? "")", filter.rule == $0)
        })
        let severities = HTML.join([option("", "any severity", filter.severity == nil)] + Severity.allCases.reversed().map {
            option($0.rawValue, $0.rawValue, filter.severity == $0)
        })
        let statuses = HTML.join([("open", "open (and reopened)"), ("reopened", "reopened"), ("resolved", "resolved"), ("all", "all")].map {
            option($0.0, $0.1, filter.status == $0.0)
        })
        let rows = HTML.join(shown.map { f in
            let people = f.people.map { report.people[$0]?.name ?? $0.short }.joined(separator: ", ")
            return """
            <tr data-finding="\(f.id)"><td>\(Self.severity(f.severity))</td><td>\(Self.findingLink(f.id))</td><td class="num">\(f.rule)</td>\
            <td>\(f.title)</td><td>\(f.lot ?? "")</td><td>\(people)</td><td>\(Self.short(f.time))</td><td>\(f.status.rawValue)</td></tr>
            """ as HTML
        })
        let body: HTML = """
        <h1>Findings</h1>
        <form class="filters" method="get" action="/findings">
        <label>Rule<select name="rule">\(rules)</select></label>
        <label>Severity<select name="severity">\(severities)</select></label>
        <label>Status<select name="status">\(statuses)</select></label>
        <label>Lot<input name="lot" value="\(filter.lot ?? "")" placeholder="lot or lot id"></label>
        <label>Person<input name="person" value="\(filter.person ?? "")" placeholder="name or key id"></label>
        <button type="submit">Filter</button>
        </form>
        <p id="finding-count">\(shown.count) finding(s) of \(report.findings.count) (as of \(Self.short(report.asOf)) UTC, \(report.entries) entries)</p>
        <div class="scroll"><table id="findings"><thead><tr><th>Severity</th><th>Id</th><th class="num">Rule</th><th>What</th><th>Lot</th><th>People</th><th>When</th><th>Status</th></tr></thead>
        <tbody>\(rows)</tbody></table></div>
        """
        return page("Findings", viewer, "findings", body, reconciled: report)
    }

    /// One finding's page, or nil when there is no such finding.
    package func finding(_ viewer: Viewer, id: String) throws -> HTML? {
        let report = try data.reconciliation()
        guard let f = report.finding(id) else { return nil }
        let people = HTML.join(f.people.map { k in
            let p = report.people[k]
            return "<li>\(Self.personLink(k, p?.name ?? k.short)) (\(p?.role ?? "not enrolled"), \(k.short))</li>" as HTML
        })
        let figures = HTML.join(f.figures.map { "<tr><th>\($0.name)</th><td>\($0.value)</td></tr>" as HTML })
        let entries = HTML.join(f.entries.map { "<li>\(Self.entryLink($0))</li>" as HTML })
        let resolution: HTML
        if let r = f.resolution {
            let by = report.people[r.by]?.name ?? r.by.short
            resolution = """
            <h2>Resolution</h2><p id="resolution">\(f.status == .resolved ? "Resolved" : "Was resolved (new evidence since: reopened)") at seq \(Self.entryLink(r.seq)) \
            by \(by), \(Self.short(r.time)) UTC\(r.lossReportSeq.map { ", loss report at seq \($0)" } ?? ""): \(r.reason)</p>
            """
        } else { resolution = .empty }
        let command: HTML = f.isOpen ? """
        <h2>Resolve it</h2><p>Resolution is a signed act of the compliance officer's own key. On the machine that holds it:</p>
        <pre class="command" id="resolve-command">csledger resolve \(f.id) --reason "what was found and done" --key compliance.pem</pre>
        <p class="help">Add <code>--loss-report SEQ</code> when a DEA Form 106 was filed for it, and <code>--server URL</code> to resolve through this daemon.</p>
        """ : .empty
        let body: HTML = """
        <p><a href="/findings">Findings</a> › \(f.id)</p>
        <h1 id="finding-title">\(f.title)</h1>
        <dl class="facts" id="finding-facts">
        <dt>Id</dt><dd id="finding-id">\(f.id)</dd>
        <dt>Severity</dt><dd>\(Self.severity(f.severity))</dd>
        <dt>Rule</dt><dd>\(f.rule). \(f.ruleName) (\(f.check))</dd>
        <dt>Status</dt><dd id="finding-status">\(f.status.rawValue)</dd>
        <dt>When</dt><dd>\(Self.short(f.time))</dd>
        \(f.lot.map { "<dt>Lot</dt><dd>\(Self.lotLink($0))</dd>" as HTML } ?? .empty)
        \(f.patient.map { "<dt>Patient</dt><dd>reference \($0)</dd>" as HTML } ?? .empty)
        <dt>Expected</dt><dd id="expected">\(f.expected ?? "—")</dd>
        <dt>Found</dt><dd id="found">\(f.found ?? "—")</dd>
        <dt>Evidence</dt><dd><code>\(f.evidence)</code></dd>
        </dl>
        <h2>What happened</h2><p id="finding-detail">\(f.detail)</p>
        \(figures.raw.isEmpty ? .empty : "<h2>Figures</h2><table id=\"figures\"><tbody>\(figures)</tbody></table>" as HTML)
        <h2>Entries cited</h2><ul id="cited-entries" class="inline">\(entries)</ul>
        \(people.raw.isEmpty ? .empty : "<h2>People</h2><ul>\(people)</ul>" as HTML)
        <h2>Basis</h2><p>\(f.basis)</p>
        <h2>Next</h2><p>\(f.action)</p>
        \(resolution)\(command)
        """
        return page(f.id, viewer, "findings", body, reconciled: report)
    }

    // MARK: Entries

    package func entry(_ viewer: Viewer, seq: Int) throws -> HTML? {
        guard let v = try data.entry(seq) else { return nil }
        let signers = try data.signers()
        let s = v.entry.statement
        func who(_ k: KeyID) -> HTML {
            guard let p = signers[k] else { return "key \(k.short) (not enrolled)" }
            return "\(p.name) (\(p.role.rawValue), \(k.short))"
        }
        let sigs = HTML.join(v.entry.signatures.map { sig in
            "<li>\(who(sig.key))\(sig.key == s.actor ? " — actor" : " — witness")</li>" as HTML
        })
        let body: HTML = """
        <p><a href="/findings">Findings</a> › entry \(seq)</p>
        <h1>Entry \(seq): \(s.type)</h1>
        <dl class="facts" id="entry-facts">
        <dt>Seq</dt><dd id="entry-seq">\(seq)</dd>
        <dt>Type</dt><dd>\(s.type)</dd>
        <dt>Event time</dt><dd>\(s.time.description)</dd>
        <dt>Logged</dt><dd>\(v.entry.logged.description)</dd>
        <dt>Actor</dt><dd>\(who(s.actor))</dd>
        <dt>Leaf hash</dt><dd><code>\(v.leafHash.hex)</code></dd>
        </dl>
        <h2>Signed by</h2><ul id="signers">\(sigs)</ul>
        <h2>Statement</h2><pre id="statement">\(Self.pretty(.object(s.body)))</pre>
        <p class="help">Public keys are shown by their key id only. The entry's exact signed bytes: <code>GET /v1/entries/\(seq)</code>.</p>
        <h2>Proof</h2><p><a id="proof-download" href="/entries/\(seq)/proof" download="entry-\(seq).tlog-proof">Download the inclusion proof</a> (a C2SP tlog-proof against the latest signed checkpoint, the same as <code>csledger prove inclusion \(seq)</code> writes).</p>
        """
        return page("Entry \(seq)", viewer, "findings", body)
    }

    /// JSON for reading: two-space indent, members in order, public keys replaced by a note.
    static func pretty(_ v: JSONValue, indent: String = "") -> String {
        switch v {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .number(let d): return Format.number(d, 6)
        case .string(let s): return "\"\(s)\""
        case .array(let a):
            if a.isEmpty { return "[]" }
            return "[\n" + a.map { indent + "  " + pretty($0, indent: indent + "  ") }.joined(separator: ",\n") + "\n\(indent)]"
        case .object(let o):
            if o.isEmpty { return "{}" }
            return "{\n" + o.keys.sorted().map { k in
                let value = k.contains("public_key") ? "\"(a public key; not shown)\"" : pretty(o[k]!, indent: indent + "  ")
                return "\(indent)  \"\(k)\": \(value)"
            }.joined(separator: ",\n") + "\n\(indent)}"
        }
    }
}
