import Foundation
import LedgerCore

/// Checks a report bundle offline, from the folder's bytes alone (no ledger file, no database):
///
/// 1. `manifest.sig` is the facility key's Ed25519 signature over `manifest.json`, whose key is `facility.pub.pem`;
/// 2. every file the manifest lists is a plain file inside the folder (no `..`, no absolute path, no symbolic link)
///    with the listed size and SHA-256, and no other file is present;
/// 3. the manifest's checkpoint is signed by the facility key for the manifest's origin;
/// 4. every line of `entries.jsonl` is an entry in canonical form, in increasing seq order, starting with the genesis
///    entry that enrols the facility key; consecutive seqs are chained by `prev`;
/// 5. every entry's signatures verify with keys enrolled (and not revoked) by included entries before it;
/// 6. every entry has an inclusion proof in `proofs.json` leading to the checkpoint's root;
/// 7. report rows name included entries (the `seq` column of CSV files; each ASAP DSP segment's prescription fill),
///    and disclosed personal data matches the commitments in included entries (SPEC §6).
///
/// Every failure is listed with its file and seq; nothing stops at the first.
package enum BundleVerifier {
    /// Checks the bundle in `directory`. Throws only when the folder cannot be read at all.
    package static func verify(directory: String) throws -> BundleVerification {
        var v = BundleVerification()
        let dir = URL(fileURLWithPath: directory)
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: dir.path, isDirectory: &isDir), isDir.boolValue else {
            throw LedgerError(.invalidArgument, "\(directory.prefix(120)) is not a folder; give the bundle's folder")
        }
        let present: [String]
        do { present = try fm.contentsOfDirectory(atPath: dir.path) } catch {
            throw LedgerError(.storage, "cannot read the folder \(directory.prefix(120))")
        }

        func read(_ name: String) -> [UInt8]? {
            guard ReportFile.isSafeName(name) else {
                v.fail(name, nil, "is not a plain file name inside the bundle (a path with '/', '..' or a leading '.'); not opened")
                return nil
            }
            let url = dir.appendingPathComponent(name)
            guard let attrs = try? fm.attributesOfItem(atPath: url.path) else {
                v.fail(name, nil, "is missing")
                return nil
            }
            guard (attrs[.type] as? FileAttributeType) == .typeRegular else {
                v.fail(name, nil, "is not a regular file (a symbolic link or folder is never followed)")
                return nil
            }
            guard let data = fm.contents(atPath: url.path) else {
                v.fail(name, nil, "cannot be read")
                return nil
            }
            return Array(data)
        }

        // 1. Manifest and its signature.
        guard let manifestBytes = read("manifest.json") else { return v }
        let pemBytes = read("facility.pub.pem")
        let sigBytes = read("manifest.sig")
        var facility: SignerPublicKey?
        if let pemBytes {
            do { facility = try SignerPublicKey(pem: String(decoding: pemBytes, as: UTF8.self)) } catch {
                v.fail("facility.pub.pem", nil, "is not an Ed25519 public key in PEM form")
            }
        }
        if let facility, let sigBytes {
            if sigBytes.count != 64 || !facility.isValidSignature(sigBytes, for: manifestBytes) {
                v.fail("manifest.sig", nil, "is not the facility key's signature over manifest.json: the manifest or the signature was changed")
            }
        }
        guard let manifest = try? JSONParser.parse(manifestBytes), manifest["v"]?.integerValue == 1,
              let files = manifest["files"]?.arrayValue, let checkpointText = manifest["checkpoint"]?.stringValue,
              let origin = manifest["origin"]?.stringValue else {
            v.fail("manifest.json", nil, "is not a version 1 manifest with origin, checkpoint and files")
            return v
        }
        v.kind = manifest["kind"]?.stringValue
        v.origin = origin

        // 2. Listed files.
        var contents: [String: [UInt8]] = [:]
        for f in files {
            guard let path = f["path"]?.stringValue, let sha = f["sha256"]?.stringValue, let size = f["bytes"]?.integerValue else {
                v.fail("manifest.json", nil, "a file entry lacks path, sha256 or bytes")
                continue
            }
            guard ReportFile.isSafeName(path), !["manifest.json", "manifest.sig"].contains(path) else {
                v.fail(String(path.prefix(100)), nil, "the manifest names a path outside the bundle folder or a reserved name; refused")
                continue
            }
            guard let bytes = read(path) else { continue }
            v.filesChecked += 1
            if bytes.count != size { v.fail(path, nil, "has \(bytes.count) bytes, the manifest says \(size)") }
            if Hash.sha256(bytes).hex != sha { v.fail(path, nil, "its SHA-256 differs from the manifest's: the file was changed") }
            contents[path] = bytes
        }
        for name in present.sorted() where contents[name] == nil && !["manifest.json", "manifest.sig", "facility.pub.pem"].contains(name)
            && !files.contains(where: { $0["path"]?.stringValue == name }) {
            v.fail(name, nil, "is in the folder but not listed in the signed manifest")
        }

        // 3. The checkpoint.
        var root: Hash?
        do {
            let note = try SignedNote.parse(checkpointText)
            let cp = try Checkpoint(body: note.text)
            v.checkpointSize = cp.size
            if cp.origin != origin { v.fail("manifest.json", nil, "the checkpoint's origin \(cp.origin) is not the manifest's \(origin)") }
            if let facility, !note.verify(keyName: cp.origin, publicKey: facility.curve25519) {
                v.fail("manifest.json", nil, "the checkpoint is not signed by the facility key")
            }
            root = cp.rootHash
        } catch {
            v.fail("manifest.json", nil, "the checkpoint is not a valid signed note: \(error)")
        }

        // 4-6. Entries, signatures, proofs.
        guard let entryBytes = contents["entries.jsonl"] else {
            if !files.contains(where: { $0["path"]?.stringValue == "entries.jsonl" }) { v.fail("manifest.json", nil, "does not list entries.jsonl") }
            return v
        }
        let lines = entryBytes.split(separator: 0x0A, omittingEmptySubsequences: false)
        var entries: [(entry: Entry, leaf: Hash)] = []
        for (i, line) in lines.enumerated() {
            if line.isEmpty { if i != lines.count - 1 { v.fail("entries.jsonl", nil, "line \(i + 1) is empty") }; continue }
            do {
                let e = try Entry.decode(canonicalBytes: line)
                entries.append((e, MerkleTree.leafHash(line)))
            } catch let e as LedgerError {
                v.fail("entries.jsonl", seqHint(line), "line \(i + 1): \(e.message)")
            } catch {
                v.fail("entries.jsonl", seqHint(line), "line \(i + 1) is not an entry")
            }
        }
        v.entries = entries.count
        var registry = SignerRegistry()
        var lastSeq = -1
        var previous: (seq: Int, leaf: Hash)?
        var included = Set<Int>()
        var commitments = Set<String>()
        for (e, leaf) in entries {
            if e.seq <= lastSeq { v.fail("entries.jsonl", e.seq, "entries are not in increasing seq order") }
            lastSeq = max(lastSeq, e.seq)
            included.insert(e.seq)
            if e.seq == 0, let facility, e.statement.body[LedgerCreated.Member.publicKey]?.stringValue != facility.base64 {
                v.fail("entries.jsonl", 0, "the genesis entry enrols another facility key than facility.pub.pem")
            }
            if let p = previous, p.seq + 1 == e.seq, e.prev != p.leaf {
                v.fail("entries.jsonl", e.seq, "its prev is not the hash of entry \(p.seq): the chain is broken")
            }
            if e.seq == 0, e.prev != .zero { v.fail("entries.jsonl", 0, "the genesis entry's prev must be zeros") }
            previous = (e.seq, leaf)
            let problems = e.signed.signatureProblems { key in
                e.seq == 0 ? LedgerCreated.publicKey(of: e.statement) : registry[key]?.publicKey
            }
            v.signaturesChecked += e.signatures.count
            for p in problems { v.fail("entries.jsonl", e.seq, p) }
            for key in e.statement.signers where e.seq != 0 {
                if let why = registry.authorizationProblem(key, at: e.seq) { v.fail("entries.jsonl", e.seq, "\(why) (by the entries in this bundle)") }
            }
            do { try registry.apply(e.statement, at: e.seq) } catch let err as LedgerError {
                v.fail("entries.jsonl", e.seq, err.message)
            } catch {}
            collectCommitments(.object(e.statement.body), into: &commitments)
        }
        if entries.first?.entry.seq != 0 { v.fail("entries.jsonl", nil, "does not start with the genesis entry (seq 0)") }
        if registry.origin != nil, registry.origin != origin { v.fail("entries.jsonl", 0, "the genesis origin is not the manifest's origin") }

        if let proofBytes = contents["proofs.json"] {
            let proofs = (try? JSONParser.parse(proofBytes, limits: .init(maxBytes: 1 << 30)))?.arrayValue
            if proofs == nil { v.fail("proofs.json", nil, "is not a JSON list of proofs") }
            let list = proofs ?? []
            if list.count != entries.count { v.fail("proofs.json", nil, "holds \(list.count) proofs for \(entries.count) entries") }
            for (i, (e, leaf)) in entries.enumerated() where i < list.count {
                let p = list[i]
                guard let index = p["leaf_index"]?.integerValue, let size = p["tree_size"]?.integerValue,
                      let path = p["path"]?.arrayValue?.map({ $0.stringValue.flatMap(Hash.init(base64:)) }), !path.contains(where: { $0 == nil }) else {
                    v.fail("proofs.json", e.seq, "proof \(i + 1) is malformed")
                    continue
                }
                if index != e.seq { v.fail("proofs.json", e.seq, "proof \(i + 1) is for leaf \(index), not entry \(e.seq)") }
                if size != v.checkpointSize { v.fail("proofs.json", e.seq, "the proof is against a tree of \(size), not the checkpoint's") }
                guard let root else { continue }
                v.proofsChecked += 1
                if !MerkleTree.verifyInclusion(leaf: leaf, index: e.seq, size: size, proof: path.compactMap { $0 }, root: root) {
                    v.fail("proofs.json", e.seq, "the inclusion proof does not lead to the checkpoint's root: the entry or the proof was changed")
                }
            }
        } else if !files.contains(where: { $0["path"]?.stringValue == "proofs.json" }) {
            v.fail("manifest.json", nil, "does not list proofs.json")
        }

        // 7. Report rows and personal data.
        let entryByseq = Dictionary(entries.map { ($0.entry.seq, $0.entry) }, uniquingKeysWith: { a, _ in a })
        for (name, bytes) in contents.sorted(by: { $0.key < $1.key }) {
            if name.hasSuffix(".csv") { checkCSV(name, bytes, included: included, into: &v) }
            if name.hasSuffix(".asap.txt") { checkASAP(name, bytes, entries: entryByseq, into: &v) }
            if name == "personal-data.jsonl" { checkPersonalData(bytes, commitments: commitments, into: &v) }
        }
        return v
    }

    static func seqHint(_ line: some Collection<UInt8>) -> Int? {
        (try? JSONParser.parse(line))?["seq"]?.integerValue
    }

    /// Every `{"ref", "commitment"}` pair in a statement body, as `ref commitment`.
    static func collectCommitments(_ value: JSONValue, into set: inout Set<String>) {
        switch value {
        case .object(let o):
            if let r = o["ref"]?.stringValue, let c = o["commitment"]?.stringValue { set.insert(r + " " + c) }
            for v in o.values { collectCommitments(v, into: &set) }
        case .array(let a):
            for v in a { collectCommitments(v, into: &set) }
        default: break
        }
    }

    static func checkCSV(_ name: String, _ bytes: [UInt8], included: Set<Int>, into v: inout BundleVerification) {
        let rows = CSV.parse(String(decoding: bytes, as: UTF8.self))
        guard let header = rows.first else { v.fail(name, nil, "is empty"); return }
        let columns = header.indices.filter { header[$0] == "seq" || header[$0].hasSuffix("_seq") }
        for row in rows.dropFirst() {
            for c in columns where c < row.count && !row[c].isEmpty {
                guard let seq = Int(row[c]) else { v.fail(name, nil, "column \(header[c]) holds \(row[c].prefix(20)), not a seq"); continue }
                if !included.contains(seq) { v.fail(name, seq, "a row names entry \(seq), which is not in entries.jsonl") }
            }
        }
    }

    static func checkASAP(_ name: String, _ bytes: [UInt8], entries: [Int: Entry], into v: inout BundleVerification) {
        let text = String(decoding: bytes, as: UTF8.self)
        var fills = Set<String>()
        for e in entries.values where e.statement.type == PrescriptionDispensed.type {
            if let b = try? PrescriptionDispensed(statement: e.statement) { fills.insert("\(b.rxNumber)*\(b.fillNumber - 1)") }
        }
        for segment in text.split(separator: "~") {
            let elements = segment.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "*", omittingEmptySubsequences: false)
            guard elements.first == "DSP", elements.count > 6, !elements[2].isEmpty else { continue }
            let key = "\(elements[2])*\(Int(elements[6]) ?? -1)"
            if !fills.contains(key) { v.fail(name, nil, "DSP for prescription \(elements[2].prefix(30)) refill \(elements[6]) matches no rx.dispensed entry in the bundle") }
        }
    }

    static func checkPersonalData(_ bytes: [UInt8], commitments: Set<String>, into v: inout BundleVerification) {
        for (i, line) in bytes.split(separator: 0x0A).enumerated() {
            guard let o = try? JSONParser.parse(line), let ref = o["ref"]?.stringValue, let c = o["commitment"]?.stringValue,
                  let saltHex = o["salt"]?.stringValue, let salt = Hex.decode(saltHex), salt.count == 32, let data = o["data"]?.objectValue else {
                v.fail("personal-data.jsonl", nil, "line \(i + 1) is not {ref, commitment, salt, data}")
                continue
            }
            v.personalRecordsChecked += 1
            if Hash.sha256(salt + JCS.serialize(.object(data))).hex != c {
                v.fail("personal-data.jsonl", nil, "line \(i + 1) (\(ref.prefix(20))): the data and salt do not give the commitment: the personal data was changed")
            }
            if !commitments.contains(ref + " " + c) {
                v.fail("personal-data.jsonl", nil, "line \(i + 1) (\(ref.prefix(20))): no entry in the bundle carries this reference and commitment")
            }
        }
    }
}
