import LedgerCore

/// `report.html` of the inspection package: one self-contained, printable page (no scripts, no external files)
/// with the registrant, the integrity summary, per-drug accountability and every table of the package.
struct InspectionHTML {
    let source: ExportSource
    let from: Timestamp
    let to: Timestamp
    let integrity: InspectionReport.Integrity
    let checkpoint: String
    let generated: Timestamp
    /// (title, csv file, header, rows)
    let tables: [(String, String, [String], [[String]])]
    let accountability: [InspectionReport.Accountability]
    let entries: Int

    static func escape(_ s: String) -> String { HTMLText.escape(s) }

    func table(_ header: [String], _ rows: [[String]], numeric: Set<Int> = []) -> String {
        guard !rows.isEmpty else { return "<p class=\"none\">None in this period.</p>\n" }
        var h = "<table>\n<thead><tr>" + header.map { "<th>\(Self.escape($0.replacingOccurrences(of: "_", with: " ")))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
        for r in rows {
            h += "<tr>" + r.enumerated().map { i, v in numeric.contains(i) ? "<td class=\"n\">\(Self.escape(v))</td>" : "<td>\(Self.escape(v))</td>" }.joined() + "</tr>\n"
        }
        return h + "</tbody>\n</table>\n"
    }

    func render() -> String {
        let e = Self.escape
        let ok = integrity.failures.isEmpty
        var h = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>Inspection report \(e(from.dateString)) to \(e(to.dateString)): \(e(source.facilityName))</title>
        <style>
        body { font: 11pt/1.4 Georgia, "Times New Roman", serif; margin: 2em auto; max-width: 70em; color: #111; }
        h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { font-size: 1.2em; border-bottom: 1px solid #999; margin-top: 1.6em; }
        table { border-collapse: collapse; width: 100%; font: 9pt/1.3 Helvetica, Arial, sans-serif; margin: 0.5em 0; }
        th, td { border: 1px solid #bbb; padding: 2px 4px; text-align: left; vertical-align: top; }
        th { background: #eee; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
        .ok { color: #064; font-weight: bold; } .bad { color: #a00; font-weight: bold; }
        pre { font-size: 8.5pt; background: #f6f6f6; padding: 0.5em; white-space: pre-wrap; word-break: break-all; }
        .none { color: #666; font-style: italic; } dl { display: grid; grid-template-columns: max-content auto; gap: 0.2em 1em; }
        dt { font-weight: bold; }
        @media print { body { margin: 0; max-width: none; } h2 { page-break-after: avoid; } tr { page-break-inside: avoid; } }
        </style>
        </head>
        <body>
        <h1>Controlled-substance inspection report</h1>
        <dl>
        <dt>Registrant</dt><dd>\(e(source.facilityName))</dd>
        <dt>DEA number</dt><dd>\(e(source.deaNumber))</dd>
        <dt>Address</dt><dd>\(source.address.isEmpty ? "<span class=\"none\">not recorded</span>" : e(source.address))</dd>
        <dt>NPI</dt><dd>\(source.npi.isEmpty ? "<span class=\"none\">not recorded</span>" : e(source.npi))</dd>
        <dt>NCPDP</dt><dd>\(source.ncpdp.isEmpty ? "<span class=\"none\">not recorded</span>" : e(source.ncpdp))</dd>
        <dt>State licence</dt><dd>\(source.stateLicense.isEmpty ? "<span class=\"none\">not recorded</span>" : e(source.stateLicense))</dd>
        <dt>Ledger</dt><dd>\(e(source.origin))</dd>
        <dt>Period</dt><dd>\(e(from.description)) to \(e(to.description)) (event times, UTC)</dd>
        <dt>Generated</dt><dd>\(e(generated.description))</dd>
        </dl>

        <h2>Integrity</h2>
        <dl>
        <dt>Verification</dt><dd class="\(ok ? "ok" : "bad")">\(ok ? "OK: every entry, signature and checkpoint of the ledger holds" : "FAILED: \(integrity.failures.count) problem(s)")</dd>
        <dt>Ledger entries checked</dt><dd>\(integrity.entries) (\(integrity.signaturesChecked) signatures, \(integrity.checkpointsChecked) checkpoints)</dd>
        <dt>Entries in this bundle</dt><dd>\(entries) used by the report rows, plus the genesis and signer enrolments, each with an inclusion proof</dd>
        </dl>

        """
        for f in integrity.failures.prefix(50) { h += "<p class=\"bad\">\(e(f))</p>\n" }
        h += "<p>Signed checkpoint the bundle is proved against:</p>\n<pre>\(e(checkpoint))</pre>\n"
        h += "<p>Check this bundle without our software: see <code>verify-bundle.sh</code> in the csledger documentation, or run <code>csledger verify-report</code> on the folder. Every figure below comes from the CSV files beside this page; every row names its ledger entry (seq).</p>\n"

        h += "<h2>Accountability per drug</h2>\n<p>opening + received + returned + adjusted − dispensed − administered − wasted − destroyed − lost − transferred = closing. Opening is the inventory just before the period starts; closing, at its end.</p>\n"
        var byDrug: [(String, String, [InspectionReport.Accountability])] = []
        for a in accountability {
            if let i = byDrug.firstIndex(where: { $0.0 == a.line.ndc }) { byDrug[i].2.append(a) } else { byDrug.append((a.line.ndc, a.line.drug, [a])) }
        }
        let names = InspectionReport.Accountability.names
        var rows: [[String]] = []
        for (ndc, drug, lots) in byDrug {
            for a in lots { rows.append([drug, ndc, a.line.lot, a.line.unit] + a.figures.map { $0.1.description }) }
            if lots.count > 1 {
                let totals = names.indices.map { i in Quantity(micros: lots.reduce(Int64(0)) { $0 + $1.figures[i].1.micros }).description }
                rows.append([drug, ndc, "all lots", lots[0].line.unit] + totals)
            }
        }
        h += table(["drug", "ndc", "lot", "unit"] + names, rows, numeric: Set(4..<(4 + names.count)))

        for (title, file, header, rows) in tables where file != "accountability.csv" {
            h += "<h2>\(e(title)) <small>(\(e(file)), \(rows.count) row\(rows.count == 1 ? "" : "s"))</small></h2>\n"
            h += table(header, rows)
        }
        h += "</body>\n</html>\n"
        return h
    }
}
