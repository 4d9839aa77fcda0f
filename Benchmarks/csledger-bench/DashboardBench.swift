import CSLedgerKit
import Foundation
import LedgerCore
import Simulation

/// The dashboard's pages through the built `csledgerd`: a compliance officer signed in (session cookie), each
/// page loaded `loads` times with its HTML complete, first with the ledger holding still (the reconciliation
/// kept from the first load), then while a clinician's terminal appends doses through the daemon (each
/// append changes the ledger's size, so the next page that needs the findings reconciles again).
struct DashboardBench {
    let workload: Workload
    let ledgerPath: String
    let directory: String

    struct PageTimes {
        let page: String
        let bytes: Int
        let first: Double
        let still: Latencies
        let appending: Latencies
    }

    struct Outcome {
        let pages: [PageTimes]
        let appended: Int
        let appendSeconds: Double
    }

    func run(loads: Int, appendsPerSecond: Double, say: (String) -> Void) throws -> Outcome {
        let ledger = try Ledger.open(path: ledgerPath)
        let compliance = try APITokens(database: ledger.database).issue(for: SimulatedLedger.key("compliance").keyID, expires: nil).token
        let clinician = try APITokens(database: ledger.database).issue(for: workload.clinicians[0].keyID, expires: nil).token
        let facilityPath = try KeyFiles.generate(name: "bench-dashboard-\(getpid())", directory: directory + "/Keys", key: workload.facility).privatePath
        let port = 20_000 + Int((getpid() + 7) % 20_000)
        let daemon = Process()
        daemon.executableURL = URL(fileURLWithPath: try DaemonBench.daemonPath())
        daemon.arguments = ["--ledger", ledgerPath, "--listen", "127.0.0.1:\(port)", "--facility-key", facilityPath, "--log-level", "warning"]
        daemon.standardInput = FileHandle.nullDevice
        try daemon.run()
        defer { if daemon.isRunning { daemon.terminate(); daemon.waitUntilExit() } }
        let watch = Stopwatch()
        var client: HTTPClient?
        while watch.seconds < 60, client == nil {
            if let c = try? HTTPClient(port: port), let (status, _) = try? c.request("GET", "/readyz", token: nil), status == 200 { client = c } else { usleep(50_000) }
        }
        guard let client else { throw LedgerError(.storage, "csledgerd did not become ready on port \(port)") }

        // Sign in once, as a browser does.
        let form = Array("token=\(compliance)".utf8)
        let (status, headers, _) = try client.exchange("POST", "/signin", headers: ["Content-Type": "application/x-www-form-urlencoded"], body: form)
        guard status == 303, let setCookie = headers.first(where: { $0.lowercased().hasPrefix("set-cookie:") }),
              let cookie = setCookie.dropFirst("set-cookie:".count).split(separator: ";").first?.trimmingCharacters(in: .whitespaces) else {
            throw LedgerError(.storage, "dashboard sign-in failed (HTTP \(status))")
        }
        func load(_ path: String) throws -> (Double, [UInt8]) {
            let t = Stopwatch()
            let (status, _, body) = try client.exchange("GET", path, headers: ["Cookie": cookie])
            guard status == 200 else { throw LedgerError(.storage, "dashboard page \(path): HTTP \(status)") }
            return (t.seconds, body)
        }
        // The pages, with a finding, an entry, a lot and a person taken from the lists.
        say("dashboard: first loads")
        var firsts: [String: (Double, Int)] = [:]
        let (overviewFirst, overview) = try load("/")
        firsts["/"] = (overviewFirst, overview.count)
        let (findingsFirst, findings) = try load("/findings?status=all")
        firsts["/findings"] = (findingsFirst, findings.count)
        func firstLink(_ html: [UInt8], _ prefix: String) -> String? {
            let text = String(decoding: html, as: UTF8.self)
            guard let r = text.range(of: "href=\"\(prefix)") else { return nil }
            return String(text[r.lowerBound...].dropFirst(6).prefix { $0 != "\"" })
        }
        let (stockFirst, stock) = try load("/stock")
        firsts["/stock"] = (stockFirst, stock.count)
        let (staffFirst, staff) = try load("/staff")
        firsts["/staff"] = (staffFirst, staff.count)
        var pages = ["/", "/findings", "/stock", "/staff", "/shipments"]
        if let f = firstLink(findings, "/findings/") { pages.append(f) }
        pages.append("/entries/\(try ledger.database.size() / 2)")
        let lotPage = "/stock/\(percentEncodedSegment(workload.lotID))"
        pages.append(lotPage)
        // The lot's earlier movements: the page its link to the 200 before the latest leads to.
        let (lotFirst, lotHTML) = try load(lotPage)
        firsts[lotPage] = (lotFirst, lotHTML.count)
        if let earlier = firstLink(lotHTML, lotPage + "?before=") { pages.append(earlier) }
        if let p = firstLink(staff, "/staff/") { pages.append(p) }

        func measure(_ label: String) throws -> [String: Latencies] {
            var out: [String: Latencies] = [:]
            for p in pages {
                var l = Latencies(reservingCapacity: loads)
                for _ in 0..<loads { l.add(try load(p).0) }
                out[p] = l
            }
            return out
        }
        say("dashboard: \(pages.count) pages × \(loads) loads, the ledger holding still")
        for p in pages where firsts[p] == nil { let (t, b) = try load(p); firsts[p] = (t, b.count) }
        let still = try measure("still")

        // A terminal appending doses through the daemon meanwhile.
        say("dashboard: again while a terminal appends \(Int(appendsPerSecond)) doses/s through the daemon")
        final class Flag: @unchecked Sendable { var stop = false; var appended = 0; var error: String? }
        let flag = Flag()
        let done = DispatchGroup()
        done.enter()
        let started = Stopwatch()
        let writer = Thread {
            defer { done.leave() }
            do {
                let c = try HTTPClient(port: port)
                var i = 0
                while !flag.stop {
                    let signed = try workload.signed(i, signer: 0, tag: "-dash-\(getpid())", time: .now())
                    let body = JCS.serialize(.object(["statement": signed.statement.json, "sigs": .array(signed.signatures.map {
                        .object(["key": .string($0.key.hex), "sig": .string(Base64.encode($0.signature))])
                    })]))
                    let (status, _) = try c.request("POST", "/v1/statements", token: clinician, body: body)
                    if status == 201 { flag.appended += 1 }
                    i += 1
                    let due = Double(i) / appendsPerSecond
                    if started.seconds < due { usleep(useconds_t((due - started.seconds) * 1e6)) }
                }
            } catch { flag.error = "\(error)" }
        }
        writer.start()
        let appending = try measure("appending")
        flag.stop = true
        done.wait()
        let appendSeconds = started.seconds
        if let e = flag.error { throw LedgerError(.storage, "the appending terminal failed: \(e)") }
        daemon.terminate()
        daemon.waitUntilExit()
        let out = pages.map { p in
            PageTimes(page: Self.name(p), bytes: firsts[p]?.1 ?? 0, first: firsts[p]?.0 ?? 0, still: still[p]!, appending: appending[p]!)
        }
        return Outcome(pages: out, appended: flag.appended, appendSeconds: appendSeconds)
    }

    /// A short name for a page: `/findings/F01-...` → `finding`.
    static func name(_ path: String) -> String {
        if path.hasPrefix("/stock/"), path.contains("?before=") { return "lot-earlier" }
        let parts = path.split(separator: "?")[0].split(separator: "/")
        guard let first = parts.first else { return "overview" }
        if parts.count == 1 { return String(first) }
        return ["findings": "finding", "entries": "entry", "stock": "lot", "staff": "person"][String(first)] ?? String(first)
    }
}

/// Percent-encoding for a path segment (as the dashboard's links do).
func percentEncodedSegment(_ s: String) -> String {
    s.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")) ?? s
}
