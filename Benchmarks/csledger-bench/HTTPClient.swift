import Foundation

/// A minimal blocking HTTP/1.1 client over one keep-alive TCP connection to 127.0.0.1, enough to
/// POST to the daemon and read `Content-Length` responses. Small on purpose: the load generator shares
/// the machine with the daemon, so its own cost per request must stay low.
final class HTTPClient {
    private let fd: Int32
    private var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    private var pending: [UInt8] = []

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HTTPError("socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            close(fd)
            throw HTTPError("connect to 127.0.0.1:\(port): \(String(cString: strerror(errno)))")
        }
    }

    deinit { close(fd) }

    struct HTTPError: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }

    /// Sends one request and returns (status, body).
    func request(_ method: String, _ path: String, token: String?, body: [UInt8] = []) throws -> (Int, [UInt8]) {
        let (status, _, body) = try exchange(method, path, headers: token.map { ["Authorization": "Bearer \($0)"] } ?? [:], body: body)
        return (status, body)
    }

    /// Sends one request with `headers` (a JSON body unless they name a content type); returns the status,
    /// the response's header lines and its body.
    func exchange(_ method: String, _ path: String, headers: [String: String], body: [UInt8] = []) throws -> (Int, [Substring], [UInt8]) {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if !body.isEmpty, headers["Content-Type"] == nil { head += "Content-Type: application/json\r\n" }
        head += "Content-Length: \(body.count)\r\n\r\n"
        try send(Array(head.utf8) + body)
        return try readResponse()
    }

    private func send(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw HTTPError("send: \(String(cString: strerror(errno)))") }
            sent += n
        }
    }

    private func fill() throws {
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { throw HTTPError(n == 0 ? "the server closed the connection" : "recv: \(String(cString: strerror(errno)))") }
        pending += buffer[0..<n]
    }

    private func readResponse() throws -> (Int, [Substring], [UInt8]) {
        var headerEnd: Int?
        while headerEnd == nil {
            headerEnd = Self.find([13, 10, 13, 10], in: pending)
            if headerEnd == nil { try fill() }
        }
        let head = String(decoding: pending[0..<headerEnd!], as: UTF8.self)
        let lines = head.split(separator: "\r\n")
        guard let statusLine = lines.first, statusLine.split(separator: " ").count >= 2,
              let status = Int(statusLine.split(separator: " ")[1]) else { throw HTTPError("a malformed status line") }
        var length = 0
        for line in lines.dropFirst() where line.lowercased().hasPrefix("content-length:") {
            length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) ?? 0
        }
        let start = headerEnd! + 4
        while pending.count < start + length { try fill() }
        let body = Array(pending[start..<(start + length)])
        pending.removeFirst(start + length)
        return (status, Array(lines.dropFirst()), body)
    }

    /// Where the header block ends (`\r\n\r\n`), without allocating.
    private static func find(_ needle: [UInt8], in hay: [UInt8]) -> Int? {
        guard hay.count >= 4 else { return nil }
        return hay.withUnsafeBufferPointer { h in
            for i in 0...(h.count - 4) where h[i] == 13 && h[i + 1] == 10 && h[i + 2] == 13 && h[i + 3] == 10 { return i }
            return nil
        }
    }
}
