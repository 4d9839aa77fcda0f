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

    package func staff(_ viewer: Viewer) throws -> HTML {
        let report = try data.reconciliation()
        let signers = try data.signers()
        let totals = Self.totals(report.peers)
        let alarms = Dictionary(grouping: report.cusums.filter { $0.check == "waste-pattern" }, by: \.subject).mapValues { $0.reduce(0) { $0 + $1.alarms.count } }
        var openByPerson: [KeyID: Int] = [:]
        for f in report.open { for k in f.people { openByPerson[k, default: 0] += 1 } }
        let people = signers.values.filter { totals[$0.keyID] != nil }.sorted { ($0.role.rawValue, $0.name) < ($1.role.rawValue, $1.name) }
        let byRole = Dictionary(grouping: people, by: \.role)
        var sections: HTML = .empty
        for role in byRole.keys.sorted(by: { $0.rawValue < $1.rawValue }) {
            let rows = HTML.join(byRole[role]!.map { s in
                let t = totals[s.keyID]!
                let waste = t.doses > 0 ? Format.number(t.wasteSum / Double(t.doses) * 100, 1) + "%" : "—"
                let z: HTML = t.topZ.map { z in
                    "<span\(z.z > report.config.outlierZ ? " class=\"bad\"" as HTML : .empty)>\(Format.number(z.z, 2))</span> (\(Self.metricNames[z.metric] ?? z.metric), \(z.quarter))" as HTML
                } ?? "—"
                return """
                <tr data-person="\(s.keyID.hex)"><td>\(Self.personLink(s.keyID, s.name))</td><td class="num">\(t.doses)</td><td class="num">\(waste)</td>\
                <td class="num">\(t.counts)</td><td class="num">\(Int(t.corrections.rounded())) / \(t.records)</td><td>\(z)</td>\
                <td class="num">\(alarms[s.keyID.hex] ?? 0)</td><td class="num">\(openByPerson[s.keyID] ?? 0)</td></tr>
                """ as HTML
            })
            sections += """
            <h2>\(Self.roleHeadings[role] ?? role.rawValue)</h2>
            <div class="scroll"><table class="staff" id="staff-\(role.rawValue)"><thead><tr><th>Person</th><th class="num">Doses</th><th class="num">Waste per dose</th>\
            <th class="num">Counts</th><th class="num">Corrections / records</th><th>Highest z against peers</th><th class="num">CUSUM alarms</th><th class="num">Open findings</th></tr></thead>
            <tbody>\(rows)</tbody></table></div>
            """
        }
        let body: HTML = """
        <h1>Staff</h1>
        <p>Each person against peers in the same role (every counter against every other), per calendar quarter, as rule 10 compares them: a robust z-score (x − median) / max(1.4826 × MAD, floor) above \(Format.number(report.config.outlierZ)) is a finding. Rule 8's CUSUM follows each clinician's waste share per dose against their own baseline. Open a person for the quarters and the chart.</p>
        \(sections)
        """
        return page("Staff", viewer, "staff", body)
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
        \(charts)
        <h2>Findings naming this person</h2><div class="scroll"><table id="person-findings"><tbody>\(findings)</tbody></table></div>
        """
        return page(s.name, viewer, "staff", body)
    }
}
