import LedgerCore

/// Report bundle manifests (SPEC §5 `manifest.json`). The bundle verifier (module `Reports`) is being written
/// on another branch; until it is merged this target fuzzes everything a manifest reader reaches in LedgerCore:
/// the strict JSON parse, the field shapes SPEC §5 fixes, and the checkpoint embedded verbatim.
///
/// HOOK: when `Reports` lands, add it to Package.swift and replace `ManifestShape.read` with its manifest
/// parser (e.g. `try ReportManifest(parsing: bytes)`), keeping the round-trip checks below.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzManifest(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let manifest = ManifestShape.read(bytes) else { return 0 }
    if let note = try? SignedNote.parse(manifest.checkpoint) {
        guard note.serialized == manifest.checkpoint else { fatalError("the embedded checkpoint does not round-trip") }
        _ = try? Checkpoint(body: note.text)
    }
    return 0
}

/// The SPEC §5 manifest fields, read strictly.
struct ManifestShape {
    struct File { let path: String; let sha256: String; let bytes: Int }
    let kind: String
    let origin: String
    let generated: Timestamp
    let checkpoint: String
    let files: [File]

    static func read(_ bytes: [UInt8]) -> ManifestShape? {
        guard let o = (try? JSONParser.parse(bytes))?.objectValue, o["v"]?.integerValue == 1,
              let kind = o["kind"]?.stringValue, let origin = o["origin"]?.stringValue,
              let generated = o["generated"]?.stringValue.flatMap({ Timestamp($0) }),
              o["range"]?.objectValue != nil, let checkpoint = o["checkpoint"]?.stringValue,
              let list = o["files"]?.arrayValue else { return nil }
        var files: [File] = []
        for f in list {
            guard let path = f["path"]?.stringValue, let sha = f["sha256"]?.stringValue, sha.utf8.count == 64,
                  Hex.decode(sha) != nil, let n = f["bytes"]?.integerValue, n >= 0 else { return nil }
            // A bundle path must stay inside the bundle.
            if path.hasPrefix("/") || path.split(separator: "/").contains("..") { return nil }
            files.append(File(path: path, sha256: sha, bytes: n))
        }
        return ManifestShape(kind: kind, origin: origin, generated: generated, checkpoint: checkpoint, files: files)
    }
}

// SwiftPM links an executable's entry point as `<module>_main`; hand control to libFuzzer's driver from there.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32) -> Int32

@_cdecl("fuzz_manifest_main")
public func fuzzerEntry(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, { fuzzManifest($0, $1) })
}
