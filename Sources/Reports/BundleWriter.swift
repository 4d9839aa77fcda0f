import Foundation
import LedgerCore
import LedgerStore

/// Writes a signed report bundle (SPEC §5) from the ledger file:
///
/// - `manifest.json`: the canonical (RFC 8785) form of
///   `{"v":1,"kind","origin","generated","range","checkpoint","files":[{"path","sha256","bytes"}]}`;
/// - `manifest.sig`: the raw 64-byte Ed25519 signature of the facility key over those bytes;
/// - `facility.pub.pem`: the facility public key;
/// - `entries.jsonl`: the stored canonical bytes of every entry the report uses, one a line, in seq order,
///   together with the genesis entry and the enrolment and revocation entries of every signer involved;
/// - `proofs.json`: one RFC 9162 inclusion proof per entry against the manifest's checkpoint,
///   a JSON array with one proof a line, in the order of `entries.jsonl`;
/// - the report files.
///
/// The bundle is written into a temporary folder beside the destination and renamed into place,
/// so a failure leaves nothing half-written.
package struct BundleWriter: Sendable {
    /// What was written.
    package struct Summary: Sendable {
        package let path: String
        package let entries: Int
        package let checkpointSize: Int
        package let files: [String]
    }

    let database: LedgerDatabase
    let facilityKey: SignerKey
    let origin: String
    /// The checkpoint the bundle is proved against: the latest one when the writer was made.
    package let checkpoint: LedgerDatabase.StoredCheckpoint

    /// A writer for the ledger in `database`, signing with `facilityKey`, which must be the ledger's facility key.
    package init(database: LedgerDatabase, facilityKey: SignerKey) throws {
        guard let expected = try database.meta("facility_key_id").flatMap(KeyID.init), let origin = try database.meta("origin") else {
            throw LedgerError(.ledgerCorrupt, "the ledger has no facility key or origin recorded; run verify")
        }
        guard facilityKey.keyID == expected else {
            throw LedgerError(.signatureInvalid, "the facility key given (\(facilityKey.keyID.short)) is not this ledger's facility key (\(expected.short)); a bundle must be signed by the facility")
        }
        guard let cp = try database.latestCheckpoint() else {
            throw LedgerError(.ledgerCorrupt, "the ledger has no signed checkpoint; run verify")
        }
        self.database = database
        self.facilityKey = facilityKey
        self.origin = origin
        self.checkpoint = cp
    }

    /// Writes the bundle into the folder `destination` (which must not exist, or be empty).
    /// - Parameters:
    ///   - kind: the report kind (`inspection`, `asap`, ...).
    ///   - range: what the report covers, e.g. `{"from": ..., "to": ...}`.
    ///   - files: the report files.
    ///   - entrySeqs: the entries the report was computed from.
    package func write(kind: String, range: [String: JSONValue], files: [ReportFile], entrySeqs: Set<Int>,
                      to destination: String, generated: Timestamp = .now()) throws -> Summary {
        let dest = try Self.checkDestination(destination)
        for f in files {
            guard ReportFile.isSafeName(f.path), !ReportFile.reserved.contains(f.path) else {
                throw LedgerError(.invalidArgument, "report file name \(f.path.prefix(60)) is not allowed in a bundle")
            }
        }
        guard Set(files.map(\.path)).count == files.count else { throw LedgerError(.invalidArgument, "two report files have the same name") }
        let size = checkpoint.treeSize
        if let beyond = entrySeqs.first(where: { $0 >= size || $0 < 0 }) {
            throw LedgerError(.notFound, "entry \(beyond) is not covered by the latest checkpoint (\(size) entries); run the export again")
        }
        let seqs = try withSigners(entrySeqs).sorted()
        var lines: [UInt8] = []
        var proofLines: [String] = []
        for seq in seqs {
            guard let bytes = try database.entryBytes(seq) else { throw LedgerError(.ledgerCorrupt, "entry \(seq) is missing; run verify") }
            lines += bytes
            lines.append(0x0A)
            let path = try database.inclusionProof(index: seq, size: size)
            let proof: JSONValue = ["tree_size": .number(Double(size)), "leaf_index": .number(Double(seq)),
                                    "path": .array(path.map { .string($0.base64) })]
            proofLines.append(JCS.serializeString(proof))
        }
        let proofs = "[\n" + proofLines.joined(separator: ",\n") + "\n]\n"
        let all = files + [ReportFile(path: "entries.jsonl", bytes: lines), ReportFile(path: "proofs.json", text: proofs)]
        let manifest: JSONValue = [
            "v": 1, "kind": .string(kind), "origin": .string(origin), "generated": .string(generated.description),
            "range": .object(range), "checkpoint": .string(try database.cosignedNote(checkpoint)),
            "files": .array(all.map { f in
                ["path": .string(f.path), "sha256": .string(Hash.sha256(f.bytes).hex), "bytes": .number(Double(f.bytes.count))]
            }),
        ]
        let manifestBytes = JCS.serialize(manifest)
        var out = all
        out.append(ReportFile(path: "manifest.json", bytes: manifestBytes))
        out.append(ReportFile(path: "manifest.sig", bytes: facilityKey.sign(manifestBytes)))
        out.append(ReportFile(path: "facility.pub.pem", text: facilityKey.publicKey.pem))
        try Self.writeAtomically(out, to: dest)
        return Summary(path: dest.path, entries: seqs.count, checkpointSize: size, files: all.map(\.path))
    }

    /// `seqs` with the genesis entry and the enrolment and revocation entries of every signer of them
    /// (and of the admins who enrolled those signers), so an outsider can get every public key from the chain.
    func withSigners(_ seqs: Set<Int>) throws -> Set<Int> {
        var enrolled: [KeyID: Int] = [:]
        var revoked: [KeyID: Int] = [:]
        var coreSigners: [Int: [KeyID]] = [:]
        for type in [CoreStatementType.actorEnrolled, CoreStatementType.actorRevoked] {
            try database.forEachBatch(range: 0...(checkpoint.treeSize - 1), type: type) { rows in
                for row in rows {
                    let e = try Entry.decode(canonicalBytes: row.bytes)
                    coreSigners[e.seq] = e.signatures.map(\.key)
                    if type == CoreStatementType.actorEnrolled, let pk = e.statement.body[ActorEnrolled.Member.publicKey]?.stringValue,
                       let key = try? SignerPublicKey(base64: pk) {
                        enrolled[key.keyID] = enrolled[key.keyID] ?? e.seq
                    } else if let k = e.statement.body[ActorRevoked.Member.key]?.stringValue, let key = KeyID(k) {
                        revoked[key] = revoked[key] ?? e.seq
                    }
                }
                return true
            }
        }
        var result = seqs
        result.insert(0)
        var pending: [KeyID] = []
        for seq in seqs where seq != 0 {
            if let s = coreSigners[seq] { pending += s; continue }
            guard let bytes = try database.entryBytes(seq) else { throw LedgerError(.ledgerCorrupt, "entry \(seq) is missing; run verify") }
            pending += try Entry.decode(canonicalBytes: bytes).signatures.map(\.key)
        }
        var seen = Set<KeyID>()
        while let key = pending.popLast() {
            guard seen.insert(key).inserted else { continue }
            for seq in [enrolled[key], revoked[key]].compactMap({ $0 }) where result.insert(seq).inserted {
                pending += coreSigners[seq] ?? []
            }
        }
        return result
    }

    /// The destination as a URL, after checking it: no `..`, not a symbolic link, not an existing non-empty
    /// folder or a file, and its parent folder exists.
    package static func checkDestination(_ path: String) throws -> URL {
        guard !path.isEmpty else { throw LedgerError(.invalidArgument, "--out must name a folder") }
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        guard !parts.contains(".."), let last = parts.last, last != "." else {
            throw LedgerError(.invalidArgument, "--out \(path.prefix(80)) must name a folder without '..' or '.'")
        }
        let url = URL(fileURLWithPath: path).standardizedFileURL
        let fm = FileManager.default
        if (try? fm.destinationOfSymbolicLink(atPath: url.path)) != nil {
            throw LedgerError(.invalidArgument, "--out \(path.prefix(80)) is a symbolic link; give a real folder")
        }
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: url.path, isDirectory: &isDir) {
            guard isDir.boolValue else { throw LedgerError(.invalidArgument, "--out \(path.prefix(80)) is a file; give a new or empty folder") }
            let contents = (try? fm.contentsOfDirectory(atPath: url.path)) ?? ["?"]
            guard contents.isEmpty else {
                throw LedgerError(.invalidArgument, "--out \(path.prefix(80)) is a folder that is not empty; an export is written only into a new or empty folder")
            }
        }
        var parentIsDir: ObjCBool = false
        let parent = url.deletingLastPathComponent()
        guard fm.fileExists(atPath: parent.path, isDirectory: &parentIsDir), parentIsDir.boolValue else {
            throw LedgerError(.invalidArgument, "the folder \(parent.path.prefix(80)) that should hold --out does not exist")
        }
        return url
    }

    /// Writes every file into a temporary folder beside `dest`, then renames it to `dest`.
    static func writeAtomically(_ files: [ReportFile], to dest: URL) throws {
        let fm = FileManager.default
        let temp = dest.deletingLastPathComponent().appendingPathComponent(".\(dest.lastPathComponent).partial-\(UUID().uuidString)")
        do {
            try fm.createDirectory(at: temp, withIntermediateDirectories: false)
            for f in files {
                try Data(f.bytes).write(to: temp.appendingPathComponent(f.path), options: .withoutOverwriting)
            }
            if fm.fileExists(atPath: dest.path) { try fm.removeItem(at: dest) }  // checked empty above
            try fm.moveItem(at: temp, to: dest)
        } catch {
            try? fm.removeItem(at: temp)
            throw LedgerError(.storage, "cannot write the export to \(dest.path.prefix(120)): \(error.localizedDescription)")
        }
    }
}
