import CSLedgerKit
import Foundation
import LedgerCore
import Reconciliation

extension DashboardPages {
    /// One person's figures over every quarter, from rule 10's activity records.
    struct PersonTotals {
        var doses = 0
        var wasteSum = 0.0
        var counts = 0
        var varianceSum = 0.0
        var records = 0
        var corrections = 0.0
        /// The highest z-score of any comparison, with its metric and quarter.
        var topZ: (z: Double, metric: String, quarter: String)?
    }

    static func totals(_ peers: [PeerActivity]) -> [KeyID: PersonTotals] {
        var out: [KeyID: PersonTotals] = [:]
        for p in peers {
            var t = out[p.person] ?? PersonTotals()
            switch p.metric {
            case "waste": t.doses += p.n; t.wasteSum += p.rate * Double(p.n)
            case "counts": t.counts += p.n; t.varianceSum += p.rate * Double(p.n)
            default: t.records += p.n; t.corrections += p.rate * Double(p.n)
            }
            if let z = p.z, z > (t.topZ?.z ?? -.infinity) { t.topZ = (z, p.metric, p.quarter) }
            out[p.person] = t
        }
        return out
    }

    static let roleHeadings: [Role: String] = [.admin: "Admins", .pharmacist: "Pharmacists", .clinician: "Clinicians",
                                               .compliance: "Compliance officers", .regulator: "Regulators", .witness: "Witnesses"]

    static let metricNames = ["waste": "waste share per dose", "counts": "share of counts with a variance", "corrections": "corrections per record"]

    /// Minutes for people: `42 min`, `5 h 12 min`, `3 d 4 h`.
    static func duration(_ minutes: Double) -> String {
        let sign = minutes < 0 ? "−" : "", m = abs(minutes)
        if m < 10 { return sign + Format.number(m, 1) + " min" }
        let whole = Int(m.rounded())
        if whole < 60 { return "\(sign)\(whole) min" }
        if whole < 48 * 60 { return "\(sign)\(whole / 60) h\(whole % 60 == 0 ? "" : " \(whole % 60) min")" }
        let hours = Int((m / 60).rounded())
        return "\(sign)\(hours / 24) d\(hours % 24 == 0 ? "" : " \(hours % 24) h")"
    }

    /// The `data-` attribute value of a number of minutes (what tests compare).
    static func minutesData(_ m: Double) -> String { Format.number(m, 3) }

    /// The rule-8 small-loss findings (kept per lot) that name each person, with the entry where each CUSUM raised its alarm.
    static func smallLosses(_ report: ReconciliationReport) -> [KeyID: [(finding: Finding, alarmSeq: Int?)]] {
        var alarmAt: [String: Int] = [:]
        for c in report.cusums where c.check == "lot-loss-pattern" { for a in c.alarms { alarmAt[a.findingID] = a.seq } }
        var out: [KeyID: [(finding: Finding, alarmSeq: Int?)]] = [:]
        for f in report.findings where f.check == "lot-loss-pattern" { for k in f.people { out[k, default: []].append((f, alarmAt[f.id])) } }
        return out
    }

    package func staff(_ viewer: Viewer) throws -> HTML {
        let report = try data.reconciliation()
        let signers = try data.signers()
        let totals = Self.totals(report.peers)
        let alarms = Dictionary(grouping: report.cusums.filter { $0.check == "waste-pattern" }, by: \.subject).mapValues { $0.reduce(0) { $0 + $1.alarms.count } }
        let delays = Dictionary(report.wasteDelays.map { ($0.person, $0) }, uniquingKeysWith: { a, _ in a })
        let smallLosses = Self.smallLosses(report)
        var openByPerson: [KeyID: Int] = [:]
        for f in report.open { for k in f.people { openByPerson[k, default: 0] += 1 } }
        let people = signers.values.filter { totals[$0.keyID] != nil }.sorted { ($0.role.rawValue, $0.name) < ($1.role.rawValue, $1.name) }
        let byRole = Dictionary(grouping: people, by: \.role)
        var sections: HTML = .empty
        for role in byRole.keys.sorted(by: { $0.rawValue < $1.rawValue }) {
            let rows = HTML.join(byRole[role]!.map { s in
                let t = totals[s.keyID]!
                let waste = t.doses > 0 ? Format.number(t.wasteSum / Double(t.doses) * 100, 1) + "%" : "—"
                let delay: HTML = delays[s.keyID].map { d in
                    """
                    <td class="num delay" data-median-minutes="\(Self.minutesData(d.median))" data-p90-minutes="\(Self.minutesData(d.p90))" data-wastes="\(String(d.wastes))">\
                    \(Self.duration(d.median)) <span class="help">(90%: \(Self.duration(d.p90)); \(d.wastes) waste\(d.wastes == 1 ? "" : "s"))</span></td>\
                    <td class="num">\(d.peerMedian > 0 ? "×" + Format.number(d.median / d.peerMedian, 2) : "—")</td>
                    """ as HTML
                } ?? "<td class=\"num delay\">—</td><td class=\"num\">—</td>"
                let losses = smallLosses[s.keyID] ?? []
                let z: HTML = t.topZ.map { z in
                    "<span\(z.z > report.config.outlierZ ? " class=\"bad\"" as HTML : .empty)>\(Format.number(z.z, 2))</span> (\(Self.metricNames[z.metric] ?? z.metric), \(z.quarter))" as HTML
                } ?? "—"
                return """
                <tr data-person="\(s.keyID.hex)"><td>\(Self.personLink(s.keyID, s.name))</td><td class="num">\(t.doses)</td><td class="num">\(waste)</td>\
                \(delay)<td class="num">\(t.counts)</td><td class="num">\(Int(t.corrections.rounded())) / \(t.records)</td><td>\(z)</td>\
                <td class="num waste-alarms">\(alarms[s.keyID.hex] ?? 0)</td>\
                <td class="num small-loss-alarms" data-alarms="\(String(losses.count))">\(losses.isEmpty ? "0" : "<a href=\"/staff/\(s.keyID.hex)#small-losses\">\(losses.count)</a>" as HTML)</td>\
                <td class="num">\(openByPerson[s.keyID] ?? 0)</td></tr>
                """ as HTML
            })
            let peerDelay: HTML = report.wasteDelays.first { $0.group == role.rawValue }.map { d in
                "<p class=\"peer-delay\" id=\"peer-delay-\(role.rawValue)\" data-peer-median-minutes=\"\(Self.minutesData(d.peerMedian))\">Time from draw to waste record: the peer median (the median of the \(d.peers) \(role.rawValue)s' medians) is \(Self.duration(d.peerMedian)).</p>" as HTML
            } ?? .empty
            sections += """
            <h2>\(Self.roleHeadings[role] ?? role.rawValue)</h2>\(peerDelay)
            <div class="scroll"><table class="staff" id="staff-\(role.rawValue)"><thead><tr><th>Person</th><th class="num">Doses</th><th class="num">Waste per dose</th>\
            <th class="num">Draw to waste record, median</th><th class="num">Against peer median</th>\
            <th class="num">Counts</th><th class="num">Corrections / records</th><th>Highest z against peers</th><th class="num">Waste-pattern alarms</th>\
            <th class="num">Small-loss alarms (per lot)</th><th class="num">Open findings</th></tr></thead>
            <tbody>\(rows)</tbody></table></div>
            """
        }
        let body: HTML = """
        <h1>Staff</h1>
        <p>Each person against peers in the same role (every counter against every other), per calendar quarter, as rule 10 compares them: a robust z-score (x − median) / max(1.4826 × MAD, floor) above \(Format.number(report.config.outlierZ)) is a finding. Rule 8's CUSUM follows each clinician's waste share per dose against their own baseline (waste-pattern alarms); its small-loss CUSUM is kept per lot, so a person's small-loss alarms are the lot patterns whose entries they recorded or witnessed, each drawn on its lot's page. Draw to waste record: for each dose with something wasted, the minutes from the dose's time (the draw) to when the ledger wrote the record of its waste; the median, the 90th percentile and the number of wastes, against the median of the same role (a figure, not a rule: rule 5 reports a single waste recorded more than \(Format.number(report.config.lateWasteHours)) hours late). Open a person for the quarters and the charts.</p>
        \(sections)
        """
        return page("Staff", viewer, "staff", body, reconciled: report)
    }

    package func person(_ viewer: Viewer, key: KeyID) throws -> HTML? {
        let report = try data.reconciliation()
        let signers = try data.signers()
        guard let s = signers[key] else { return nil }
        let mine = report.peers.filter { $0.person == key }.sorted { ($0.quarter, $0.metric) < ($1.quarter, $1.metric) }
        let rows = HTML.join(mine.map { p in
            let over = (p.z ?? 0) > p.threshold
            return """
            <tr\(over ? " class=\"bad\"" as HTML : .empty) data-metric="\(p.metric)" data-quarter="\(p.quarter)"><td>\(p.quarter)</td><td>\(Self.metricNames[p.metric] ?? p.metric)</td><td>\(p.group)</td>\
            <td class="num">\(p.n)</td><td class="num">\(Format.number(p.rate, 4))</td><td class="num">\(p.median.map { Format.number($0, 4) } ?? "—")</td>\
            <td class="num">\(p.scale.map { Format.number($0, 4) } ?? "—")</td><td class="num z">\(p.z.map { Format.number($0, 2) } ?? (p.n < p.minimum ? "too few (< \(p.minimum))" : "too few peers"))</td>\
            <td class="num">\(Format.number(p.threshold, 1))</td></tr>
            """ as HTML
        })
        var charts: HTML = .empty
        for c in report.cusums where c.check == "waste-pattern" && c.subject == key.hex {
            charts += "<h2>Waste share per dose: CUSUM (rule 8)</h2><p>Each dose after the person's first \(report.config.wasteBaselineDoses): Sᵢ = max(0, Sᵢ₋₁ + waste share − \(Format.number(c.reference, 3))), the reference being the person's baseline plus the allowance. The rule raises an alarm when S passes \(Format.number(c.threshold)).</p>"
            charts += Self.cusumChart(c, title: "CUSUM of waste share per dose, \(s.name)", xTick: { i in
                c.entries.indices.contains(Int(i)) ? "seq \(c.entries[Int(i)].first ?? 0)" : ""
            })
        }
        if charts.raw.isEmpty, s.role == .clinician {
            charts = "<p>No waste-pattern CUSUM: fewer than \(report.config.wasteBaselineDoses + 1) doses with an amount drawn.</p>"
        }
        let delay: HTML
        if let d = report.wasteDelays.first(where: { $0.person == key }) {
            let labels = d.boundsHours.indices.map { i in i == 0 ? "within \(Format.number(d.boundsHours[0])) h" : "\(Format.number(d.boundsHours[i - 1]))–\(Format.number(d.boundsHours[i])) h" }
                + ["over \(Format.number(d.boundsHours.last ?? 0)) h"]
            let late = report.config.lateWasteHours
            let bars = Chart.bars(zip(labels, d.counts).enumerated().map { i, lc in
                (label: lc.0, value: Double(lc.1), cls: (i == d.counts.count - 1 || (i > 0 && d.boundsHours[i - 1] >= late)) ? "critical" : "")
            }, title: "Wastes by time from draw to record, \(s.name)")
            delay = """
            <h2 id="draw-to-waste">Time from draw to waste record</h2>
            <p>For each dose \(s.name) recorded with something wasted: the minutes from the dose's time (the draw) to when the ledger wrote the record of its waste (the entry's logged time, a clock the person cannot set). Against the median of the \(d.peers) \(d.group)s' medians. A figure, not a rule: rule 5 reports a waste recorded more than \(Format.number(late)) hours after it happened.</p>
            <dl class="facts" id="delay-figures" data-median-minutes="\(Self.minutesData(d.median))" data-p90-minutes="\(Self.minutesData(d.p90))" data-wastes="\(String(d.wastes))" data-peer-median-minutes="\(Self.minutesData(d.peerMedian))">\
            <dt>Wastes</dt><dd>\(d.wastes)</dd><dt>Median</dt><dd id="delay-median">\(Self.duration(d.median))</dd><dt>90th percentile</dt><dd>\(Self.duration(d.p90))</dd>\
            <dt>Longest</dt><dd>\(Self.duration(d.longest)) (entry \(Self.entryLink(d.longestSeq)))</dd>\
            <dt>Peer median (\(d.group)s)</dt><dd id="delay-peer-median">\(Self.duration(d.peerMedian))\(d.peerMedian > 0 ? " (this person ×\(Format.number(d.median / d.peerMedian, 2)))" : "")</dd></dl>
            \(bars)
            """
        } else {
            delay = s.role == .clinician ? "<h2 id=\"draw-to-waste\">Time from draw to waste record</h2><p>No dose with something wasted.</p>" : .empty
        }
        let lossRows = HTML.join((Self.smallLosses(report)[key] ?? []).map { l in
            let lot = l.finding.lot ?? ""
            return """
            <li class="small-loss" data-finding="\(l.finding.id)" data-lot="\(lot)" data-alarm-seq="\(l.alarmSeq.map(String.init) ?? "")">\
            \(Self.findingLink(l.finding.id)) on lot <a class="lot-cusum-link" href="/stock/\(Format.urlComponent(lot))#loss-cusum">\(lot)</a>\
            \(l.alarmSeq.map { " (alarm at entry \(Self.entryLink($0)))" as HTML } ?? .empty): \(l.finding.status.rawValue)</li>
            """ as HTML
        })
        let smallLosses: HTML = """
        <h2 id="small-losses">Patterns of small losses (rule 8)</h2>
        <p>Rule 8's small-loss CUSUM is kept per lot (weekly losses in containers), not per person: its chart, with the alarm line, is on each lot's page. The patterns whose entries this person recorded or witnessed:</p>
        \(lossRows.raw.isEmpty ? "<p>None.</p>" as HTML : "<ul class=\"alarms\" id=\"person-small-losses\">\(lossRows)</ul>" as HTML)
        """
        let findings = HTML.join(report.findings.filter { $0.people.contains(key) }.map { f in
            "<tr><td>\(Self.severity(f.severity))</td><td>\(Self.findingLink(f.id))</td><td>\(f.title)</td><td>\(f.status.rawValue)</td></tr>" as HTML
        })
        let body: HTML = """
        <p><a href="/staff">Staff</a> › \(s.name)</p>
        <h1 id="person-name">\(s.name)</h1>
        <dl class="facts"><dt>Role</dt><dd>\(s.role.rawValue)</dd><dt>Key id</dt><dd><code>\(key.short)</code></dd><dt>Enrolled at</dt><dd>seq \(s.enrolledSeq)</dd>\
        \(s.revokedSeq.map { "<dt>Revoked at</dt><dd>seq \($0)</dd>" as HTML } ?? .empty)</dl>
        <h2>Against peers, per quarter (rule 10)</h2>
        <div class="scroll"><table id="peer-rates"><thead><tr><th>Quarter</th><th>Rate</th><th>Peers</th><th class="num">Activity</th><th class="num">Value</th><th class="num">Peer median</th>\
        <th class="num">Scale</th><th class="num">z</th><th class="num">Threshold</th></tr></thead><tbody>\(rows)</tbody></table></div>
        \(delay)
        \(charts)
        \(smallLosses)
        <h2>Findings naming this person</h2><div class="scroll"><table id="person-findings"><tbody>\(findings)</tbody></table></div>
        """
        return page(s.name, viewer, "staff", body, reconciled: report)
    }
}
