import Foundation
import Testing
@testable import CSLedgerKit
@testable import LedgerCore
@testable import LedgerStore

/// Every dispensing entry type recorded through the built CLI as a pharmacist, clinician or compliance
/// officer would, each followed by `inventory --json` (exact decimal strings) and `verify`.
/// The fixture holds vial lot KV2611A (100 mL) and tablet lot KT2610B (90 tablets), and RX-1001 (6 tablets, 2 refills).
@Suite("Dispensing through the CLI: every entry type")
struct DispensingCLITests {
    typealias D = DispensingLedger

    @Test("the fixture: both lots received with the figures typed, the prescription recorded, verify clean", arguments: Backend.allCases)
    func fixture(_ backend: Backend) throws {
        guard let f = try D.make(backend) else { return }
        try f.expectLot(D.vialLot, ["received": "100", "on_hand": "100"])
        try f.expectLot(D.tabletLot, ["received": "90", "on_hand": "90"])
        let inv = try f.inventory()
        #expect(inv.count == 2)
        #expect(inv[D.vialLot]?["unit"] == "mL")
        #expect(inv[D.vialLot]?["expiry"] == "2028-03-31")
        #expect(inv[D.vialLot]?["lot_id"] == D.vialLotID)
        #expect(inv[D.tabletLot]?["unit"] == "tablet")
        #expect(inv[D.tabletLot]?["ndc"] == D.tabletNDC)
        #expect(try f.sqlite("SELECT rx_number, issued, patient_ref, quantity_micros, refills_authorized FROM prescriptions")
                == "\(D.rx)|2026-03-01|\(f.patientA.ref)|6000000|2")
        try f.expectVerifies()
    }

    @Test("receive, typed: supplier, invoice, drug, NDC, lot, expiry, containers, serial and invoice quantity are recorded", arguments: Backend.allCases)
    func receiveTyped(_ backend: Backend) throws {
        guard let f = try D.make(backend) else { return }
        let seq = try f.record(D.receiveVials(lot: "KV2612C", containers: 5, time: "2026-03-04T09:00:00Z",
                                              extra: ["--serial", "SN000417", "--invoice-quantity", "60"]))
        let body = try #require(try f.entry(seq)["statement"]?["body"])
        #expect(body["supplier"]?["dea_number"]?.stringValue == D.supplierDEA)
        #expect(body["supplier"]?["name"]?.stringValue == "Gulf Coast Pharma Distribution")
        #expect(body["invoice"]?.stringValue == "INV-KV2612C")
        #expect(body["drug"]?["strength"]?.stringValue == "50 mg/mL")
        #expect(body["ndc"]?.stringValue == D.vialNDC)
        #expect(body["expiry"]?.stringValue == "2028-03-31")
        #expect(body["containers"]?.integerValue == 5)
        #expect(body["units_per_container"]?.stringValue == "10")
        #expect(body["quantity"]?.stringValue == "50")
        #expect(body["invoice_quantity"]?.stringValue == "60")
        #expect(body["serial"]?.stringValue == "SN000417")
        #expect(try f.entry(seq)["statement"]?["witnesses"]?.arrayValue?.first?.stringValue == (try f.keyID("witness")))
        try f.expectLot("KV2612C", ["received": "50", "on_hand": "50"])
        try f.expectLot(D.vialLot, ["received": "100", "on_hand": "100"])
        // The same lot received again (a second delivery) adds to it.
        try f.record(D.receiveVials(lot: "KV2612C", containers: 2, time: "2026-03-05T09:00:00Z"))
        try f.expectLot("KV2612C", ["received": "70", "on_hand": "70"])
        try f.expectVerifies()
    }

    @Test("receive with --scan: a GS1 DataMatrix (]d2, GS separator, expiry day 00) gives GTIN, lot, expiry and serial", arguments: Backend.allCases)
    func receiveScanned(_ backend: Backend) throws {
        guard let f = try D.make(backend) else { return }
        let gtin = try GTIN.make(ndc10digits: "7000012310")
        // Indicator 0, "03", the ten NDC digits, then the GS1 check digit: weights 3, 1, 3 … from the right
        // over 0037000012310 sum to 31, so the check digit is 9.
        #expect(gtin.digits == "00370000123109")
        let scan = D.scan(gtin: gtin.digits, expiry: "280300", lot: "KV2612S")
        #expect(scan == "]d201\(gtin.digits)17280300" + "10KV2612S\u{1D}21SN000417")
        let seq = try f.record(D.receiveScanned(scan, time: "2026-03-04T09:00:00Z"))
        let body = try #require(try f.entry(seq)["statement"]?["body"])
        #expect(body["gtin"]?.stringValue == gtin.digits)
        #expect(body["lot"]?.stringValue == "KV2612S")
        #expect(body["expiry"]?.stringValue == "2028-03-31", "GS1 day 00 is the last day of the month")
        #expect(body["serial"]?.stringValue == "SN000417")
        try f.expectLot("KV2612S", ["received": "100", "on_hand": "100"])
        #expect(try f.inventory()["KV2612S"]?["expiry"] == "2028-03-31")
        try f.expectVerifies()
    }

    @Test("rx add: a prescription with 5 refills (the most allowed) is recorded with the patient's reference only", arguments: Backend.allCases)
    func prescription(_ backend: Backend) throws {
        guard let f = try D.make(backend) else { return }
        let seq = try f.record(D.rxAdd("RX-1002", patient: "$PB", quantity: "8", refills: 5, time: "2026-03-04T09:00:00Z",
                                       extra: ["--ndc", D.tabletNDC]))
        let r = try f.ok(["log", "--from", String(seq), "--to", String(seq)])
        let body = try #require(try JSONParser.parse(r.stdout.trimmingCharacters(in: .newlines))["statement"]?["body"])
        #expect(body["patient"] == f.patientB.json)
        #expect(body["refills_authorized"]?.integerValue == 5)
        #expect(body["quantity"]?.stringValue == "8")
        #expect(!r.stdout.contains(D.patientBName) && !r.stdout.contains("Cormorant"))
        #expect(try f.sqlite("SELECT patient_ref, quantity_micros, refills_authorized, fills FROM prescriptions WHERE rx_number = 'RX-1002'")
                == "\(f.patientB.ref)|8000000|5|0")
        try f.expectLot(D.tabletLot, ["received": "90", "on_hand": "90"])
        try f.expectVerifies()
    }

    @Test("dispense from one lot: fills 1, 2 and 3 (the last on the day six months after issue)", arguments: Backend.allCases)
    func dispenseOneLot(_ backend: Backend) throws {
        guard let f = try D.make(backend) else { return }
        let seq = try f.record(D.dispense(time: "2026-03-03T10:00:00Z"))
        let body = try #require(try f.entry(seq)["statement"]?["body"])
        #expect(body["lots"] == [["lot_id": .string(D.tabletLotID), "quantity": "6"]])
        #expect(body["patient"] == f.patientA.json, "the patient comes from the prescription")
        try f.expectLot(D.tabletLot, ["received": "90", "dispensed": "6", "on_hand": "84"])
        try f.record(D.dispense(fill: 2, quantity: "5.5", time: "2026-03-24T10:00:00Z"))
        try f.expectLot(D.tabletLot, ["received": "90", "dispensed": "11.5", "on_hand": "78.5"])
        try f.record(D.dispense(fill: 3, time: "2026-09-01T23:59:00Z"))
        try f.expectLot(D.tabletLot, ["received": "90", "dispensed": "17.5", "on_hand": "72.5"])
        #expect(try f.sqlite("SELECT fills, dispensed_micros FROM prescriptions WHERE rx_number = '\(D.rx)'") == "3|17500000")
        try f.expectVerifies()
    }

    @Test("dispense from two lots with --lot LOT=QTY", arguments: Backend.allCases)
    func dispenseTwoLots(_ backend: Backend) throws {
        guard let f = try D.make(backend) else { return }
        try f.record(D.receive(lot: "KT2611C", time: "2026-03-03T08:00:00Z"))
        let seq = try f.record(D.dispense(lots: ["\(D.tabletLot)=4", "KT2611C=2"], time: "2026-03-03T10:00:00Z"))
        let lots = try #require(try f.entry(seq)["statement"]?["body"]?["lots"]?.arrayValue)
        #expect(Set(lots.compactMap { $0["lot_id"]?.stringValue }) == [D.tabletLotID, "70000045630:KT2611C"])
        try f.expectLot(D.tabletLot, ["received": "90", "dispensed": "4", "on_hand": "86"])
        try f.expectLot("KT2611C", ["received": "60", "dispensed": "2", "on_hand": "58"])
        try f.expectVerifies()
    }

    @Test("administer: the rest of the drawn dose is wasted with a witness; a full dose needs no witness", arguments: Backend.allCases)
    func administer(_ backend: Backend) throws {
        guard let f = try D.make(backend) else { return }
        let seq = try f.record(D.administer(time: "2026-03-04T09:00:00Z"))
        let statement = try #require(try f.entry(seq)["statement"])
        #expect(statement["body"]?["wasted"]?.stringValue == "0.2", "wasted defaults to drawn − given")
        #expect(statement["body"]?["patient"] == f.patientB.json)
        #expect(statement["actor"]?.stringValue == (try f.keyID("clinician")))
        #expect(statement["witnesses"] == [.string(try f.keyID("witness"))])
        try f.expectLot(D.vialLot, ["received": "100", "administered": "0.8", "wasted": "0.2", "on_hand": "99"])
        try f.record(D.administer(patient: "$PA", drawn: "1.5", given: "1.5", time: "2026-03-06T09:00:00Z", witnesses: []))
        try f.expectLot(D.vialLot, ["received": "100", "administered": "2.3", "wasted": "0.2", "on_hand": "97.5"])
        try f.expectVerifies()
    }

    @Test("ship and deliver: the signature image is kept as ledger.sqlite.files/proof-of-delivery/<sha256>.png", arguments: Backend.allCases)
    func shipAndDeliver(_ backend: Backend) throws {
        guard let f = try D.make(backend) else { return }
        try f.record(D.dispense(time: "2026-03-03T10:00:00Z"))
        let shipSeq = try f.record(D.ship(tracking: "1Z999AA10123456784", time: "2026-03-03T11:00:00Z"))
        #expect(try f.entry(shipSeq)["statement"]?["body"]?["adult_signature_required"] == .bool(true))
        try f.expectLot(D.tabletLot, ["received": "90", "dispensed": "6", "shipped": "6", "on_hand": "84"])
        let image = try f.writeImage()
        let digest = Hash.sha256(Array(image)).hex
        let r = try f.ok(D.deliver(tracking: "1Z999AA10123456784", delivered: "2026-03-04T15:02:00Z", time: "2026-03-04T16:00:00Z") + ["--json"])
        let seq = try #require(try JSONParser.parse(r.stdout.trimmingCharacters(in: .newlines))["seq"]?.integerValue)
        let body = try #require(try f.entry(seq)["statement"]?["body"])
        #expect(body["signature_image_sha256"]?.stringValue == digest)
        #expect(body["age_verified"] == .bool(true))
        #expect(body["id_type"]?.stringValue == "drivers_license")
        #expect(body["signer"]?["ref"]?.stringValue?.hasPrefix("S-") == true)
        let kept = f.place.filesDirectory + "/proof-of-delivery/\(digest).png"
        #expect(FileManager.default.contents(atPath: kept) == image, "the image is kept under its SHA-256")
        let sum = try CLI.run("sha256sum", [kept], in: f.root)
        #expect(sum.stdout.hasPrefix(digest), "sha256sum agrees: \(sum.stdout)")
        let log = try f.ok(["log"]).stdout
        // Every text in every statement body: the ID digits would be a value of their own, while hashes
        // (hex, where "4821" may occur by chance) are not searched for them.
        func texts(_ v: JSONValue) -> [String] {
            switch v {
            case .string(let s): return s.count >= 32 && s.allSatisfy(\.isHexDigit) ? [] : [s]
            case .number(let d): return [String(d)]
            case .array(let a): return a.flatMap(texts)
            case .object(let o): return o.values.flatMap(texts)
            default: return []
            }
        }
        let bodies = try log.split(separator: "\n").map { try JSONParser.parse(String($0))["statement"]?["body"] ?? .null }
        let leaked = bodies.flatMap(texts).filter { $0.contains("4821") || $0.contains(D.patientAName) }
        #expect(bodies.contains { $0["signature_image_sha256"]?.stringValue == digest } && leaked.isEmpty, "the signer's name and ID digits stay off the chain: \(leaked)")
        #expect(!log.contains(D.patientAName))
        #expect(try f.sqlite("SELECT status FROM shipments WHERE tracking = '1Z999AA10123456784'") == "delivered")
        try f.expectLot(D.tabletLot, ["received": "90", "dispensed": "6", "shipped": "6", "on_hand": "84"])
        try f.expectVerifies()
    }

    @Test("return: the parcel's contents come back to the lot they were dispensed from", arguments: Backend.allCases)
    func returned(_ backend: Backend) throws {
        guard let f = try D.make(backend) else { return }
        try f.record(D.receive(lot: "KT2611C", time: "2026-03-03T08:00:00Z"))
        try f.record(D.dispense(lots: ["\(D.tabletLot)=4", "KT2611C=2"], time: "2026-03-03T10:00:00Z"))
        try f.record(D.ship(tracking: "1Z999AA10123456795", time: "2026-03-03T11:00:00Z"))
        try f.expectLot(D.tabletLot, ["received": "90", "dispensed": "4", "shipped": "4", "on_hand": "86"])
        try f.record(["return", "--tracking", "1Z999AA10123456795", "--disposition", "restock",
                      "--reason", "no adult available after 3 attempts", "--time", "2026-03-06T10:00:00Z"] + D.pharmacist)
        try f.expectLot(D.tabletLot, ["received": "90", "dispensed": "4", "shipped": "4", "returned": "4", "on_hand": "90"])
        try f.expectLot("KT2611C", ["received": "60", "dispensed": "2", "shipped": "2", "returned": "2", "on_hand": "60"])
        #expect(try f.sqlite("SELECT status FROM shipments") == "returned")
        try f.expectVerifies()
    }

    @Test("lost in transit, then the DEA Form 106 report: the shipment is lost, the shelf is unchanged, delivery is refused", arguments: Backend.allCases)
    func lostInTransit(_ backend: Backend) throws {
        guard let f = try D.make(backend) else { return }
        try f.record(D.dispense(time: "2026-03-03T10:00:00Z"))
        try f.record(D.ship(tracking: "1Z999AA10123456806", time: "2026-03-03T11:00:00Z"))
        let lost = try f.ok(["lost-in-transit", "--tracking", "1Z999AA10123456806", "--reason", "carrier reports parcel missing at hub",
                             "--time", "2026-03-06T09:00:00Z"] + D.pharmacist)
        #expect(lost.stdout.contains("csledger loss --kind in_transit --tracking 1Z999AA10123456806"))
        #expect(try f.sqlite("SELECT status FROM shipments") == "lost")
        let seq = try f.record(["loss", "--kind", "in_transit", "--tracking", "1Z999AA10123456806", "--carrier", "UPS",
                                "--discovered", "2026-03-06T08:30:00Z", "--dea-notified", "2026-03-06T15:00:00Z",
                                "--description", "parcel lost by carrier", "--time", "2026-03-06T10:00:00Z"] + D.compliance)
        let body = try #require(try f.entry(seq)["statement"]?["body"])
        #expect(body["kind"]?.stringValue == "in_transit")
        #expect(body["items"] == nil, "the parcel's contents left the shelf when dispensed")
        try f.expectLot(D.tabletLot, ["received": "90", "dispensed": "6", "shipped": "6", "on_hand": "84"])
        try f.expectVerifies()
        _ = try f.writeImage()
        let before = try f.checkpoint()
        let late = try f.csledger(D.deliver(tracking: "1Z999AA10123456806", delivered: "2026-03-07T10:00:00Z", time: "2026-03-07T11:00:00Z"))
        #expect(late.status == 2)
        #expect(late.stderr.contains("shipment 1Z999AA10123456806 is already lost"), "\(late.stderr)")
        #expect(try f.checkpoint() == before)
    }

    @Test("waste: by a pharmacist and by a clinician, each with a witness", arguments: Backend.allCases)
    func waste(_ backend: Backend) throws {
        guard let f = try D.make(backend) else { return }
        let seq = try f.record(D.waste(quantity: "4", time: "2026-03-05T17:00:00Z"))
        let body = try #require(try f.entry(seq)["statement"]?["body"])
        #expect(body["quantity"]?.stringValue == "4")
        #expect(body["method"]?.stringValue == "drug disposal container")
        try f.expectLot(D.vialLot, ["received": "100", "wasted": "4", "on_hand": "96"])
        try f.record(D.waste(quantity: "0.5", time: "2026-03-05T18:00:00Z", key: D.clinician, witnesses: ["--witness-key", "Keys/witness2.pem"]))
        try f.expectLot(D.vialLot, ["received": "100", "wasted": "4.5", "on_hand": "95.5"])
        try f.expectVerifies()
    }

    @Test("destroy (DEA Form 41) from two lots with two witnesses", arguments: Backend.allCases)
    func destroy(_ backend: Backend) throws {
        guard let f = try D.make(backend) else { return }
        let seq = try f.record(D.destroy(["\(D.vialLot)=10", "\(D.tabletLot)=30"], time: "2026-03-06T14:00:00Z"))
        let entry = try f.entry(seq)
        #expect(entry["statement"]?["witnesses"]?.arrayValue?.count == 2)
        #expect(entry["sigs"]?.arrayValue?.count == 3)
        try f.expectLot(D.vialLot, ["received": "100", "destroyed": "10", "on_hand": "90"])
        try f.expectLot(D.tabletLot, ["received": "90", "destroyed": "30", "on_hand": "60"])
        try f.expectVerifies()
    }

    @Test("loss (theft) from stock, reported by the compliance officer", arguments: Backend.allCases)
    func theft(_ backend: Backend) throws {
        guard let f = try D.make(backend) else { return }
        let seq = try f.record(["loss", "--kind", "theft", "--discovered", "2026-03-07T08:30:00Z", "--lot", "\(D.tabletLot)=3",
                                "--description", "bottle short on opening the safe", "--dea-notified", "2026-03-07T12:00:00Z",
                                "--police-report", "APD-26-0412", "--time", "2026-03-07T09:00:00Z"] + D.compliance)
        let body = try #require(try f.entry(seq)["statement"]?["body"])
        #expect(body["items"] == [["lot_id": .string(D.tabletLotID), "quantity": "3"]])
        #expect(body["police_report"]?.stringValue == "APD-26-0412")
        try f.expectLot(D.tabletLot, ["received": "90", "lost": "3", "on_hand": "87"])
        try f.expectLot(D.vialLot, ["received": "100", "on_hand": "100"])
        try f.expectVerifies()
    }

    @Test("count: blind (the expected balance is never printed), kept with its expected figure, no inventory change", arguments: Backend.allCases)
    func blindCount(_ backend: Backend) throws {
        guard let f = try D.make(backend) else { return }
        try f.record(D.waste(quantity: "12.5", time: "2026-03-05T17:00:00Z"))
        let text = try f.ok(["count", "--lot", D.vialLot, "--counted", "87", "--time", "2026-03-05T18:00:00Z"] + D.pharmacist + D.witnessed)
        let json = try f.ok(["count", "--lot", D.vialLot, "--counted", "87", "--time", "2026-03-05T18:30:00Z", "--json"]
                            + D.clinician + ["--witness-key", "Keys/witness2.pem"])
        for out in [text, json] {
            #expect(!out.stdout.contains("87.5") && !out.stderr.contains("87.5"), "a blind count must not show the expected balance: \(out.stdout)")
        }
        #expect(text.stdout.contains("count of lot \(D.vialLot) recorded"))
        #expect(try f.sqlite("SELECT expected_micros, counted_micros FROM counts ORDER BY seq") == "87500000|87000000\n87500000|87000000")
        try f.expectLot(D.vialLot, ["received": "100", "wasted": "12.5", "on_hand": "87.5"])
        try f.expectVerifies()
    }

    @Test("correct: a waste and a fill are reversed by later entries; the originals stay; a second correction is refused", arguments: Backend.allCases)
    func correct(_ backend: Backend) throws {
        guard let f = try D.make(backend) else { return }
        let wasteSeq = try f.record(D.waste(quantity: "4", time: "2026-03-05T17:00:00Z"))
        let fillSeq = try f.record(D.dispense(time: "2026-03-05T17:30:00Z"))
        try f.expectLot(D.vialLot, ["received": "100", "wasted": "4", "on_hand": "96"])
        try f.expectLot(D.tabletLot, ["received": "90", "dispensed": "6", "on_hand": "84"])
        let c1 = try f.record(["correct", "--seq", String(wasteSeq), "--reason", "recorded against the wrong lot",
                               "--time", "2026-03-05T18:00:00Z"] + D.pharmacist)
        #expect(try f.entry(c1)["statement"]?["body"]?["corrects"]?.integerValue == wasteSeq)
        try f.expectLot(D.vialLot, ["received": "100", "on_hand": "100"])
        try f.record(["correct", "--seq", String(fillSeq), "--reason", "fill keyed twice", "--time", "2026-03-05T18:05:00Z"] + D.pharmacist)
        try f.expectLot(D.tabletLot, ["received": "90", "on_hand": "90"])
        #expect(try f.entry(wasteSeq)["statement"]?["type"]?.stringValue == "waste.recorded", "the corrected entry stays in the chain")
        // The fill number is free again.
        try f.record(D.dispense(time: "2026-03-05T18:10:00Z"))
        try f.expectLot(D.tabletLot, ["received": "90", "dispensed": "6", "on_hand": "84"])
        try f.expectVerifies()
        let before = try f.checkpoint()
        let again = try f.csledger(["correct", "--seq", String(wasteSeq), "--reason", "again", "--time", "2026-03-05T19:00:00Z"] + D.pharmacist)
        #expect(again.status == 2)
        #expect(again.stderr.hasSuffix("entry \(wasteSeq) was already corrected; correct the correction's replacement instead [invalid-body]\n"), "\(again.stderr)")
        #expect(try f.checkpoint() == before)
    }

    @Test("lot-status: a quarantined lot cannot be dispensed from until it is released", arguments: Backend.allCases)
    func quarantine(_ backend: Backend) throws {
        guard let f = try D.make(backend) else { return }
        try f.record(["lot-status", "--lot", D.tabletLot, "--status", "quarantined", "--reason", "supplier recall notice 26-114",
                      "--time", "2026-03-03T09:30:00Z"] + D.pharmacist)
        try f.expectLot(D.tabletLot, ["received": "90", "on_hand": "90"], status: "quarantined")
        let before = try f.checkpoint()
        let refused = try f.csledger(D.dispense(time: "2026-03-03T10:00:00Z"))
        #expect(refused.status == 2)
        #expect(refused.stderr == "csledger: error: rx.dispensed: lot \(D.tabletLotID) is quarantined and cannot be used [invalid-body]\n")
        #expect(try f.checkpoint() == before)
        try f.record(["lot-status", "--lot", D.tabletLot, "--status", "active", "--reason", "recall does not cover this lot",
                      "--time", "2026-03-03T11:00:00Z"] + D.compliance)
        try f.record(D.dispense(time: "2026-03-03T12:00:00Z"))
        try f.expectLot(D.tabletLot, ["received": "90", "dispensed": "6", "on_hand": "84"])
        try f.expectVerifies()
    }
}
