import Foundation
import HummingbirdCore
import HummingbirdTLS
import LedgerCore
import NIOSSL

/// A server's certificate and private key (csledgerd's, the witness's), loaded and checked before it listens.
///
/// Both files are PEM. Loading fails with one sentence naming the file when either is missing,
/// unreadable or not PEM, or when the key does not belong to the certificate.
package struct ServerTLS: Sendable {
    let configuration: TLSConfiguration

    package init(certificatePath: String, keyPath: String) throws {
        let chain: [NIOSSLCertificate]
        do { chain = try NIOSSLCertificate.fromPEMFile(certificatePath) } catch {
            throw Self.fileError(certificatePath, what: "TLS certificate", expected: "a PEM certificate")
        }
        guard !chain.isEmpty else {
            throw LedgerError(.keyFileInvalid, "the TLS certificate file \(certificatePath) holds no PEM certificate")
        }
        let key: NIOSSLPrivateKey
        do { key = try NIOSSLPrivateKey(file: keyPath, format: .pem) } catch {
            throw Self.fileError(keyPath, what: "TLS private key", expected: "a PEM private key")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        // Building a context makes BoringSSL check that the key is the certificate's.
        do { _ = try NIOSSLContext(configuration: configuration) } catch {
            throw LedgerError(.keyFileInvalid, "the TLS private key \(keyPath) does not belong to the certificate \(certificatePath)")
        }
        try Self.requirePrivate(keyPath)
        self.configuration = configuration
    }

    /// `http1` served over TLS with this certificate and key (TLS 1.2 at least).
    package func server(_ http1: HTTPServerBuilder) throws -> HTTPServerBuilder {
        try HTTPServerBuilder.tls(http1, tlsConfiguration: configuration)
    }

    /// Loads `certificatePath` and `keyPath` when both are given (TLS), nothing when neither is (plain HTTP);
    /// one without the other is refused, naming the two flags.
    package static func load(certificatePath: String?, keyPath: String?, certFlag: String = "--tls-cert",
                            keyFlag: String = "--tls-key") throws -> ServerTLS? {
        switch (certificatePath, keyPath) {
        case (nil, nil): return nil
        case let (cert?, key?): return try ServerTLS(certificatePath: cert, keyPath: key)
        default: throw LedgerError(.invalidArgument, "give both \(certFlag) and \(keyFlag), or neither")
        }
    }

    /// True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost): plain HTTP there is
    /// allowed without a warning.
    package static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }

    /// Refuses a TLS private key that other users can read, as the signing keys are refused: whoever reads
    /// it can pose as this server (issue 18).
    static func requirePrivate(_ path: String) throws {
        var st = stat()
        guard stat(path, &st) == 0 else { throw LedgerError(.keyFileMissing, "the TLS private key file \(path) does not exist") }
        let mode = st.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            throw LedgerError(.keyFilePermissions,
                              "the TLS private key file \(path) can be read by other users (mode \(String(mode, radix: 8))); run: chmod 600 \(path)")
        }
    }

    static func fileError(_ path: String, what: String, expected: String) -> LedgerError {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return LedgerError(.keyFileMissing, "the \(what) file \(path) does not exist")
        }
        guard !isDirectory.boolValue, FileManager.default.isReadableFile(atPath: path) else {
            return LedgerError(.keyFileUnreadable, "the \(what) file \(path) cannot be read")
        }
        return LedgerError(.keyFileInvalid, "the \(what) file \(path) is not \(expected)")
    }
}
