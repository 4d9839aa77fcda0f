import Dashboard
import Dispensing
import Foundation
import Testing
@testable import CSLedgerKit
@testable import LedgerCore
@testable import LedgerStore
@testable import Reconciliation
import Simulation

/// Issue 22's page times at a million entries: a page never waits long for the reconciliation to take in
/// new entries. It shows the kept findings, says how far behind they are and reloads itself, while one run
/// catches up in the background; the next page shows that run's findings, equal to a full recomputation.
@Suite("Dashboard: pages while the findings catch up")
struct DashboardCatchUpTests {
    /// The planted clinic after `days` business days, and its ledger (the simulation owns the ledger's folder:
    /// keep it alive while the ledger is used).
    static func clinic(days: Int) throws -> (ClinicSim, Ledger) {
        let (sim, _) = try PlantedLedger.planted()
        sim.o.businessDays = days
        try sim.run()
        return (sim, sim.fx.ledger)
    }

    @Test("after an append, a page that may not wait shows the kept findings marked as behind and reloads itself; the run it started catches up and equals a full pass")
    func catchingUp() throws {
        let (sim, ledger) = try Self.clinic(days: 3)
        defer { withExtendedLifetime(sim) {} }
        // A page may not wait at all: any run shows as "behind" until it has finished.
        let data = DashboardData(ledger: ledger, catchUpWait: .zero)
        let pages = DashboardPages(data: data, origin: try ledger.origin())
        let officer = Viewer(name: "Officer", role: .compliance)

        // No findings kept yet: the first page waits for the first run, whatever it costs.
        let first = try data.reconciliation()
        let sizeBefore = try ledger.database.size()
        #expect(first.entries == sizeBefore)
        #expect(try !pages.overview(officer).description.contains("catching-up"))

        // A business day appended (another process's appends look the same to the file).
        sim.day = 3
        try sim.businessDay(3)
        try sim.fx.flush(clock: sim.cal.at(3, 18.5))
        let size = try ledger.database.size()
        #expect(size > sizeBefore)

        let stale = try data.reconciliation()
        #expect(stale.entries == sizeBefore, "the page answered with the kept findings, not after a run")
        #expect(data.behind(stale) == size - sizeBefore)
        let html = try pages.findings(officer, filter: DashboardPages.FindingFilter(query: [:])).description
        #expect(html.contains("id=\"catching-up\""), "the page says its findings are behind")
        #expect(html.contains("\(size - sizeBefore) newer entries are being reconciled"))
        #expect(html.contains("<meta http-equiv=\"refresh\" content=\"3\">"), "the page reloads itself")

        // The run started by that page catches up; a later page shows its findings and no notice.
        let watch = ContinuousClock.now
        var fresh = stale
        while fresh.entries < size, ContinuousClock.now - watch < .seconds(120) {
            Thread.sleep(forTimeInterval: 0.05)
            fresh = try data.reconciliation()
        }
        #expect(fresh.entries == size, "the findings caught up with every entry")
        #expect(data.behind(fresh) == 0)
        let after = try pages.findings(officer, filter: DashboardPages.FindingFilter(query: [:])).description
        #expect(!after.contains("catching-up") && !after.contains("http-equiv=\"refresh\""))
        let full = try Reconciler().run(ledger.database, now: fresh.asOf)
        #expect(fresh.findings.map(\.id) == full.findings.map(\.id), "the caught-up findings are a full pass's")
        #expect(JCS.serializeString(fresh.json(all: true)) == JCS.serializeString(full.json(all: true)))
    }

    @Test("after a run, no new one starts for pacing × its time while the kept findings can answer (the counters come first), unless they are too old")
    func paced() throws {
        let (sim, ledger) = try Self.clinic(days: 3)
        defer { withExtendedLifetime(sim) {} }
        // A pause of 100,000 times the last run's time: longer than this test.
        let data = DashboardData(ledger: ledger, catchUpWait: .zero, pacing: 100_000)
        let first = try data.reconciliation()
        #expect(data.reconciliationRuns == 1)
        sim.day = 3
        try sim.businessDay(3)
        try sim.fx.flush(clock: sim.cal.at(3, 18.5))
        let size = try ledger.database.size()
        for _ in 0..<5 {
            let page = try data.reconciliation()
            #expect(page.entries == first.entries && data.behind(page) == size - first.entries, "the kept findings, marked as behind")
            Thread.sleep(forTimeInterval: 0.02)
        }
        #expect(data.reconciliationRuns == 1, "no run started during the pause")
        // Findings older than the maximum age are never shown: a run starts and the page waits for it, pause or not.
        let strict = DashboardData(ledger: ledger, maximumAge: .zero, catchUpWait: .zero, pacing: 100_000)
        _ = try strict.reconciliation()
        let fresh = try strict.reconciliation()
        #expect(strict.reconciliationRuns == 2 && fresh.entries == size)
    }

    @Test("the inventory now that the overview and stock pages show, kept as entries are appended (only new movements read), equals the one summed over every movement: after business days and a dose with its waste corrected")
    func keptInventory() throws {
        let (sim, ledger) = try Self.clinic(days: 3)
        defer { withExtendedLifetime(sim) {} }
        let data = DashboardData(ledger: ledger)
        #expect(try data.inventory() == ledger.inventory())
        for d in 3..<6 {
            sim.day = d
            try sim.businessDay(d)
            if d == 4 {
                // A dose recorded, then corrected: the correction's movement gives the drug back.
                let lot = sim.vialQueue[0]
                let seq = try sim.dose(lot: lot, by: "clin2", patient: sim.clinicPatients[1], given: 500_000, wasted: 100_000,
                                       at: sim.cal.at(d, 18.05), witness: "witness1")
                try sim.fx.stage(DispensingType.entryCorrected, ["corrects": .number(Double(seq)), "reason": "recorded twice"],
                                 by: "clin2", at: sim.cal.at(d, 18.06))
            }
            try sim.fx.flush(clock: sim.cal.at(d, 18.5))
            let kept = try data.inventory(), full = try ledger.inventory()
            #expect(kept == full, "day \(d): the kept inventory differs from the one summed over every movement")
            #expect(kept.lines.map(\.onHand) == full.lines.map(\.onHand))
            // Asked again with nothing new: the same; and one lot's (the lot page), by lot id and by lot number.
            #expect(try data.inventory() == full)
            for line in full.lines.prefix(3) {
                #expect(try data.inventory(lot: line.lotID) == ledger.inventory(lot: line.lotID))
                #expect(try data.inventory(lot: line.lot) == ledger.inventory(lot: line.lot))
            }
        }
    }

    @Test("the shipments the pages read: every parcel in transit, the latest N delivered, returned and lost (latest sent first) and the count of each status, as the whole list gives them")
    func shipmentsLatestClosed() throws {
        let (sim, ledger) = try Self.clinic(days: 6)
        // The simulation owns the ledger's temporary folder: it must outlive every read below.
        defer { withExtendedLifetime(sim) {} }
        let data = DashboardData(ledger: ledger)
        let all = try data.shipments(closed: Int.max)
        let byStatus = Dictionary(grouping: all.list, by: \.status)
        #expect(byStatus.mapValues(\.count) == all.counts, "every parcel listed when the limit allows")
        #expect((byStatus["delivered"]?.count ?? 0) > 2 && (byStatus["in_transit"]?.count ?? 0) > 0, "the planted clinic delivers and has parcels in transit")
        let few = try data.shipments(closed: 1)
        #expect(few.counts == all.counts, "the counts are of every parcel")
        for status in ["delivered", "returned", "lost"] {
            #expect(few.list.filter { $0.status == status }.map(\.tracking) == (byStatus[status] ?? []).prefix(1).map(\.tracking), "the latest \(status)")
        }
        #expect(few.list.filter { $0.status == "in_transit" }.count == byStatus["in_transit"]?.count, "every parcel in transit")
        #expect(zip(few.list, few.list.dropFirst()).allSatisfy { ($0.sent, $0.tracking) >= ($1.sent, $1.tracking) }, "latest sent first")
        let page = try DashboardPages(data: data, origin: try ledger.origin()).shipments(Viewer(name: "Officer", role: .compliance)).description
        #expect(page.contains("\(all.counts["delivered", default: 0]) delivered,"))
    }
}
