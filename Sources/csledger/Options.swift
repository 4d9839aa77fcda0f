import ArgumentParser
import CSLedgerKit
import Foundation
import LedgerCore

/// --ledger, shared by every command.
struct LedgerOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The ledger file (default ./ledger.sqlite, or $CSLEDGER_LEDGER), or a ledger in PostgreSQL: postgresql://USER@HOST:PORT/DB?ledger=ORIGIN.", valueName: "path"))
    var ledger: String?

    @Option(name: .long, help: ArgumentHelp("For a ledger in PostgreSQL: this process's local mirror file (default in $XDG_CACHE_HOME/csledger or ~/.cache/csledger, or $CSLEDGER_MIRROR).", valueName: "path"))
    var mirror: String?

    var path: String { ledger ?? ProcessInfo.processInfo.environment["CSLEDGER_LEDGER"] ?? "ledger.sqlite" }

    var mirrorPath: String? { mirror ?? ProcessInfo.processInfo.environment["CSLEDGER_MIRROR"] }

    /// Opens the ledger; for writing, a file from an older csledger is upgraded first, and the user is told.
    func open(readOnly: Bool = false) throws -> Ledger {
        if !readOnly, let pending = try? Ledger.pendingMigrations(path: path), !pending.isEmpty {
            Output.stderr("csledger: upgrading the ledger file's schema first (\(pending.joined(separator: ", "))); about 15 s per million entries, once")
        }
        return try Ledger.open(path: path, readOnly: readOnly, mirror: mirrorPath)
    }
}

/// --key and --facility-key, shared by every command that signs.
struct SigningOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Your private key file (PEM), or $CSLEDGER_KEY.", valueName: "path"))
    var key: String?

    @Option(name: .long, help: ArgumentHelp("The facility key that signs checkpoints, or $CSLEDGER_FACILITY_KEY (default: the key given to init).", valueName: "path"))
    var facilityKey: String?

    func signerKey() throws -> SignerKey {
        guard let path = key ?? ProcessInfo.processInfo.environment["CSLEDGER_KEY"] else {
            throw LedgerError(.keyFileMissing, "no signing key given; pass --key PATH or set CSLEDGER_KEY")
        }
        return try KeyFiles.loadPrivateKey(path: path)
    }

    /// The facility key: --facility-key, $CSLEDGER_FACILITY_KEY, the signer's own key if it is the
    /// facility's, or the path recorded at init.
    func facilityKey(for ledger: Ledger, signer: SignerKey?) throws -> SignerKey {
        try ledger.facilityKey(path: facilityKey, signer: signer)
    }

}

/// --json, for commands that print.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false
}

enum Output {
    /// Prints a JSON value in canonical form, one line.
    static func json(_ value: JSONValue) {
        print(JCS.serializeString(value))
    }

    /// Prints text for a person. Control characters other than line breaks and tabs are shown escaped
    /// (`\u{1b}`): text read from a ledger, a server or a file must not drive the terminal.
    static func line(_ text: String) {
        guard text.unicodeScalars.contains(where: { TerminalText.isControl($0) && $0 != "\n" && $0 != "\t" }) else { print(text); return }
        var out = ""
        for u in text.unicodeScalars {
            if TerminalText.isControl(u), u != "\n", u != "\t" { out += "\\u{\(String(u.value, radix: 16))}" } else { out.unicodeScalars.append(u) }
        }
        print(out)
    }

    static func stderr(_ text: String) { FileHandle.standardError.write(Data((text + "\n").utf8)) }

    static var stderrIsTerminal: Bool { isatty(2) == 1 }
}

/// Reads a JSON object given inline or as @file.
func parseJSONObject(_ text: String, what: String) throws -> [String: JSONValue] {
    var bytes = Array(text.utf8)
    if text.hasPrefix("@") {
        let path = String(text.dropFirst())
        bytes = Array(try InputFile.read(path, what: what, maxBytes: 1 << 20))
    }
    let value: JSONValue
    do { value = try JSONParser.parse(bytes) } catch {
        throw LedgerError(.invalidArgument, "the \(what) is not valid JSON: \(error)")
    }
    guard let object = value.objectValue else { throw LedgerError(.invalidArgument, "the \(what) must be a JSON object") }
    return object
}

func parseTime(_ text: String?) throws -> Timestamp {
    guard let text else { return .now() }
    guard let t = Timestamp(text, allowDate: true) else {
        throw LedgerError(.invalidArgument, "time \"\(text.prefix(40))\" must be UTC like 2026-11-23T14:05:09Z or a date like 2026-11-23")
    }
    return t
}

/// `--as-of`: a UTC time, or a date meaning the end of that day.
func parseAsOf(_ text: String?) throws -> Timestamp? {
    try text.map { t -> Timestamp in
        guard let ts = Timestamp(cutOff: t) else { throw LedgerError(.invalidArgument, "--as-of must be a UTC time or a date YYYY-MM-DD") }
        return ts
    }
}

/// `value` when it is an entry's seq number (0 ... 2^53 - 1, as csledgerd takes them); refuses anything else.
@discardableResult
func seqNumber(_ value: Int?, _ flag: String) throws -> Int? {
    guard let value else { return nil }
    guard (0...RouteQuery.maxNumber).contains(value) else {
        throw LedgerError(.invalidArgument, "\(flag) must be an entry's seq number, from 0 to \(RouteQuery.maxNumber)")
    }
    return value
}
