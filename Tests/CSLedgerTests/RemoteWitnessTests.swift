import Foundation
import Testing
@testable import CSLedgerKit
@testable import LedgerCore
@testable import LedgerStore

/// A witness who is elsewhere signs a draft: `--witness KEYID --draft FILE`, `cosign`, `submit`.
@Suite("Witnesses sign remotely")
struct RemoteWitnessTests {
    typealias D = DispensingLedger

    @Test("waste: the draft is written, submit refuses it unsigned, the witness cosigns, submit appends actor then witness")
    func remoteWaste() throws {
        let f = try D.make()
        let pharmacist = try f.keyID("pharmacist"), witness = try f.keyID("witness")
        let before = try f.checkpoint()
        let size = try f.size()
        let w = try f.ok(D.waste(quantity: "2", time: "2026-03-05T17:00:00Z", witnesses: ["--witness", witness, "--draft", "d.json"]))
        #expect(w.stdout.contains("draft written to d.json; waiting for 1 witness signature(s)"), "\(w.stdout)")
        #expect(try f.size() == size && (try f.checkpoint()) == before, "a draft appends nothing")
        let draft = try JSONParser.parse(try String(contentsOfFile: f.dir.path("d.json"), encoding: .utf8))
        #expect(draft["sigs"]?.arrayValue?.compactMap { $0["key"]?.stringValue } == [pharmacist])
        #expect(draft["statement"]?["witnesses"] == [.string(witness)])

        let unsigned = try f.csledger(["submit", "d.json"])
        #expect(unsigned.status == 2)
        #expect(unsigned.stderr == "csledger: error: the draft still needs 1 witness signature(s): csledger cosign d.json --key WITNESS.pem [signature-invalid]\n")
        #expect(try f.checkpoint() == before)

        let stranger = try f.csledger(["cosign", "d.json", "--key", "Keys/stranger.pem"])
        #expect(stranger.status == 2)
        #expect(stranger.stderr.hasSuffix("this key is not a witness of the statement [signature-invalid]\n"), "\(stranger.stderr)")

        let signed = try f.ok(["cosign", "d.json", "--key", "Keys/witness.pem"])
        #expect(signed.stdout.contains("signed; the draft is complete: csledger submit d.json"))
        let twice = try f.csledger(["cosign", "d.json", "--key", "Keys/witness.pem"])
        #expect(twice.status == 2 && twice.stderr.contains("this witness has already signed"), "\(twice.stderr)")

        let seq = try f.record(["submit", "d.json"])
        #expect(seq == size)
        let entry = try f.entry(seq)
        #expect(entry["sigs"]?.arrayValue?.compactMap { $0["key"]?.stringValue } == [pharmacist, witness], "actor first, then the witness")
        #expect(entry["statement"]?["actor"]?.stringValue == pharmacist)
        #expect(entry["statement"]?["type"]?.stringValue == "waste.recorded")
        try f.expectLot(D.vialLot, ["received": "100", "wasted": "2", "on_hand": "98"])
        try f.expectVerifies()
    }

    @Test("destruction: one witness signs in the room, the second remotely; sigs are actor, witness, witness2")
    func remoteSecondWitness() throws {
        let f = try D.make()
        let w2 = try f.keyID("witness2")
        var args = D.destroy(["\(D.vialLot)=10"], time: "2026-03-06T14:00:00Z", witnesses: D.witnessed)
        args += ["--witness", w2, "--draft", "destroy.json"]
        let w = try f.ok(args)
        #expect(w.stdout.contains("waiting for 1 witness signature(s)"), "the witness in the room has signed already: \(w.stdout)")
        try f.ok(["cosign", "destroy.json", "--key", "Keys/witness2.pem"])
        let seq = try f.record(["submit", "destroy.json"])
        #expect(try f.entry(seq)["sigs"]?.arrayValue?.compactMap { $0["key"]?.stringValue }
                == [try f.keyID("compliance"), try f.keyID("witness"), w2])
        try f.expectLot(D.vialLot, ["received": "100", "destroyed": "10", "on_hand": "90"])
        try f.expectVerifies()
    }

    @Test("a draft changed after signing is refused on submit")
    func tamperedDraft() throws {
        let f = try D.make()
        try f.ok(D.waste(quantity: "2", time: "2026-03-05T17:00:00Z", witnesses: ["--witness", try f.keyID("witness"), "--draft", "d.json"]))
        try f.ok(["cosign", "d.json", "--key", "Keys/witness.pem"])
        let path = f.dir.path("d.json")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains(#""quantity":"2""#))
        try text.replacingOccurrences(of: #""quantity":"2""#, with: #""quantity":"0.2""#).write(toFile: path, atomically: true, encoding: .utf8)
        let before = try f.checkpoint()
        let r = try f.csledger(["submit", "d.json"])
        #expect(r.status == 2)
        #expect(r.stderr.hasPrefix("csledger: error: signature by key ") && r.stderr.hasSuffix(" does not verify [signature-invalid]\n"), "\(r.stderr)")
        #expect(try f.checkpoint() == before)
    }

    @Test("a draft submitted twice is appended once")
    func submittedTwice() throws {
        let f = try D.make()
        try f.ok(D.waste(quantity: "2", time: "2026-03-05T17:00:00Z", witnesses: ["--witness", try f.keyID("witness"), "--draft", "d.json"]))
        try f.ok(["cosign", "d.json", "--key", "Keys/witness.pem"])
        try f.ok(["submit", "d.json"])
        let before = try f.checkpoint()
        let again = try f.csledger(["submit", "d.json"])
        #expect(again.status == 2, "a replayed statement must be refused: \(again.stdout)")
        #expect(again.stderr.contains("already in the ledger"))
        #expect(try f.checkpoint() == before)
        try f.expectLot(D.vialLot, ["received": "100", "wasted": "2", "on_hand": "98"])
    }
}
