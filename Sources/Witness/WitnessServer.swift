import Hummingbird
import HummingbirdCore
import LedgerCore
import Logging
import NIOCore
import TLSServing

/// The witness over HTTP: c2sp.org/tlog-witness `POST /add-checkpoint` (submission prefix = the root),
/// and `GET /healthz`.
package enum WitnessServer {
    /// The application for `witness`, listening on `host:port` (TLS when `tls` is given).
    package static func application(witness: Witness, host: String, port: Int, tls: ServerTLS? = nil, logger: Logger,
                                   onListening: @escaping @Sendable (Int) -> Void = { _ in }) throws -> some ApplicationProtocol {
        let router = Router()
        router.get("/healthz") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: "ok\n")))
        }
        router.post("/add-checkpoint") { request, _ -> Response in
            let buffer: ByteBuffer
            do { buffer = try await request.body.collect(upTo: AddCheckpointRequest.maxBodyBytes) } catch {
                return response(.text(400, "the request body is larger than \(AddCheckpointRequest.maxBodyBytes) bytes"))
            }
            let answer = await witness.addCheckpoint(Array(buffer.readableBytesView))
            if answer.status == 200 || answer.status == 409 {
                logger.debug("add-checkpoint", metadata: ["status": "\(answer.status)"])
            } else {
                logger.notice("add-checkpoint refused", metadata: ["status": "\(answer.status)", "reason": "\(answer.body.dropLast())"])
            }
            return response(answer)
        }
        return Application(router: router, server: try tls.map { try $0.server(.http1()) } ?? .http1(),
                           configuration: .init(address: .hostname(host, port: port), serverName: "csledger-witness"),
                           onServerRunning: { channel in onListening(channel.localAddress?.port ?? port) },
                           logger: logger)
    }

    static func response(_ a: Witness.Answer) -> Response {
        Response(status: HTTPResponse.Status(code: a.status), headers: [.contentType: a.contentType],
                 body: .init(byteBuffer: ByteBuffer(string: a.body)))
    }
}

extension Witness.Answer {
    static func text(_ status: Int, _ message: String) -> Witness.Answer {
        Witness.Answer(status: status, contentType: "text/plain; charset=utf-8", body: message + "\n")
    }
}
