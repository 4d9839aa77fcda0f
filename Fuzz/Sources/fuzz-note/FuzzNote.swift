import LedgerCore

/// C2SP signed notes and tlog-checkpoints (what auditors hand back to `verify --checkpoint`): parsing never
/// crashes; a parsed note serializes to the same bytes; a parsed checkpoint body rebuilds to the same text.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNote(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let note = try? SignedNote.parse(bytes: bytes) else { return 0 }
    guard Array(note.serialized.utf8) == bytes else { fatalError("a parsed note does not serialize to its own bytes") }
    if let cp = try? Checkpoint(body: note.text) {
        guard cp.body == note.text else { fatalError("a parsed checkpoint does not rebuild to the same text") }
    }
    return 0
}

// SwiftPM links an executable's entry point as `<module>_main`; hand control to libFuzzer's driver from there.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32) -> Int32

@_cdecl("fuzz_note_main")
public func fuzzerEntry(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, { fuzzNote($0, $1) })
}
