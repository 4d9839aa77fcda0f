import LedgerCore

/// Who is looking, as the pages need it: a name and a role (never a token or a key).
package struct Viewer: Sendable {
    package let name: String
    package let role: Role
    package init(name: String, role: Role) {
        self.name = name
        self.role = role
    }

    /// Compliance officers and regulators see every page.
    package var seesEverything: Bool { role == .compliance || role == .regulator }
    /// Stock and shipments: also admins and pharmacists.
    package var seesStock: Bool { seesEverything || role == .admin || role == .pharmacist }
}

/// The page around each page's content: the header with the pages this viewer may open, sign-out, and the
/// stylesheet (served by the daemon itself at `/dashboard.css`).
package enum Layout {
    /// Every response of the dashboard carries these: nothing but the daemon's own stylesheet and images
    /// may load, no script runs, no form posts elsewhere, no framing.
    package static let contentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    /// `reloadAfter`: seconds after which the browser loads the page again by itself (a page whose findings
    /// are still catching up with new entries), without a script.
    package static func page(title: String, viewer: Viewer?, ledger: String, current: String, body: HTML, reloadAfter: Int? = nil) -> HTML {
        var nav: [HTML] = []
        if let v = viewer {
            var items: [(String, String, String)] = []
            if v.seesEverything { items.append(("/", "Overview", "overview")); items.append(("/findings", "Findings", "findings")) }
            if v.seesStock { items.append(("/stock", "Stock", "stock")) }
            if v.seesEverything { items.append(("/staff", "Staff", "staff")) }
            if v.seesStock { items.append(("/shipments", "Shipments", "shipments")) }
            nav = items.map { href, label, key in
                key == current ? "<a href=\"\(href)\" aria-current=\"page\">\(label)</a>" : "<a href=\"\(href)\">\(label)</a>"
            }
        }
        let who: HTML = viewer.map { v in
            """
            <form class="signout" method="post" action="/signout"><span class="who">\(v.name) · \(v.role.rawValue)</span> <button type="submit" id="signout">Sign out</button></form>
            """
        } ?? .empty
        return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">\
        \(reloadAfter.map { "<meta http-equiv=\"refresh\" content=\"\($0)\">" as HTML } ?? .empty)
        <title>\(title) · csledger</title><link rel="stylesheet" href="/dashboard.css"><link rel="icon" href="/favicon.svg" type="image/svg+xml"></head>
        <body><header><div class="brand">csledger <span class="ledger">\(ledger)</span></div><nav>\(nav)</nav>\(who)</header>
        <main id="main">\(body)</main>
        <footer>Every figure on this page is computed from the ledger's signed entries after checking them against the latest signed checkpoint. Patients appear by reference only.</footer>
        </body></html>
        """
    }

    /// The sign-in form (one field: the API token, sent once by POST).
    package static func signIn(ledger: String, message: String?) -> HTML {
        let note: HTML = message.map { "<p class=\"notice\" id=\"signin-message\">\($0)</p>" } ?? .empty
        return page(title: "Sign in", viewer: nil, ledger: ledger, current: "", body: """
        <h1>Sign in</h1>\(note)
        <form class="signin" method="post" action="/signin">
        <label for="token">API token</label>
        <input id="token" name="token" type="password" autocomplete="off" required>
        <button type="submit" id="signin">Sign in</button>
        </form>
        <p class="help">Use the token <code>csledger token issue</code> printed for you. It is sent once; the daemon then keeps a session for you (8 hours at most, ended by signing out or by revoking the token).</p>
        """)
    }

    /// A refusal: who is signed in, and what their role may and may not see.
    package static func refusal(ledger: String, viewer: Viewer?, role: Role, what: String) -> HTML {
        let may: String
        switch role {
        case .compliance, .regulator: may = "every page"
        case .admin, .pharmacist: may = "the Stock and Shipments pages"
        default: may = "no page of the dashboard"
        }
        return page(title: "Not available to a \(role.rawValue)", viewer: viewer, ledger: ledger, current: "", body: """
        <h1 id="refusal">Not available to a \(role.rawValue)</h1>
        <p class="refusal">\(what) The dashboard shows a \(role.rawValue) \(may). Compliance officers and regulators see findings, staff patterns and entries; admins and pharmacists see stock and shipments; witnesses and clinicians record through the command line and see nothing here.</p>
        """)
    }

    /// An error page (the ledger failed its integrity check, a page that does not exist...).
    package static func problem(ledger: String, viewer: Viewer?, title: String, message: String) -> HTML {
        page(title: title, viewer: viewer, ledger: ledger, current: "", body: "<h1 id=\"problem\">\(title)</h1><p class=\"problem\">\(message)</p>")
    }

    /// The dashboard's stylesheet: readable on a tablet (one column under 800 px, large touch targets) and
    /// printable (no navigation or forms on paper, charts kept whole).
    package static let css = """
    :root { --ink: #1d2330; --muted: #5b6475; --line: #d6dae3; --bg: #f6f7fa; --crit: #b3261e; --warn: #b26a00; --info: #2f6db5; --ok: #2e7d32; }
    * { box-sizing: border-box; }
    body { margin: 0; font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
    header { display: flex; flex-wrap: wrap; align-items: center; gap: 12px 24px; padding: 10px 20px; background: #fff; border-bottom: 1px solid var(--line); }
    .brand { font-weight: 700; } .ledger { font-weight: 400; color: var(--muted); }
    nav { display: flex; flex-wrap: wrap; gap: 4px; flex: 1; }
    nav a { padding: 10px 14px; border-radius: 6px; text-decoration: none; color: var(--ink); min-height: 44px; }
    nav a[aria-current=page] { background: var(--ink); color: #fff; }
    .signout { display: flex; align-items: center; gap: 10px; } .who { color: var(--muted); }
    button { font: inherit; padding: 10px 16px; min-height: 44px; border-radius: 6px; border: 1px solid var(--ink); background: #fff; cursor: pointer; }
    main { max-width: 1200px; margin: 0 auto; padding: 16px 20px 40px; }
    footer { max-width: 1200px; margin: 0 auto; padding: 0 20px 30px; color: var(--muted); font-size: 13px; }
    h1 { font-size: 26px; margin: 8px 0 16px; } h2 { font-size: 19px; margin: 28px 0 10px; }
    .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 16px; }
    .card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; break-inside: avoid; }
    .card h2 { margin-top: 0; }
    .big { font-size: 30px; font-weight: 700; }
    .tiles { display: flex; flex-wrap: wrap; gap: 12px; margin-bottom: 16px; } .grid + h2, .scroll + .grid { margin-top: 16px; } .tile { flex: 1; min-width: 110px; }
    table { width: 100%; border-collapse: collapse; background: #fff; font-size: 15px; }
    th, td { text-align: left; padding: 8px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
    th { background: #eef0f5; font-weight: 600; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
    .scroll { overflow-x: auto; }
    .sev { font-weight: 700; text-transform: uppercase; font-size: 13px; }
    .sev-critical { color: var(--crit); } .sev-warning { color: var(--warn); } .sev-info { color: var(--info); }
    .bad { color: var(--crit); font-weight: 600; } .good { color: var(--ok); }
    dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 6px 16px; margin: 0; } dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; }
    pre, code { font: 13px/1.4 ui-monospace, Menlo, Consolas, monospace; } pre { background: #fff; border: 1px solid var(--line); padding: 12px; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
    .command { background: #101522; color: #e9edf5; }
    form.filters { display: flex; flex-wrap: wrap; gap: 10px; align-items: end; margin-bottom: 14px; }
    form.filters label { display: flex; flex-direction: column; font-size: 13px; color: var(--muted); }
    input, select { font: inherit; padding: 8px; min-height: 44px; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
    form.signin { display: flex; flex-direction: column; gap: 10px; max-width: 420px; }
    .notice, .refusal, .problem { padding: 12px 14px; border-radius: 6px; background: #fff4e5; border: 1px solid #f0c27b; }
    .help { color: var(--muted); }
    svg.chart { width: 100%; height: auto; background: #fff; }
    svg.chart .label, svg.chart .value, svg.chart .tick, svg.chart .rulelabel { font-size: 12px; fill: var(--ink); }
    svg.chart .tick { fill: var(--muted); }
    svg.chart .axis { stroke: #9aa3b5; stroke-width: 1; }
    svg.chart .series { stroke: var(--info); stroke-width: 2; }
    svg.chart .rule { stroke: var(--crit); stroke-width: 1.5; stroke-dasharray: 6 4; }
    svg.chart .rule.reference { stroke: var(--muted); }
    svg.chart .rulelabel { fill: var(--crit); }
    svg.chart .bar { fill: var(--info); } svg.chart .bar.critical { fill: var(--crit); } svg.chart .bar.warning { fill: var(--warn); } svg.chart .bar.old { fill: #7a4b9a; }
    svg.chart .mark.count { fill: var(--ok); } svg.chart .mark.variance { fill: var(--crit); stroke: #fff; stroke-width: 1.5; }
    svg.chart .mark.alarm { fill: var(--crit); stroke: #000; stroke-width: 2; }
    .legend { font-size: 13px; color: var(--muted); }
    @media (max-width: 800px) { main { padding: 12px; } .grid { grid-template-columns: 1fr; } th, td { padding: 8px 6px; } }
    @media print {
      header nav, form.signout, form.filters, footer { display: none; }
      body { background: #fff; font-size: 11pt; } header { border: 0; padding: 0; } main { max-width: none; padding: 0; }
      .card, svg.chart, table { break-inside: avoid; } a { color: inherit; text-decoration: none; }
      pre { white-space: pre-wrap; }
    }
    """

    /// The tab icon (so the browser's request for one finds it).
    package static let favicon = """
    <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#1d2330"/><path d="M4 8.5l2.5 2.5L12 5" stroke="#fff" stroke-width="2" fill="none"/></svg>
    """
}
