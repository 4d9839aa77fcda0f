import ArgumentParser
import CSLedgerKit
import LedgerCore

struct Keys: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make and inspect Ed25519 signing keys.",
        subcommands: [Generate.self, Show.self]
    )

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write NAME.pem (private, mode 0600) and NAME.pub.pem (public) in a folder.")

        @Argument(help: "The key's file name, e.g. facility or pharmacist-jones.")
        var name: String

        @Option(help: ArgumentHelp("Folder for the key files.", valueName: "dir"))
        var dir = "Keys"

        @OptionGroup var output: OutputOptions

        func run() throws {
            let key = SignerKey()
            let paths = try KeyFiles.generate(name: name, directory: dir, key: key)
            if output.json {
                Output.json(["private_key": .string(paths.privatePath), "public_key": .string(paths.publicPath), "key_id": .string(key.keyID.hex)])
            } else {
                Output.line("private key  \(paths.privatePath) (mode 0600: keep it secret)")
                Output.line("public key   \(paths.publicPath)")
                Output.line("key id       \(key.keyID.hex)")
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a key file's key id and public key (never the private key).")

        @Argument(help: "A private or public key file (PEM).")
        var file: String

        @OptionGroup var output: OutputOptions

        func run() throws {
            let pk = try KeyFiles.loadPublicKey(path: file)
            if output.json {
                Output.json(["key_id": .string(pk.keyID.hex), "public_key": .string(pk.base64)])
            } else {
                Output.line("key id      \(pk.keyID.hex)")
                Output.line("public key  \(pk.base64) (base64 of the 32 raw bytes)")
                print(pk.pem, terminator: "")
            }
        }
    }
}
