import Foundation
import LedgerCore

/// Every threshold the reconciliation uses, with its default. `docs/RECONCILIATION.md` explains each.
///
/// Override any of them with a JSON object whose keys are the snake_case names below
/// (`csledger reconcile --config FILE`); keys left out keep their defaults, unknown keys are refused.
public struct ReconciliationConfig: Sendable, Equatable {
    // Calendar
    /// Dates (YYYY-MM-DD, UTC) that are not business days besides Saturdays and Sundays.
    public var holidays: [String] = []

    // Rule 1
    /// Business days a negative balance or count variance may stay unresolved before it is critical.
    public var resolveWithinBusinessDays = 1

    // Rule 4
    /// A refill is early when it comes before the previous fill's time + days supply × this fraction.
    public var earlyRefillFraction = 0.75

    // Rule 5
    /// Hours an opened container may stay partly full before its rest must be used or wasted
    /// (default 672 h = 28 days, USP <797> for an opened multiple-dose vial; use 12 for single-dose vials).
    public var openedContainerHours = 672.0
    /// Hours between a waste and its recording (the ledger's logged time) before it counts as recorded late.
    public var lateWasteHours = 24.0

    // Rule 6
    /// Days a parcel may stay in transit before it is reported.
    public var inTransitDays = 5.0
    /// Days a parcel returned for quarantine may wait for its destruction.
    public var quarantinedReturnDays = 30.0

    // Rule 8
    /// Business days after discovery within which DEA must be notified of a theft or significant loss.
    public var lossReportBusinessDays = 1
    /// Lot losses CUSUM: allowance per week and alarm threshold, in containers; fewest losses in an alarm.
    public var lotLossAllowancePerWeek = 0.02
    public var lotLossThreshold = 0.2
    public var lotLossMinimumEvents = 3
    /// Per-person waste CUSUM: the first doses that set the person's own baseline, the allowance above the
    /// baseline per dose and the alarm threshold (both as fractions of the amount drawn).
    public var wasteBaselineDoses = 30
    public var wasteAllowance = 0.05
    public var wasteThreshold = 1.0

    // Rule 9
    /// Days within which every lot holding stock must have been counted (biennial inventory).
    public var inventoryIntervalDays = 730.0

    // Rule 10
    /// Robust z-score above which a person stands out from peers.
    public var outlierZ = 3.5
    /// Fewest activities (doses, counts, records) a person needs in a quarter to be compared.
    public var outlierMinimumDoses = 20
    public var outlierMinimumCounts = 10
    public var outlierMinimumRecords = 20
    /// Fewest people (the person included) with enough activity for a comparison.
    public var outlierMinimumPeers = 3
    /// Smallest spread used for the z-score, so near-identical peers do not make tiny differences look large.
    public var outlierWasteScaleFloor = 0.02
    public var outlierCountScaleFloor = 0.05
    public var outlierCorrectionScaleFloor = 0.01

    // Rule 12
    /// Minimum minutes of monitoring after a clinic dose, by product: the 11-digit NDC, or `*` for every product.
    public var monitoringMinimumMinutes: [String: Double] = [:]
    /// Hours after a clinic dose within which its discharge must be recorded.
    public var dischargeRecordHours = 24.0

    public init() {}

    /// The names and values, in the order the documentation lists them.
    public var values: [(String, JSONValue)] {
        [
            ("holidays", .array(holidays.map { .string($0) })),
            ("resolve_within_business_days", .number(Double(resolveWithinBusinessDays))),
            ("early_refill_fraction", .number(earlyRefillFraction)),
            ("opened_container_hours", .number(openedContainerHours)),
            ("late_waste_hours", .number(lateWasteHours)),
            ("in_transit_days", .number(inTransitDays)),
            ("quarantined_return_days", .number(quarantinedReturnDays)),
            ("loss_report_business_days", .number(Double(lossReportBusinessDays))),
            ("lot_loss_allowance_per_week", .number(lotLossAllowancePerWeek)),
            ("lot_loss_threshold", .number(lotLossThreshold)),
            ("lot_loss_minimum_events", .number(Double(lotLossMinimumEvents))),
            ("waste_baseline_doses", .number(Double(wasteBaselineDoses))),
            ("waste_allowance", .number(wasteAllowance)),
            ("waste_threshold", .number(wasteThreshold)),
            ("inventory_interval_days", .number(inventoryIntervalDays)),
            ("outlier_z", .number(outlierZ)),
            ("outlier_minimum_doses", .number(Double(outlierMinimumDoses))),
            ("outlier_minimum_counts", .number(Double(outlierMinimumCounts))),
            ("outlier_minimum_records", .number(Double(outlierMinimumRecords))),
            ("outlier_minimum_peers", .number(Double(outlierMinimumPeers))),
            ("outlier_waste_scale_floor", .number(outlierWasteScaleFloor)),
            ("outlier_count_scale_floor", .number(outlierCountScaleFloor)),
            ("outlier_correction_scale_floor", .number(outlierCorrectionScaleFloor)),
            ("monitoring_minimum_minutes", .object(monitoringMinimumMinutes.mapValues { .number($0) })),
            ("discharge_record_hours", .number(dischargeRecordHours)),
        ]
    }

    /// The configuration as a JSON object.
    public var json: JSONValue { .object(Dictionary(uniqueKeysWithValues: values)) }

    /// The defaults with the members of `json` applied; refuses unknown keys, wrong types and out-of-range values.
    public static func parse(_ json: JSONValue) throws -> ReconciliationConfig {
        guard let o = json.objectValue else { throw LedgerError(.invalidArgument, "the reconciliation configuration must be a JSON object") }
        var c = ReconciliationConfig()
        let known = Set(c.values.map(\.0))
        for key in o.keys.sorted() where !known.contains(key) {
            throw LedgerError(.invalidArgument, "the reconciliation configuration has an unknown setting \"\(key.prefix(40))\"; see docs/RECONCILIATION.md")
        }
        func number(_ key: String, _ range: ClosedRange<Double>) throws -> Double? {
            guard let v = o[key] else { return nil }
            guard case .number(let d) = v, range.contains(d) else {
                throw LedgerError(.invalidArgument, "setting \(key) must be a number from \(range.lowerBound) to \(range.upperBound)")
            }
            return d
        }
        func integer(_ key: String, _ range: ClosedRange<Int>) throws -> Int? {
            guard let v = o[key] else { return nil }
            guard let i = v.integerValue, range.contains(i) else {
                throw LedgerError(.invalidArgument, "setting \(key) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            return i
        }
        if let h = o["holidays"] {
            guard let a = h.arrayValue else { throw LedgerError(.invalidArgument, "setting holidays must be a list of dates YYYY-MM-DD") }
            c.holidays = try a.map { v in
                guard let s = v.stringValue, s.count == 10, Timestamp(s, allowDate: true) != nil else {
                    throw LedgerError(.invalidArgument, "setting holidays must be a list of dates YYYY-MM-DD")
                }
                return s
            }
        }
        if let v = try integer("resolve_within_business_days", 0...30) { c.resolveWithinBusinessDays = v }
        if let v = try number("early_refill_fraction", 0...1) { c.earlyRefillFraction = v }
        if let v = try number("opened_container_hours", 0...100_000) { c.openedContainerHours = v }
        if let v = try number("late_waste_hours", 0...100_000) { c.lateWasteHours = v }
        if let v = try number("in_transit_days", 0...365) { c.inTransitDays = v }
        if let v = try number("quarantined_return_days", 0...3650) { c.quarantinedReturnDays = v }
        if let v = try integer("loss_report_business_days", 0...30) { c.lossReportBusinessDays = v }
        if let v = try number("lot_loss_allowance_per_week", 0...1000) { c.lotLossAllowancePerWeek = v }
        if let v = try number("lot_loss_threshold", 0...1000) { c.lotLossThreshold = v }
        if let v = try integer("lot_loss_minimum_events", 1...1000) { c.lotLossMinimumEvents = v }
        if let v = try integer("waste_baseline_doses", 1...100_000) { c.wasteBaselineDoses = v }
        if let v = try number("waste_allowance", 0...1) { c.wasteAllowance = v }
        if let v = try number("waste_threshold", 0...1000) { c.wasteThreshold = v }
        if let v = try number("inventory_interval_days", 1...3650) { c.inventoryIntervalDays = v }
        if let v = try number("outlier_z", 0...1000) { c.outlierZ = v }
        if let v = try integer("outlier_minimum_doses", 1...1_000_000) { c.outlierMinimumDoses = v }
        if let v = try integer("outlier_minimum_counts", 1...1_000_000) { c.outlierMinimumCounts = v }
        if let v = try integer("outlier_minimum_records", 1...1_000_000) { c.outlierMinimumRecords = v }
        if let v = try integer("outlier_minimum_peers", 2...10_000) { c.outlierMinimumPeers = v }
        if let v = try number("outlier_waste_scale_floor", 0...1) { c.outlierWasteScaleFloor = v }
        if let v = try number("outlier_count_scale_floor", 0...1) { c.outlierCountScaleFloor = v }
        if let v = try number("outlier_correction_scale_floor", 0...1) { c.outlierCorrectionScaleFloor = v }
        if let v = try number("discharge_record_hours", 0...100_000) { c.dischargeRecordHours = v }
        if let m = o["monitoring_minimum_minutes"] {
            let problem = "setting monitoring_minimum_minutes must be an object from NDC (or \"*\") to minutes from 0 to 10080"
            guard let products = m.objectValue else { throw LedgerError(.invalidArgument, problem) }
            for (key, value) in products {
                guard case .number(let minutes) = value, (0...10_080).contains(minutes) else { throw LedgerError(.invalidArgument, problem) }
                if key == "*" { c.monitoringMinimumMinutes["*"] = minutes; continue }
                guard let ndc = try? NDC(key) else {
                    throw LedgerError(.invalidArgument, "setting monitoring_minimum_minutes: \"\(key.prefix(20))\" is not an NDC (hyphenated, or 11 digits)")
                }
                c.monitoringMinimumMinutes[ndc.normalized] = minutes
            }
        }
        return c
    }

    /// Reads a configuration file (JSON).
    public static func load(path: String) throws -> ReconciliationConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LedgerError(.invalidArgument, "cannot read the configuration file \(path)")
        }
        let json: JSONValue
        do { json = try JSONParser.parse(Array(data)) } catch {
            throw LedgerError(.invalidArgument, "the configuration file \(path) is not valid JSON: \(error)")
        }
        return try parse(json)
    }
}
