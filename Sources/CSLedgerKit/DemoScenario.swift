import Foundation
import LedgerCore
import LedgerStore

/// The README's front door: a demo ledger built from nothing, verified, with the
/// files an outsider needs to check it with `openssl` alone.
public enum DemoScenario {
    /// What the demo produced.
    public struct Result: Sendable {
        public let ledgerPath: String
        public let report: VerificationReport
        public let checkpoint: String
    }

    static let marker = ".csledger-demo"

    /// Builds the demo in `directory` (replacing an earlier demo there, refusing any other folder).
    public static func run(directory: String, say: (String) -> Void) throws -> Result {
        let fm = FileManager.default
        let dir = URL(fileURLWithPath: directory)
        if fm.fileExists(atPath: dir.path) {
            guard fm.fileExists(atPath: dir.appendingPathComponent(marker).path) else {
                throw LedgerError(.invalidArgument, "\(directory) exists and is not an earlier demo; choose another --dir")
            }
            try fm.removeItem(at: dir)
        }
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        _ = fm.createFile(atPath: dir.appendingPathComponent(marker).path, contents: Data("csledger demo folder\n".utf8))
        let keysDir = dir.appendingPathComponent("Keys").path
        let ledgerPath = dir.appendingPathComponent("ledger.sqlite").path

        say("1. Keys: one Ed25519 key per signer, PEM files in \(keysDir)")
        var keys: [String: SignerKey] = [:]
        for name in ["facility", "pharmacist", "clinician", "witness", "compliance"] {
            let key = SignerKey()
            try KeyFiles.generate(name: name, directory: keysDir, key: key)
            keys[name] = key
            say("   \(name.padding(toLength: 11, withPad: " ", startingAt: 0)) \(key.keyID.short)…")
        }
        let facility = keys["facility"]!

        say("2. Ledger: \(ledgerPath), genesis entry signed by the facility key")
        let origin = "demo.csledger.example/ledger"
        let ledger = try Ledger.create(path: ledgerPath, origin: origin, facilityName: "Demo Ketamine Clinic",
                                       deaNumber: "BD1234563", facilityKey: facility)

        say("3. Signers enrolled by the facility (an admin):")
        for (name, role, person) in [("pharmacist", Role.pharmacist, "Dana Reyes, PharmD"),
                                     ("clinician", .clinician, "Sam Okafor, MD"),
                                     ("witness", .witness, "Lee Park, RN"),
                                     ("compliance", .compliance, "Ari Cohen")] {
            let e = try ledger.enroll(name: person, role: role, publicKey: keys[name]!.publicKey, adminKey: facility, facilityKey: facility)
            say("   seq \(e.entry.seq): \(person) as \(role.rawValue)")
        }

        let report = try ledger.verify()
        say("4. Verification: \(report.entries) entries, \(report.signaturesChecked) signatures, \(report.checkpointsChecked) checkpoints: \(report.isClean ? "OK" : "FAILED")")
        for f in report.failures { say("   \(f)") }

        let cp = try ledger.checkpoint()
        let cpPath = dir.appendingPathComponent("checkpoint.txt").path
        try Data(cp.note.utf8).write(to: URL(fileURLWithPath: cpPath))
        say("5. Signed checkpoint (kept in \(cpPath)):")
        for line in cp.note.split(separator: "\n", omittingEmptySubsequences: false).dropLast() { say("   \(line)") }

        let last = cp.treeSize - 1
        let proof = try ledger.inclusionProof(seq: last)
        let proofPath = dir.appendingPathComponent("entry-\(last).tlog-proof").path
        try Data(proof.serialized.utf8).write(to: URL(fileURLWithPath: proofPath))
        say("6. Inclusion proof of entry \(last): \(proofPath)")

        // The files an outsider needs to check one signature with openssl alone.
        let entry = try ledger.database.entry(last)
        let stmtPath = dir.appendingPathComponent("entry-\(last).statement.jcs").path
        let sigPath = dir.appendingPathComponent("entry-\(last).sig").path
        try Data(entry.statement.signingInput).write(to: URL(fileURLWithPath: stmtPath))
        try Data(entry.signatures[0].signature).write(to: URL(fileURLWithPath: sigPath))
        say("7. Check entry \(last)'s signature without csledger:")
        say("   openssl pkeyutl -verify -pubin -inkey \(keysDir)/facility.pub.pem -rawin -in \(stmtPath) -sigfile \(sigPath)")
        say("   Then: csledger verify --ledger \(ledgerPath) --checkpoint \(cpPath)")
        return Result(ledgerPath: ledgerPath, report: report, checkpoint: cp.note)
    }
}
