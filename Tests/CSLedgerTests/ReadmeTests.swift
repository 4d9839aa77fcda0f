import Foundation
import Testing

/// The README runs as written: every ```sh block of README.md and docs/*.md is run by this test.
///
/// Conventions, for whoever edits the Markdown:
/// - Each ```sh block runs, unless the line just before it (blank lines aside) is `<!-- not run: REASON -->`,
///   for what a test cannot have (a source checkout with a toolchain, a TLS certificate in /etc, a remote host).
///   The test prints how many blocks of each file it ran and skipped, and why.
/// - One bash session per Markdown file: its blocks run in order, top to bottom, in one fresh temporary folder,
///   so a block uses the files and shell variables of the blocks above it (README's sections are one
///   walkthrough). Values a reader would copy from an earlier output (a patient reference, a key id, a token,
///   a finding id, a seq) are captured in shell variables by the commands themselves, never filled in here.
/// - The session runs with `set -eEu -o pipefail`: a failing command, a failure on the left of a pipe and an
///   unset variable all stop it. The built `csledger` and `csledgerd` come first on PATH; no CSLEDGER_* variable
///   is inherited; the folder holds `docs`, a link to this repository's docs folder (as in a checkout, for
///   `sh docs/verify-bundle.sh`). A process a block starts in the background is stopped when the session ends.
/// - The script keeps the Markdown's line numbers, so a failure names the Markdown line of the failing command.
/// - A comment ending "at seq N" is the output its command prints (`…` for what varies, such as a key id): the
///   test checks that a line of the session's output starts so, which keeps the seq numbers the text refers to true.
@Suite("Markdown shell blocks run as written")
struct ReadmeTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// README.md and docs/*.md, as paths relative to the repository.
    static let documents: [String] = {
        let docs = (try? FileManager.default.contentsOfDirectory(atPath: repository.appendingPathComponent("docs").path)) ?? []
        return ["README.md"] + docs.filter { $0.hasSuffix(".md") }.sorted().map { "docs/" + $0 }
    }()

    static func load(_ path: String) throws -> MarkdownShell {
        let text = try String(contentsOf: repository.appendingPathComponent(path), encoding: .utf8)
        return try MarkdownShell(name: path, text: text)
    }

    /// Runs a file's blocks in a fresh folder and records an issue naming the failing line.
    @discardableResult
    static func check(_ md: MarkdownShell, sourceLocation: SourceLocation = #_sourceLocation) throws -> MarkdownShell.Outcome? {
        let skips = md.skipped.map { "line \($0.open): \($0.skipReason ?? "")" }
        print("\(md.name): \(md.run.count) shell block(s) run (lines \(md.run.map { String($0.open) }.joined(separator: ", "))), "
              + "\(md.skipped.count) not run\(skips.isEmpty ? "" : ": " + skips.joined(separator: "; "))")
        guard !md.run.isEmpty else { return nil }
        let dir = try TempDir()
        try FileManager.default.createSymbolicLink(atPath: dir.path("docs"), withDestinationPath: repository.appendingPathComponent("docs").path)
        let outcome = try md.execute(in: dir.url, bin: CLI.productsDirectory.path)
        print("\(md.name): the session took \(String(format: "%.1f", outcome.seconds)) s")
        if outcome.timedOut {
            Issue.record("\(md.name): the blocks did not finish within the time limit\n\(tail(outcome.output))", sourceLocation: sourceLocation)
        } else if outcome.status != 0 {
            let line = outcome.failedLine.map(md.commandStart)
            let text = line.flatMap { $0 >= 1 && $0 <= md.lines.count ? md.lines[$0 - 1] : nil } ?? "?"
            let message = "\(md.name):\(line.map(String.init) ?? "?"): this command failed (exit \(outcome.status)): \(text)\n"
            Issue.record(Comment(rawValue: message + tail(outcome.output)), sourceLocation: sourceLocation)
        } else {
            for claim in md.outputClaims where !MarkdownShell.output(outcome.output, shows: claim.text) {
                let message = "\(md.name):\(claim.line): the comment says the command prints \"\(claim.text)\"; it did not\n"
                Issue.record(Comment(rawValue: message + tail(outcome.output)), sourceLocation: sourceLocation)
            }
            print("\(md.name): \(md.outputClaims.count) outputs written as comments checked")
        }
        return outcome
    }

    static func tail(_ output: String, lines: Int = 40) -> String {
        output.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    @Test("every shell block of README.md and docs/*.md runs, top to bottom, in a fresh folder", arguments: documents)
    func runs(_ path: String) throws {
        let md = try Self.load(path)
        try Self.check(md)
    }

    @Test("README.md's walkthrough is run, not marked away")
    func readmeIsRun() throws {
        let md = try Self.load("README.md")
        // The walkthrough, the proofs, the exports and the daemon; only what a test cannot have is skipped.
        #expect(md.run.count >= 6, "README.md runs only \(md.run.count) blocks")
        for b in md.skipped { #expect(b.skipReason?.hasPrefix("needs ") == true, "line \(b.open): say what it needs: \(b.skipReason ?? "")") }
    }

    @Test("a failing command is named by its Markdown line; a block marked not run is skipped")
    func failureNamesTheLine() throws {
        let text = """
            # A page

            <!-- not run: needs a real carrier -->
            ```sh
            exit 7
            ```

            ```sh
            csledger keys generate dana
            K=$(csledger keys show Keys/dana.pub.pem --json)
            test -n "$K"
            ```

            ```json
            {"not": "run"}
            ```

            ```sh
            csledger keys show Keys/lee.pem \\
                --json
            echo never
            ```
            """
        let md = try MarkdownShell(name: "page.md", text: text)
        #expect(md.blocks.map(\.open) == [4, 8, 18])
        #expect(md.skipped.map(\.skipReason) == ["needs a real carrier"])
        let dir = try TempDir()
        let outcome = try md.execute(in: dir.url, bin: CLI.productsDirectory.path)
        #expect(outcome.status == 4, "\(outcome.output)")   // a missing key file
        #expect(outcome.failedLine == 19, "\(outcome.output)")
        #expect(FileManager.default.fileExists(atPath: dir.path("Keys/dana.pem")))
        #expect(!outcome.output.contains("never"))

        // An unset variable (a placeholder left in) stops the session too.
        let unset = try MarkdownShell(name: "unset.md", text: "# t\n\n```sh\ncsledger patient show \"$P\"\n```\n")
        let unsetDir = try TempDir()
        let u = try unset.execute(in: unsetDir.url, bin: CLI.productsDirectory.path)
        #expect(u.status != 0 && u.output.contains("P: unbound variable"), "\(u.output)")
        #expect(u.failedLine == 4, "\(u.output)")
    }
}
