import Foundation
import Testing
@testable import CSLedgerKit
@testable import LedgerCore
@testable import LedgerStore

/// One refused command: what to record first, the command, and the error it must give.
struct Refusal: Sendable, CustomTestStringConvertible {
    let name: String
    var setup: [[String]] = []
    let args: [String]
    let code: String
    /// Fragments the one-line message must contain (the field and the problem).
    let says: [String]
    var testDescription: String { name }
}

/// Every dispensing rule, broken once through the CLI: the command exits non-zero with one line on stderr
/// that names the field or problem and ends with `[code]`, never shows a patient's name or address,
/// and writes nothing (the signed checkpoint is unchanged).
@Suite("Dispensing rules refuse bad records")
struct DispensingRefusalTests {
    typealias D = DispensingLedger
    static let t = "2026-03-03T10:00:00Z"
    static let vialGTIN = (try? GTIN.make(ndc10digits: "7000012310").digits) ?? "GTIN.make failed"
    static let tabletGTIN = (try? GTIN.make(ndc10digits: "7000045630").digits) ?? "GTIN.make failed"
    static let badGTIN = String(vialGTIN.dropLast()) + String((Int(String(vialGTIN.last!))! + 1) % 10)
    static let dispensed = D.dispense(time: "2026-03-03T10:00:00Z")
    static let shipped = D.ship(tracking: "1Z999AA10123456784", time: "2026-03-03T11:00:00Z")
    static let delivered = D.deliver(tracking: "1Z999AA10123456784", delivered: "2026-03-04T15:00:00Z", time: "2026-03-04T16:00:00Z")
    static let shortDated = D.receiveVials(lot: "KV2604X", expiry: "2026-04-30", containers: 1, time: "2026-03-05T09:00:00Z")

    static let identifiers: [Refusal] = [
        Refusal(name: "supplier DEA number with a wrong check digit",
                args: D.receive(lot: "KT2611C", dea: "RD2345679", time: "2026-03-03T08:00:00Z"), code: "invalid-body",
                says: ["lot.received: supplier.dea_number is not valid", "RD2345679 has a wrong check digit (expected 2)"]),
        Refusal(name: "supplier DEA number that is not 2 letters and 7 digits",
                args: D.receive(lot: "KT2611C", dea: "RD23456", time: "2026-03-03T08:00:00Z"), code: "invalid-body",
                says: ["supplier.dea_number is not valid", "must be 2 letters and 7 digits"]),
        Refusal(name: "prescriber DEA number with a wrong check digit",
                args: D.rxAdd("RX-2001", time: t).map { $0 == D.prescriberDEA ? "BL7654321" : $0 }, code: "invalid-body",
                says: ["rx.added: prescriber.dea_number is not valid", "wrong check digit (expected 9)"]),
        Refusal(name: "NDC in no known layout",
                args: D.receive(lot: "KT2611C", ndc: "70000-12-310", time: "2026-03-03T08:00:00Z"), code: "invalid-body",
                says: ["lot.received: ndc is not valid", "layout"]),
        Refusal(name: "NDC with a letter O for a zero",
                args: D.receive(lot: "KT2611C", ndc: "7000O-456-30", time: "2026-03-03T08:00:00Z"), code: "invalid-body",
                says: ["ndc is not valid"]),
        Refusal(name: "NDC of 10 digits without hyphens (ambiguous layout)",
                args: D.receive(lot: "KT2611C", ndc: "7000045630", time: "2026-03-03T08:00:00Z"), code: "invalid-body",
                says: ["ndc is not valid", "10 digits without hyphens"]),
        Refusal(name: "scan whose GTIN check digit is wrong",
                args: D.receiveScanned(D.scan(gtin: badGTIN, lot: "KV2612S"), time: "2026-03-04T09:00:00Z"), code: "invalid-argument",
                says: ["GS1 scan (01)", "GTIN \(badGTIN) has a wrong check digit"]),
        Refusal(name: "scan whose GTIN holds another product's NDC",
                args: D.receiveScanned(D.scan(gtin: tabletGTIN, lot: "KV2612S"), time: "2026-03-04T09:00:00Z"), code: "invalid-body",
                says: ["lot.received: gtin does not contain the NDC \(D.vialNDC)"]),
        Refusal(name: "scan whose lot differs from the typed --lot",
                args: D.receiveScanned(D.scan(gtin: vialGTIN, lot: "KV2612S"), extraLot: "KV2612T", time: "2026-03-04T09:00:00Z"),
                code: "invalid-argument", says: ["--lot KV2612T differs from the scanned lot KV2612S"]),
        Refusal(name: "expiry that is not a calendar date",
                args: D.receive(lot: "KT2611C", expiry: "2027-02-30", time: "2026-03-03T08:00:00Z"), code: "invalid-body",
                says: ["lot.received: expiry must be a date YYYY-MM-DD"]),
    ]

    static let quantities: [Refusal] = [
        Refusal(name: "negative waste quantity", args: D.waste(quantity: "-1", time: t), code: "invalid-argument",
                says: [#"--quantity "-1" must be a positive decimal number"#]),
        Refusal(name: "zero waste quantity", args: D.waste(quantity: "0", time: t), code: "invalid-argument",
                says: [#"--quantity "0" must be a positive decimal number"#]),
        Refusal(name: "non-numeric waste quantity", args: D.waste(quantity: "two", time: t), code: "invalid-argument",
                says: [#"--quantity "two" must be a positive decimal number"#]),
        Refusal(name: "waste quantity with a decimal comma", args: D.waste(quantity: "2,5", time: t), code: "invalid-argument",
                says: [#"--quantity "2,5""#]),
        Refusal(name: "waste quantity with 7 decimals", args: D.waste(quantity: "1.0000001", time: t), code: "invalid-argument",
                says: [#"--quantity "1.0000001""#]),
        Refusal(name: "zero dispensed", args: D.dispense(quantity: "0", lots: ["\(D.tabletLot)=0"], time: t), code: "invalid-argument",
                says: [#"--quantity "0" must be a positive decimal number"#]),
        Refusal(name: "negative amount drawn", args: D.administer(drawn: "-1", given: "0", time: t), code: "invalid-argument",
                says: [#"--drawn "-1" must be a positive decimal number"#]),
        Refusal(name: "more given than drawn", args: D.administer(drawn: "1", given: "1.2", time: t), code: "invalid-argument",
                says: ["--given (1.2) is more than --drawn (1)"]),
        Refusal(name: "given plus wasted is not drawn", args: D.administer(drawn: "1", given: "0.8", time: t, extra: ["--wasted", "0.1"]),
                code: "invalid-body", says: ["dose.administered: amount drawn (1) must equal amount given (0.8) plus amount wasted (0.1)"]),
        Refusal(name: "zero units per container", args: D.receive(lot: "KT2611C", perContainer: "0", time: "2026-03-03T08:00:00Z"),
                code: "invalid-argument", says: [#"--units-per-container "0" must be a positive decimal number"#]),
        Refusal(name: "zero containers", args: D.receive(lot: "KT2611C", containers: 0, time: "2026-03-03T08:00:00Z"),
                code: "invalid-argument", says: ["--containers must be 1 or more"]),
        Refusal(name: "negative count", args: ["count", "--lot", D.vialLot, "--counted=-2", "--time", t] + D.pharmacist + D.witnessed,
                code: "invalid-argument", says: [#"--counted "-2" must be a decimal number"#]),
    ]

    static let lots: [Refusal] = [
        Refusal(name: "waste from a lot never received", args: D.waste(lot: "NOPE-1", quantity: "1", time: t), code: "not-found",
                says: ["lot NOPE-1 was never received"]),
        Refusal(name: "dispense from a lot never received", args: D.dispense(lots: ["NOPE-1"], time: t), code: "not-found",
                says: ["lot NOPE-1 was never received"]),
        Refusal(name: "waste from a lot after its expiry", setup: [shortDated],
                args: D.waste(lot: "KV2604X", quantity: "1", time: "2026-05-01T09:00:00Z"), code: "invalid-body",
                says: ["waste.recorded: lot 70000012310:KV2604X expired on 2026-04-30 and cannot be used"]),
        Refusal(name: "dose from a lot after its expiry", setup: [shortDated],
                args: D.administer(lot: "KV2604X", time: "2026-05-01T09:00:00Z"), code: "invalid-body",
                says: ["dose.administered: lot 70000012310:KV2604X expired on 2026-04-30 and cannot be used"]),
        Refusal(name: "receiving a lot that has already expired",
                args: D.receiveVials(lot: "KV2602X", expiry: "2026-02-28", time: "2026-03-02T09:00:00Z"), code: "invalid-body",
                says: ["lot.received: lot KV2602X expired on 2026-02-28; an expired lot cannot be received into stock"]),
        Refusal(name: "waste timed before the lot's receipt", args: D.waste(quantity: "1", time: "2026-03-02T08:59:00Z"), code: "invalid-body",
                says: ["lot \(D.vialLotID) is used at 2026-03-02T08:59:00.000Z, before it was received (2026-03-02T09:00:00.000Z)"]),
        Refusal(name: "dispensing timed before the lot's receipt", args: D.dispense(time: "2026-03-02T09:30:00Z"), code: "invalid-body",
                says: ["rx.dispensed: lot \(D.tabletLotID) is used at", "before it was received"]),
        Refusal(name: "dispensing from a quarantined lot",
                setup: [["lot-status", "--lot", D.tabletLot, "--status", "quarantined", "--reason", "recall notice", "--time", "2026-03-03T09:30:00Z"] + D.pharmacist],
                args: D.dispense(time: t), code: "invalid-body", says: ["rx.dispensed: lot \(D.tabletLotID) is quarantined and cannot be used"]),
        Refusal(name: "dose from a recalled lot",
                setup: [["lot-status", "--lot", D.vialLot, "--status", "recalled", "--reason", "FDA recall", "--time", "2026-03-03T09:30:00Z"] + D.compliance],
                args: D.administer(time: t), code: "invalid-body", says: ["dose.administered: lot \(D.vialLotID) is recalled and cannot be used"]),
        Refusal(name: "the same lot received again with another expiry",
                args: D.receiveVials(lot: D.vialLot, expiry: "2028-04-30", time: "2026-03-04T09:00:00Z"), code: "invalid-body",
                says: ["lot.received: lot \(D.vialLot) was received before with another unit or expiry"]),
        Refusal(name: "dispensing tablets from a lot counted in mL", args: D.dispense(lots: [D.vialLot], time: t), code: "invalid-body",
                says: ["lots[1].lot_id lot \(D.vialLotID) is counted in mL, the prescription in tablet"]),
        Refusal(name: "lot status that does not exist",
                args: ["lot-status", "--lot", D.vialLot, "--status", "lost", "--reason", "x", "--time", t] + D.pharmacist, code: "invalid-body",
                says: ["lot.status_changed: status must be one of: active, quarantined, recalled"]),
    ]

    static let balances: [Refusal] = [
        Refusal(name: "waste taking a lot below zero", args: D.waste(quantity: "100.5", time: t), code: "invalid-body",
                says: ["waste.recorded: lot \(D.vialLotID) holds 100 mL, less than the 100.5 mL taken", "--override-reason"]),
        Refusal(name: "dispensing more than the lot holds", setup: [D.rxAdd("RX-2002", quantity: "120", time: "2026-03-03T09:30:00Z")],
                args: D.dispense("RX-2002", quantity: "120", time: t), code: "invalid-body",
                says: ["rx.dispensed: lot \(D.tabletLotID) holds 90 tablet, less than the 120 tablet taken"]),
        Refusal(name: "destroying more than the lot holds", args: D.destroy(["\(D.vialLot)=150"], time: t), code: "invalid-body",
                says: ["destruction.recorded: lot \(D.vialLotID) holds 100 mL, less than the 150 mL taken"]),
        Refusal(name: "theft of more than the lot holds",
                args: ["loss", "--kind", "theft", "--discovered", t, "--lot", "\(D.tabletLot)=91", "--time", t] + D.compliance, code: "invalid-body",
                says: ["loss.reported: lot \(D.tabletLotID) holds 90 tablet, less than the 91 tablet taken"]),
    ]

    static let prescriptions: [Refusal] = [
        Refusal(name: "prescription with 6 refills", args: D.rxAdd("RX-2003", refills: 6, time: t), code: "invalid-body",
                says: ["rx.added: 6 refills authorized; a Schedule III prescription allows at most 5"]),
        Refusal(name: "prescription with negative refills", args: D.rxAdd("RX-2003", refills: -1, time: t),
                code: "invalid-body", says: ["rx.added: refills_authorized must not be negative"]),
        Refusal(name: "prescription recorded more than 6 months after issue",
                args: D.rxAdd("RX-2004", issued: "2026-01-15", time: "2026-07-16T09:00:00Z"), code: "invalid-body",
                says: ["rx.added: prescription RX-2004 was issued on 2026-01-15, more than 6 months ago"]),
        Refusal(name: "prescription issued after it is recorded", args: D.rxAdd("RX-2006", issued: "2026-03-20", time: "2026-03-10T09:00:00Z"),
                code: "invalid-body", says: ["rx.added: issued is in the future"]),
        Refusal(name: "prescription number recorded twice", args: D.rxAdd(D.rx, time: t), code: "invalid-body",
                says: ["rx.added: rx_number \(D.rx) is already recorded"]),
        Refusal(name: "fill the day after the 6 months from issue", args: D.dispense(time: "2026-09-02T00:00:00Z"), code: "invalid-body",
                says: ["rx.dispensed: prescription \(D.rx) was issued on 2026-03-01; Schedule III fills end 6 months after issue"]),
        Refusal(name: "first fill numbered 2", args: D.dispense(fill: 2, time: t), code: "invalid-body",
                says: ["rx.dispensed: fill_number must be 1: prescription \(D.rx) has 0 fill(s) so far"]),
        Refusal(name: "fill 1 recorded twice", setup: [dispensed], args: D.dispense(time: "2026-03-24T10:00:00Z"), code: "invalid-body",
                says: ["rx.dispensed: fill_number must be 2: prescription \(D.rx) has 1 fill(s) so far"]),
        Refusal(name: "more dispensed than prescribed per fill", args: D.dispense(quantity: "7", lots: ["\(D.tabletLot)=7"], time: t),
                code: "invalid-body", says: ["rx.dispensed: 7 tablet is more than the 6 tablet prescribed per fill"]),
        Refusal(name: "one lot's quantity not adding up", args: D.dispense(lots: ["\(D.tabletLot)=5"], time: t), code: "invalid-body",
                says: ["rx.dispensed: lots add up to 5 tablet, not the 6 tablet dispensed"]),
        Refusal(name: "two lots' quantities not adding up", setup: [D.receive(lot: "KT2611C", time: "2026-03-03T08:00:00Z")],
                args: D.dispense(lots: ["\(D.tabletLot)=3", "KT2611C=2"], time: t), code: "invalid-body",
                says: ["rx.dispensed: lots add up to 5 tablet, not the 6 tablet dispensed"]),
        Refusal(name: "several lots without their quantities", setup: [D.receive(lot: "KT2611C", time: "2026-03-03T08:00:00Z")],
                args: D.dispense(lots: [D.tabletLot, "KT2611C"], time: t), code: "invalid-argument",
                says: ["with several lots, give each one's quantity as --lot LOT=QUANTITY"]),
        Refusal(name: "refill of a prescription with no refills",
                setup: [D.rxAdd("RX-2005", refills: 0, time: "2026-03-03T09:30:00Z"), D.dispense("RX-2005", time: t)],
                args: D.dispense("RX-2005", fill: 2, time: "2026-03-25T10:00:00Z"), code: "invalid-body",
                says: ["rx.dispensed: prescription RX-2005 has no refills left (0 authorized, all used)"]),
        Refusal(name: "fill number 0", args: D.dispense(fill: 0, time: t), code: "invalid-body",
                says: ["rx.dispensed: fill_number must be from 1 to 99"]),
        Refusal(name: "fill number 7", args: D.dispense(fill: 7, time: t), code: "invalid-body",
                says: ["rx.dispensed: fill_number must be 1: prescription \(D.rx) has 0 fill(s) so far"]),
        Refusal(name: "fill with zero days supply", args: D.dispense(time: t).map { $0 == "21" ? "0" : $0 }, code: "invalid-body",
                says: ["rx.dispensed: days_supply must be from 1 to 365"]),
        Refusal(name: "fill with more days supply than prescribed (30 against 21)", args: D.dispense(time: t).map { $0 == "21" ? "30" : $0 },
                code: "invalid-body", says: ["rx.dispensed: 30 days supply is more than the 21 days prescribed per fill on \(D.rx)"]),
        Refusal(name: "fill of a prescription never recorded", args: D.dispense("RX-9999", time: t), code: "not-found",
                says: ["prescription RX-9999 is not recorded; record it with `csledger rx add` first"]),
    ]

    static let roles: [Refusal] = [
        Refusal(name: "clinician dispensing", args: D.dispense(time: t, key: D.clinician), code: "role-not-allowed",
                says: ["only a pharmacist may record rx.dispensed"]),
        Refusal(name: "pharmacist administering", args: D.administer(time: t, key: D.pharmacist), code: "role-not-allowed",
                says: ["only a clinician may record dose.administered"]),
        Refusal(name: "witness receiving a lot",
                args: D.receive(lot: "KT2611C", time: "2026-03-03T08:00:00Z", key: ["--key", "Keys/witness.pem"], witnesses: ["--witness-key", "Keys/witness2.pem"]),
                code: "role-not-allowed", says: ["only a clinician or pharmacist may record lot.received"]),
        Refusal(name: "compliance officer adding a prescription", args: D.rxAdd("RX-2007", time: t).map { $0 == "Keys/pharmacist.pem" ? "Keys/compliance.pem" : $0 },
                code: "role-not-allowed", says: ["only a pharmacist may record rx.added"]),
        Refusal(name: "clinician shipping", setup: [dispensed], args: shipped.map { $0 == "Keys/pharmacist.pem" ? "Keys/clinician.pem" : $0 },
                code: "role-not-allowed", says: ["only a pharmacist may record shipment.sent"]),
        Refusal(name: "witness counting",
                args: ["count", "--lot", D.vialLot, "--counted", "100", "--time", t, "--key", "Keys/witness.pem", "--witness-key", "Keys/witness2.pem"],
                code: "role-not-allowed", says: ["only a clinician or compliance or pharmacist may record count.recorded"]),
        Refusal(name: "clinician quarantining a lot",
                args: ["lot-status", "--lot", D.vialLot, "--status", "quarantined", "--reason", "x", "--time", t] + D.clinician,
                code: "role-not-allowed", says: ["only a compliance or pharmacist may record lot.status_changed"]),
    ]

    static let witnesses: [Refusal] = [
        Refusal(name: "waste without a witness", args: D.waste(quantity: "1", time: t, witnesses: []), code: "invalid-statement",
                says: ["a waste needs a witness who signs too (--witness-key); none was given"]),
        Refusal(name: "dose with waste but no witness", args: D.administer(time: t, witnesses: []), code: "invalid-statement",
                says: ["wasting the rest of a dose needs a witness who signs too"]),
        Refusal(name: "receipt without the person who verified it", args: D.receive(lot: "KT2611C", time: "2026-03-03T08:00:00Z", witnesses: []),
                code: "invalid-statement", says: ["a receipt (the person who verified it) needs a witness"]),
        Refusal(name: "count without a second counter", args: ["count", "--lot", D.vialLot, "--counted", "100", "--time", t] + D.pharmacist,
                code: "invalid-statement", says: ["a count (the second counter) needs a witness"]),
        Refusal(name: "witness who is the actor", args: D.waste(quantity: "1", time: t, witnesses: ["--witness-key", "Keys/pharmacist.pem"]),
                code: "witness-is-actor", says: ["a witness must be a different person from the one recording the event"]),
        Refusal(name: "witness not enrolled", args: D.waste(quantity: "1", time: t, witnesses: ["--witness-key", "Keys/stranger.pem"]),
                code: "signer-not-enrolled", says: ["a witness:"]),
        Refusal(name: "destruction with one witness", args: D.destroy(["\(D.vialLot)=10"], time: t, witnesses: D.witnessed),
                code: "invalid-statement", says: ["a destruction (DEA Form 41) needs 2 different witnesses who sign too; 1 given"]),
        Refusal(name: "destruction with the same witness twice",
                args: D.destroy(["\(D.vialLot)=10"], time: t, witnesses: D.witnessed + D.witnessed), code: "invalid-statement",
                says: ["the same witness is listed twice"]),
        Refusal(name: "remote witness without a draft file", args: D.waste(quantity: "1", time: t, witnesses: ["--witness", "$W"]),
                code: "invalid-argument", says: ["--witness (remote) needs --draft FILE"]),
    ]

    static let shipments: [Refusal] = [
        Refusal(name: "delivery of an unknown tracking number (signer named like the patient)",
                args: D.deliver(tracking: "1ZNOPE0000000000", delivered: "2026-03-04T15:00:00Z", time: "2026-03-04T16:00:00Z"),
                code: "invalid-body", says: ["shipment.delivered: tracking 1ZNOPE0000000000 matches no shipment"]),
        Refusal(name: "delivery recorded twice", setup: [dispensed, shipped, delivered], args: delivered, code: "invalid-body",
                says: ["shipment.delivered: shipment 1Z999AA10123456784 is already delivered"]),
        Refusal(name: "return of a delivered parcel", setup: [dispensed, shipped, delivered],
                args: ["return", "--tracking", "1Z999AA10123456784", "--disposition", "restock", "--reason", "x", "--time", "2026-03-05T10:00:00Z"] + D.pharmacist,
                code: "invalid-body", says: ["shipment.returned: shipment 1Z999AA10123456784 is already delivered"]),
        Refusal(name: "delivery before the parcel was shipped", setup: [dispensed, shipped],
                args: D.deliver(tracking: "1Z999AA10123456784", delivered: "2026-03-03T10:30:00Z", time: "2026-03-04T16:00:00Z"),
                code: "invalid-body", says: ["shipment.delivered: delivered is before the parcel was shipped"]),
        Refusal(name: "delivery with an ID type that does not exist", setup: [dispensed, shipped],
                args: delivered.map { $0 == "drivers_license" ? "library_card" : $0 }, code: "invalid-body",
                says: ["shipment.delivered: id_type must be one of: drivers_license, state_id, passport, military_id, other, none"]),
        Refusal(name: "shipping without adult signature", setup: [dispensed], args: shipped + ["--no-adult-signature"], code: "invalid-body",
                says: ["shipment.sent: adult_signature_required must be true"]),
        Refusal(name: "shipping a fill never dispensed", args: shipped, code: "invalid-body",
                says: ["shipment.sent: fills[1].fill_number matches no fill of prescription \(D.rx)"]),
        Refusal(name: "shipping a fill twice", setup: [dispensed, shipped],
                args: D.ship(tracking: "1Z999AA10123456795", time: "2026-03-03T12:00:00Z"), code: "invalid-body",
                says: ["shipment.sent: fill 1 of \(D.rx) was already shipped (1Z999AA10123456784)"]),
        Refusal(name: "tracking number used for another shipment",
                setup: [dispensed, shipped, D.dispense(fill: 2, time: "2026-03-24T10:00:00Z")],
                args: D.ship(["\(D.rx)/2"], tracking: "1Z999AA10123456784", time: "2026-03-24T11:00:00Z"), code: "invalid-body",
                says: ["shipment.sent: tracking 1Z999AA10123456784 is already recorded for another shipment"]),
        Refusal(name: "return with an unknown disposition", setup: [dispensed, shipped],
                args: ["return", "--tracking", "1Z999AA10123456784", "--disposition", "resell", "--reason", "x", "--time", "2026-03-05T10:00:00Z"] + D.pharmacist,
                code: "invalid-body", says: ["shipment.returned: disposition must be one of: restock, quarantine"]),
        Refusal(name: "in-transit loss of an unknown tracking number",
                args: ["loss", "--kind", "in_transit", "--tracking", "1ZNOPE0000000000", "--carrier", "UPS", "--discovered", t, "--time", t] + D.pharmacist,
                code: "invalid-body", says: ["loss.reported: tracking matches no shipment"]),
        Refusal(name: "in-transit loss of a delivered parcel", setup: [dispensed, shipped, delivered],
                args: ["loss", "--kind", "in_transit", "--tracking", "1Z999AA10123456784", "--carrier", "UPS",
                       "--discovered", "2026-03-05T09:00:00Z", "--time", "2026-03-05T10:00:00Z"] + D.pharmacist,
                code: "invalid-body", says: ["loss.reported: shipment 1Z999AA10123456784 was delivered, not lost"]),
        Refusal(name: "loss of a kind that does not exist",
                args: ["loss", "--kind", "misplaced", "--discovered", t, "--lot", "\(D.tabletLot)=1", "--time", t] + D.compliance,
                code: "invalid-body", says: ["loss.reported: kind must be one of: theft, loss, in_transit"]),
        Refusal(name: "loss discovered after it was reported",
                args: ["loss", "--kind", "theft", "--discovered", "2026-03-10T09:00:00Z", "--lot", "\(D.tabletLot)=1", "--time", "2026-03-05T09:00:00Z"] + D.compliance,
                code: "invalid-body", says: ["loss.reported: discovered is in the future"]),
        Refusal(name: "loss discovered on a date without a time (the flag is named)",
                args: ["loss", "--kind", "loss", "--discovered", "2026-03-05", "--lot", "\(D.tabletLot)=1", "--time", t] + D.compliance,
                code: "invalid-argument", says: ["--discovered must be a UTC time like 2026-11-23T14:05:09Z, not \"2026-03-05\""]),
        Refusal(name: "DEA notified at a time that is not one",
                args: ["loss", "--kind", "theft", "--discovered", t, "--dea-notified", "tomorrow", "--lot", "\(D.tabletLot)=1", "--time", t] + D.compliance,
                code: "invalid-argument", says: ["--dea-notified must be a UTC time"]),
    ]

    static let others: [Refusal] = [
        Refusal(name: "prescription for an unknown patient reference", args: D.rxAdd("RX-2008", patient: "P-0000000000", time: t),
                code: "not-found", says: ["no patient P-0000000000 on file"]),
        Refusal(name: "dose for an unknown patient reference", args: D.administer(patient: "P-0000000000", time: t),
                code: "not-found", says: ["no patient P-0000000000 on file"]),
        Refusal(name: "correction of an enrolment", args: ["correct", "--seq", "1", "--reason", "x", "--time", t] + D.pharmacist,
                code: "invalid-body", says: ["entry.corrected: corrects names entry 1 (actor.enrolled), which is not a dispensing record that can be corrected"]),
        Refusal(name: "correction of an entry that does not exist yet", args: ["correct", "--seq", "999", "--reason", "x", "--time", t] + D.pharmacist,
                code: "invalid-body", says: ["entry.corrected: corrects must name an earlier entry"]),
        Refusal(name: "correction of a correction",
                setup: [D.waste(quantity: "1", time: t), ["correct", "--seq", "9", "--reason", "x", "--time", t] + D.pharmacist],
                args: ["correct", "--seq", "10", "--reason", "x", "--time", t] + D.pharmacist, code: "invalid-body",
                says: ["corrects names entry 10 (entry.corrected), which is not a dispensing record that can be corrected"]),
        Refusal(name: "event timed tomorrow", args: D.waste(quantity: "1", time: "$TOMORROW"), code: "invalid-statement",
                says: ["is in the future"]),
    ]

    @Test("refused with one clear line and nothing written", arguments: Backend.allCases, identifiers + quantities + lots + balances + prescriptions
        + roles + witnesses + shipments + others)
    func refused(_ backend: Backend, _ c: Refusal) throws {
        guard let f = try D.make(backend) else { return }
        #expect(try f.size() == 9, "the fixture has 9 entries (the correction case names seqs 9 and 10)")
        _ = try f.writeImage()
        for s in c.setup { try f.ok(s) }
        let before = try f.checkpoint()
        let r = try f.csledger(c.args)
        try f.expectRefusal(r, c.code, c.says)
        #expect(try f.checkpoint() == before, "nothing was appended")
    }

    @Test("a typed --expiry that differs from the scanned expiry is refused, as a differing --lot is", arguments: Backend.allCases)
    func scanExpiryMismatch(_ backend: Backend) throws {
        guard let f = try D.make(backend) else { return }
        let before = try f.checkpoint()
        let r = try f.csledger(D.receiveScanned(D.scan(gtin: Self.vialGTIN, expiry: "280300", lot: "KV2612S"), time: "2026-03-04T09:00:00Z")
                               + ["--expiry", "2029-03-31"])
        let after = try f.checkpoint()
        #expect(r.status == 2, "the lot was received with the typed expiry: \(r.stdout)")
        #expect(r.stderr.contains("differs from the scanned expiry"), "\(r.stderr)")
        #expect(after == before)
    }

    @Test("a fill dated before its prescription was issued is refused", arguments: Backend.allCases)
    func fillBeforeIssue(_ backend: Backend) throws {
        guard let f = try D.make(backend) else { return }
        try f.record(D.receive(lot: "KT2602A", time: "2026-02-20T09:00:00Z"))
        try f.record(D.rxAdd("RX-3001", issued: "2026-03-10", time: "2026-03-10T09:00:00Z"))
        let before = try f.checkpoint()
        let r = try f.csledger(D.dispense("RX-3001", lots: ["KT2602A"], time: "2026-03-05T10:00:00Z"))
        let after = try f.checkpoint()
        #expect(r.status == 2, "a fill on 2026-03-05 of a prescription issued on 2026-03-10 was recorded: \(r.stdout)")
        #expect(r.stderr.contains("before prescription RX-3001 was issued"))
        #expect(after == before)
    }

    @Test("--override-reason lets a lot go below zero (waste and dispensing), and is recorded", arguments: Backend.allCases)
    func overrideBelowZero(_ backend: Backend) throws {
        guard let f = try D.make(backend) else { return }
        let seq = try f.record(D.waste(quantity: "101", time: Self.t, extra: ["--override-reason", "vial overfill: the shelf holds more than labelled"]))
        #expect(try f.entry(seq)["statement"]?["body"]?["override_reason"]?.stringValue == "vial overfill: the shelf holds more than labelled")
        try f.expectLot(D.vialLot, ["received": "100", "wasted": "101", "on_hand": "-1"])
        try f.record(D.rxAdd("RX-2002", quantity: "120", time: "2026-03-03T09:30:00Z"))
        try f.record(D.dispense("RX-2002", quantity: "91", time: Self.t, extra: ["--override-reason", "count pending"]))
        try f.expectLot(D.tabletLot, ["received": "90", "dispensed": "91", "on_hand": "-1"])
        // An empty reason is no reason.
        let before = try f.checkpoint()
        let r = try f.csledger(D.waste(quantity: "1", time: Self.t, extra: ["--override-reason", ""]))
        try f.expectRefusal(r, "invalid-body", ["holds -1 mL, less than the 1 mL taken"])
        #expect(try f.checkpoint() == before)
        try f.expectVerifies()
    }

    @Test("shipping without adult signature is allowed only with --no-adult-signature and --override-reason", arguments: Backend.allCases)
    func shipWithoutAdultSignature(_ backend: Backend) throws {
        guard let f = try D.make(backend) else { return }
        try f.record(Self.dispensed)
        let seq = try f.record(Self.shipped + ["--no-adult-signature", "--override-reason", "patient is a resident of a care home; nurse signs"])
        let body = try #require(try f.entry(seq)["statement"]?["body"])
        #expect(body["adult_signature_required"] == .bool(false))
        #expect(body["override_reason"]?.stringValue == "patient is a resident of a care home; nurse signs")
        try f.expectLot(D.tabletLot, ["received": "90", "dispensed": "6", "shipped": "6", "on_hand": "84"])
        try f.expectVerifies()
    }

    // MARK: - Bodies the flags cannot express, signed and submitted as drafts

    struct BadBody: Sendable, CustomTestStringConvertible {
        let name: String
        let type: String
        var actor = "pharmacist"
        var witnesses: [String] = []
        /// JSON with `$PA`/`$PB` (patient objects) and `$PAB` (A's ref with B's commitment).
        let body: String
        let says: String
        var testDescription: String { name }
    }

    static let fill = #""rx_number":"RX-1001","fill_number":1,"quantity":"6","days_supply":21"#
    static let supplier = #""supplier":{"name":"Gulf Coast Pharma Distribution","address":"1 Wholesale Way","dea_number":"RD2345672"},"invoice":"INV-9""#
    static let drug = #""drug":{"name":"Ketamine HCl","strength":"50 mg/mL","form":"injection, solution"}"#

    static let badBodies: [BadBody] = [
        BadBody(name: "dispensing to another patient than the prescription's", type: "rx.dispensed",
                body: #"{\#(fill),"lots":[{"lot_id":"70000045630:KT2610B","quantity":"6"}],"patient":$PB}"#,
                says: "rx.dispensed: patient is not the patient on prescription RX-1001"),
        BadBody(name: "a patient reference with another patient's commitment", type: "rx.dispensed",
                body: #"{\#(fill),"lots":[{"lot_id":"70000045630:KT2610B","quantity":"6"}],"patient":$PAB}"#,
                says: "rx.dispensed: patient.commitment does not match the personal data on file"),
        BadBody(name: "the same lot twice in one fill", type: "rx.dispensed",
                body: #"{\#(fill),"lots":[{"lot_id":"70000045630:KT2610B","quantity":"3"},{"lot_id":"70000045630:KT2610B","quantity":"3"}],"patient":$PA}"#,
                says: "rx.dispensed: lots[2].lot_id lists lot 70000045630:KT2610B twice"),
        BadBody(name: "a quantity as a JSON number", type: "waste.recorded", witnesses: ["witness"],
                body: #"{"lot_id":"70000012310:KV2611A","quantity":2,"reason":"r","method":"m"}"#,
                says: #"waste.recorded: quantity must be a decimal string such as "2.5", not a JSON number"#),
        BadBody(name: "a zero quantity", type: "waste.recorded", witnesses: ["witness"],
                body: #"{"lot_id":"70000012310:KV2611A","quantity":"0","reason":"r","method":"m"}"#,
                says: "waste.recorded: quantity must be greater than zero"),
        BadBody(name: "a negative quantity", type: "waste.recorded", witnesses: ["witness"],
                body: #"{"lot_id":"70000012310:KV2611A","quantity":"-3","reason":"r","method":"m"}"#,
                says: #"waste.recorded: quantity "-3" is not a positive decimal"#),
        BadBody(name: "a lot id never received", type: "waste.recorded", witnesses: ["witness"],
                body: #"{"lot_id":"70000012310:NOPE","quantity":"1","reason":"r","method":"m"}"#,
                says: "waste.recorded: lot_id names lot 70000012310:NOPE, which was never received"),
        BadBody(name: "a unit other than the lot's", type: "waste.recorded", witnesses: ["witness"],
                body: #"{"lot_id":"70000012310:KV2611A","quantity":"1","unit":"tablet","reason":"r","method":"m"}"#,
                says: "waste.recorded: unit is tablet but lot 70000012310:KV2611A is counted in mL"),
        BadBody(name: "a receipt whose quantity is not containers × units", type: "lot.received", witnesses: ["witness"],
                body: #"{\#(supplier),\#(drug),"ndc":"70000-123-10","lot":"KV2612C","expiry":"2028-03-31","containers":10,"units_per_container":"10","unit":"mL","quantity":"99"}"#,
                says: "lot.received: quantity must equal containers × units_per_container (10 × 10)"),
        BadBody(name: "refills as a fraction", type: "rx.added",
                body: #"{"rx_number":"RX-3001","issued":"2026-03-01","patient":$PA,"prescriber":{"name":"Dr. Maya Lin","address":"200 Telehealth Ave","dea_number":"BL7654329"},\#(drug),"quantity":"6","unit":"tablet","directions":"d","refills_authorized":2.5}"#,
                says: "rx.added: refills_authorized must be a whole number"),
    ]

    @Test("a signed body that breaks a rule is refused on submit", arguments: Backend.allCases, badBodies)
    func badBody(_ backend: Backend, _ c: BadBody) throws {
        guard let f = try D.make(backend) else { return }
        var text = c.body
        for (token, person) in [("$PAB", DispensingLedger.Person(ref: f.patientA.ref, commitment: f.patientB.commitment, name: "", address: "")),
                                ("$PA", f.patientA), ("$PB", f.patientB)] {
            text = text.replacingOccurrences(of: token, with: JCS.serializeString(person.json))
        }
        let body = try #require(try JSONParser.parse(text).objectValue)
        let before = try f.checkpoint()
        let r = try f.submitStatement(type: c.type, body: body, actor: c.actor, witnesses: c.witnesses, time: "2026-03-04T09:00:00Z")
        try f.expectRefusal(r, "invalid-body", [c.says])
        #expect(try f.checkpoint() == before)
    }

    @Test("the same bodies, made valid, are accepted on submit (the draft path itself works)", arguments: Backend.allCases)
    func goodBodyAccepted(_ backend: Backend) throws {
        guard let f = try D.make(backend) else { return }
        let body = try #require(try JSONParser.parse(#"{"lot_id":"70000012310:KV2611A","quantity":"2","unit":"mL","reason":"r","method":"m"}"#).objectValue)
        let r = try f.submitStatement(type: "waste.recorded", body: body, actor: "pharmacist", witnesses: ["witness"], time: "2026-03-04T09:00:00Z")
        #expect(r.status == 0, "\(r.stderr)")
        try f.expectLot(D.vialLot, ["received": "100", "wasted": "2", "on_hand": "98"])
        try f.expectVerifies()
    }
}
