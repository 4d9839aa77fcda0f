/// Charts drawn on the server as SVG inside the page: no script, nothing loaded, styled by classes from the
/// dashboard's own stylesheet (presentation attributes only, no `style` attribute: the Content-Security-Policy
/// allows no inline style).
package enum Chart {
    /// The columns of pixels a line chart's plot area has (its width less the margins): a series with more
    /// points than a few per column is thinned to each column's first, lowest, highest and last.
    package static let columns = 648
    /// Horizontal bars, one per item, labelled with the value.
    package static func bars(_ items: [(label: String, value: Double, cls: String)], title: String, unit: String = "") -> HTML {
        let rowH = 26.0, labelW = 190.0, width = 640.0
        let height = Double(max(items.count, 1)) * rowH + 8
        let maxV = max(items.map(\.value).max() ?? 0, 1)
        var out: HTML = "<svg class=\"chart bars\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(title)\"><title>\(title)</title>"
        for (i, it) in items.enumerated() {
            let y = 4 + Double(i) * rowH
            let w = max((width - labelW - 70) * it.value / maxV, it.value > 0 ? 2 : 0)
            out += """
            <text class="label" x="\(Format.number(labelW - 8))" y="\(Format.number(y + 17))" text-anchor="end"><title>\(it.label)</title>\(it.label.count > 28 ? String(it.label.prefix(27)) + "…" : it.label)</text>\
            <rect class="bar \(it.cls)" x="\(Format.number(labelW))" y="\(Format.number(y + 4))" width="\(Format.number(w))" height="\(Format.number(rowH - 8))"/>\
            <text class="value" x="\(Format.number(labelW + w + 6))" y="\(Format.number(y + 17))">\(Format.number(it.value))\(unit)</text>
            """
        }
        if items.isEmpty { out += "<text class=\"label\" x=\"10\" y=\"20\">nothing to show</text>" }
        return out + "</svg>"
    }

    /// A point drawn on a line chart: a count, a variance, an alarm.
    package struct Mark: Sendable {
        package let x: Double
        package let y: Double
        /// `count`, `variance`, `alarm`...
        package let cls: String
        /// The tooltip (SVG `<title>`), and extra `data-` attributes for readers (and tests).
        package let note: String
        package let data: [(String, String)]

        package init(x: Double, y: Double, cls: String, note: String, data: [(String, String)] = []) {
            self.x = x
            self.y = y
            self.cls = cls
            self.note = note
            self.data = data
        }
    }

    /// A line over `points` (x ascending), as steps when `step`, with marks, horizontal rules (a threshold),
    /// and tick labels along x (`xTicks` maps an x to its label).
    package static func line(_ points: [(x: Double, y: Double)], step: Bool, marks: [Mark], rules: [(y: Double, label: String, cls: String)],
                            title: String, yLabel: String, xTick: (Double) -> String, cls: String) -> HTML {
        let width = 720.0, height = 260.0, left = 56.0, right = 16.0, top = 14.0, bottom = 34.0
        let xs = points.map(\.x) + marks.map(\.x)
        let ys = points.map(\.y) + marks.map(\.y) + rules.map(\.y)
        guard let x0 = xs.min(), let x1 = xs.max() else {
            return "<svg class=\"chart \(cls)\" viewBox=\"0 0 720 60\" role=\"img\" aria-label=\"\(title)\"><title>\(title)</title><text class=\"label\" x=\"10\" y=\"30\">no data</text></svg>"
        }
        let y0 = min(ys.min() ?? 0, 0)
        let highest = ys.max() ?? 1
        let y1 = highest > y0 ? y0 + (highest - y0) * 1.08 : y0 + 1
        let sx = { (x: Double) in left + (x1 == x0 ? 0.5 : (x - x0) / (x1 - x0)) * (width - left - right) }
        let sy = { (y: Double) in top + (1 - (y - y0) / (y1 - y0)) * (height - top - bottom) }
        var out: HTML = "<svg class=\"chart \(cls)\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(title)\"><title>\(title)</title>"
        // Axes and y ticks.
        out += "<line class=\"axis\" x1=\"\(Format.number(left))\" y1=\"\(Format.number(sy(y0)))\" x2=\"\(Format.number(width - right))\" y2=\"\(Format.number(sy(y0)))\"/>"
        out += "<line class=\"axis\" x1=\"\(Format.number(left))\" y1=\"\(Format.number(top))\" x2=\"\(Format.number(left))\" y2=\"\(Format.number(sy(y0)))\"/>"
        for k in 0...4 {
            let v = y0 + (y1 - y0) * Double(k) / 4
            out += "<text class=\"tick\" x=\"\(Format.number(left - 6))\" y=\"\(Format.number(sy(v) + 4))\" text-anchor=\"end\">\(Format.number(v, v.magnitude < 10 ? 2 : 0))</text>"
        }
        for k in 0...4 {
            let v = x0 + (x1 - x0) * Double(k) / 4
            let anchor = k == 0 ? "start" : k == 4 ? "end" : "middle"
            out += "<text class=\"tick\" x=\"\(Format.number(sx(v)))\" y=\"\(Format.number(height - 12))\" text-anchor=\"\(anchor)\">\(xTick(v))</text>"
        }
        out += "<text class=\"tick\" x=\"\(Format.number(left))\" y=\"10\">\(yLabel)</text>"
        for r in rules {
            out += "<line class=\"rule \(r.cls)\" x1=\"\(Format.number(left))\" y1=\"\(Format.number(sy(r.y)))\" x2=\"\(Format.number(width - right))\" y2=\"\(Format.number(sy(r.y)))\"><title>\(r.label)</title></line>"
            out += "<text class=\"rulelabel\" x=\"\(Format.number(width - right - 4))\" y=\"\(Format.number(sy(r.y) - 4))\" text-anchor=\"end\">\(r.label)</text>"
        }
        // The line, thinned to a few points per pixel column (keeping each column's lowest and highest).
        let thin = thinned(points, columns: columns)
        var d = ""
        var prevY: Double?
        for (i, p) in thin.enumerated() {
            let X = Format.number(sx(p.x), 1), Y = Format.number(sy(p.y), 1)
            if i == 0 { d += "M\(X) \(Y)" } else if step, let py = prevY { d += "H\(X)V\(Y)"; _ = py } else { d += "L\(X) \(Y)" }
            prevY = p.y
        }
        if !d.isEmpty { out += "<path class=\"series\" d=\"\(d)\" fill=\"none\"/>" }
        for m in marks {
            let attrs = HTML.join(m.data.map { " data-\($0.0)=\"\($0.1)\"" as HTML })
            let r = m.cls == "alarm" ? 6 : 4
            out += "<circle class=\"mark \(m.cls)\" cx=\"\(Format.number(sx(m.x), 1))\" cy=\"\(Format.number(sy(m.y), 1))\" r=\"\(r)\"\(attrs)><title>\(m.note)</title></circle>"
        }
        return out + "</svg>"
    }

    /// At most about two points per column: each column's first, lowest, highest and last, in order.
    static func thinned(_ p: [(x: Double, y: Double)], columns: Int) -> [(x: Double, y: Double)] {
        guard p.count > columns * 4, let x0 = p.first?.x, let x1 = p.last?.x, x1 > x0 else { return p }
        var out: [(x: Double, y: Double)] = []
        var i = 0
        while i < p.count {
            let col = Int((p[i].x - x0) / (x1 - x0) * Double(columns))
            var j = i, lo = i, hi = i
            while j < p.count, Int((p[j].x - x0) / (x1 - x0) * Double(columns)) == col {
                if p[j].y < p[lo].y { lo = j }
                if p[j].y > p[hi].y { hi = j }
                j += 1
            }
            for k in Set([i, lo, hi, j - 1]).sorted() { out.append(p[k]) }
            i = j
        }
        return out
    }
}
