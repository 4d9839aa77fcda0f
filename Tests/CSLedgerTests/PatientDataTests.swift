import Foundation
import Testing
@testable import CSLedgerKit
@testable import LedgerCore
@testable import LedgerStore

/// Patients' personal data is kept off the chain: statements carry a reference and a commitment; erasing the
/// data when retention ends leaves a ledger that still verifies and refuses new records for that patient.
@Suite("Patients' personal data")
struct PatientDataTests {
    typealias D = DispensingLedger

    @Test("erase: verify still passes, show fails clearly, new prescriptions, doses and fills for the patient are refused", arguments: Backend.allCases)
    func erase(_ backend: Backend) throws {
        guard let f = try D.make(backend) else { return }
        let b = f.patientB
        try f.record(D.rxAdd("RX-1002", patient: "$PB", time: "2026-03-04T09:00:00Z"))
        try f.record(D.administer(patient: "$PB", time: "2026-03-04T10:00:00Z"))
        let shown = try JSONParser.parse(try f.ok(["patient", "show", b.ref, "--json"]).stdout.trimmingCharacters(in: .newlines))
        #expect(shown["data"]?["name"]?.stringValue == D.patientBName)
        #expect(shown["commitment"]?.stringValue == b.commitment)
        #expect(shown["commitment_matches"] == .bool(true))
        let logBefore = try f.ok(["log"]).stdout
        #expect(logBefore.contains(b.commitment) && !logBefore.contains(D.patientBName))

        let erased = try f.ok(["patient", "erase", b.ref])
        #expect(erased.stdout.contains("erased the personal data of \(b.ref)"))
        try f.expectVerifies()
        #expect(try f.ok(["log"]).stdout == logBefore, "the chain is untouched")
        #expect(try f.place.personalData("SELECT data IS NULL, salt IS NULL, erased IS NOT NULL, commitment FROM personal_data WHERE ref = '\(b.ref)'")
                == "1|1|1|\(b.commitment)")

        let show = try f.csledger(["patient", "show", b.ref])
        #expect(show.status == 2)
        #expect(show.stderr == "csledger: error: no personal data on file for \(b.ref) (never added, or erased) [not-found]\n")

        let before = try f.checkpoint()
        for args in [D.rxAdd("RX-1003", patient: "$PB", time: "2026-03-05T09:00:00Z"),
                     D.administer(patient: "$PB", time: "2026-03-05T10:00:00Z"),
                     D.dispense("RX-1002", time: "2026-03-05T11:00:00Z")] {
            let r = try f.csledger(args)
            try f.expectRefusal(r, "not-found", ["the personal data of \(b.ref) was erased"])
        }
        // Around the CLI too: a signed statement naming the erased patient is refused by the rules.
        let body = try #require(try JSONParser.parse(#"{"lot_id":"\#(D.vialLotID)","patient":\#(JCS.serializeString(b.json)),"order":"ORD-9","drawn":"1","given":"1"}"#).objectValue)
        let raw = try f.submitStatement(type: "dose.administered", body: body, actor: "clinician", time: "2026-03-05T12:00:00Z")
        try f.expectRefusal(raw, "invalid-body", ["dose.administered: patient.ref names a record whose personal data was erased"])
        #expect(try f.checkpoint() == before)

        let again = try f.csledger(["patient", "erase", b.ref])
        #expect(again.status == 2)
        #expect(again.stderr.contains("no personal data on file for \(b.ref), or it was already erased [not-found]"), "\(again.stderr)")
        // The other patient is untouched.
        #expect(try f.ok(["patient", "show", f.patientA.ref]).stdout.contains(D.patientAName))
        try f.record(D.dispense(time: "2026-03-05T13:00:00Z"))
        try f.expectVerifies()
    }

    @Test("errors about a command that carries personal data never repeat it", arguments: Backend.allCases)
    func errorsDoNotRepeatPersonalData(_ backend: Backend) throws {
        guard let f = try D.make(backend) else { return }
        let cases: [([String], String)] = [
            (["patient", "add", "--name", D.patientAName, "--address", D.patientAAddress, "--dob", "1984-13-40"], "--dob must be a past date YYYY-MM-DD"),
            (["patient", "add", "--name", D.patientAName, "--address", " ", "--dob", "1984-07-19"], "--address must be 1 to 200 characters"),
            (["patient", "show", "P-0000000000"], "no personal data on file for P-0000000000"),
            (D.deliver(tracking: "1ZNOPE0000000000", delivered: "2026-03-04T15:00:00Z", image: "missing.png", time: "2026-03-04T16:00:00Z"),
             "cannot read the signature image missing.png"),
        ]
        for (args, says) in cases {
            let r = try f.csledger(args)
            #expect(r.status == 2, "\(args.prefix(2)): \(r.stderr)")
            #expect(r.stderr.contains(says), "\(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1)
            for s in D.personalData { #expect(!r.stderr.contains(s), "personal data in: \(r.stderr)") }
        }
    }

    @Test("a refused delivery keeps no personal data of the person who signed", arguments: Backend.allCases)
    func refusedDeliveryKeepsNoSigner(_ backend: Backend) throws {
        guard let f = try D.make(backend) else { return }
        _ = try f.writeImage()
        let count = "SELECT count(*) FROM personal_data WHERE kind = 'delivery_signer'"
        #expect(try f.place.personalData(count) == "0")
        let r = try f.csledger(D.deliver(tracking: "1ZNOPE0000000000", delivered: "2026-03-04T15:00:00Z", time: "2026-03-04T16:00:00Z"))
        try f.expectRefusal(r, "invalid-body", ["tracking 1ZNOPE0000000000 matches no shipment"])
        let kept = try f.place.personalData(count)
        #expect(kept == "0", "the signer's name and ID digits of a refused delivery are kept")
        let images = (try? FileManager.default.contentsOfDirectory(atPath: f.place.filesDirectory + "/proof-of-delivery")) ?? []
        #expect(images.isEmpty, "the signature of a refused delivery is kept: \(images)")
    }

    @Test("a refused delivery does not take away the signature image of a delivery recorded with the same image", arguments: Backend.allCases)
    func refusedDeliveryKeepsARecordedImage(_ backend: Backend) throws {
        guard let f = try D.make(backend) else { return }
        try f.record(D.dispense(time: "2026-03-03T10:00:00Z"))
        try f.record(D.ship(tracking: "1Z999AA10123456784", time: "2026-03-03T11:00:00Z"))
        let image = try f.writeImage()
        let kept = f.place.filesDirectory + "/proof-of-delivery/\(Hash.sha256(Array(image)).hex).png"
        try f.record(D.deliver(tracking: "1Z999AA10123456784", delivered: "2026-03-04T15:02:00Z", time: "2026-03-04T16:00:00Z"))
        // The same image sent again, for a parcel that was never shipped: refused.
        let r = try f.csledger(D.deliver(tracking: "1ZNOPE0000000000", delivered: "2026-03-04T15:00:00Z", time: "2026-03-04T16:30:00Z"))
        try f.expectRefusal(r, "invalid-body", ["tracking 1ZNOPE0000000000 matches no shipment"])
        #expect(FileManager.default.contents(atPath: kept) == image, "the recorded delivery's signature image was removed")
        #expect(try f.place.personalData("SELECT count(*) FROM personal_data WHERE kind = 'delivery_signer'") == "1", "only the recorded delivery's signer stays")
    }
}
