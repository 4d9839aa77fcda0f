import LedgerCore

/// The query string of every csledgerd route, and its numeric path parameters, read exactly as the daemon
/// reads them (RouteQuery): never crashes or traps (issue 18: `from` near Int64.max trapped in the paging
/// sum); a refusal is one short line; every accepted number is within its range, so the daemon's arithmetic
/// on it cannot overflow.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRouteQuery(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    for (route, parameters) in RouteQuery.parameters {
        do {
            let q = try RouteQuery(route: route, query: text)
            for p in parameters {
                switch p.kind {
                case .seq: if let n = q.number(p.name), !(0...RouteQuery.maxNumber).contains(n) { fatalError("\(p.name) out of range: \(n)") }
                case .positive: if let n = q.number(p.name), !(1...RouteQuery.maxNumber).contains(n) { fatalError("\(p.name) out of range: \(n)") }
                case .text, .choice: if let t = q.text(p.name), TerminalText.hasControl(t) || t.utf8.count > 200 { fatalError("\(p.name) let a control character or long text through") }
                case .bool, .time: break
                }
            }
            // The paging sum the daemon makes.
            if let from = q.number("from") { _ = from + min(q.number("limit") ?? 100, 1000) - 1 }
        } catch {
            check(error.message)
        }
    }
    for (_, p) in RouteQuery.pathNumbers {
        do {
            let n = try RouteQuery.number(text, name: p.name, kind: p.kind)
            guard (0...RouteQuery.maxNumber).contains(n) else { fatalError("path \(p.name) out of range: \(n)") }
            guard Int(text) == n else { fatalError("path \(p.name) misread") }
        } catch {
            check(error.message)
        }
    }
    return 0
}

func check(_ message: String) {
    guard !message.isEmpty, message.utf8.count < 300, !TerminalText.hasControl(message) else {
        fatalError("a refusal that is empty, long, or holds a control character")
    }
}

// SwiftPM links an executable's entry point as `<module>_main`; hand control to libFuzzer's driver from there.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32) -> Int32

@_cdecl("fuzz_route_query_main")
public func fuzzerEntry(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, { fuzzRouteQuery($0, $1) })
}
