import Foundation
import Synchronization

/// A small HTTP server that misbehaves on purpose, for the chaos tests: it
/// answers each request as `reply` says (stalls after the headers, trickles
/// the body, sends odd headers or numbers) and records what it was sent.
/// Plain sockets on threads of its own, one request per connection.
final class ChaosServer: Sendable {
    /// What to do with one request.
    enum Reply: Sendable {
        case answer(status: Int, headers: [(String, String)] = [], body: String)
        /// An answer whose body is bytes (a gzip body).
        case bytes(status: Int, headers: [(String, String)], body: [UInt8])
        /// Headers promising `length` bytes, then silence until the client gives up.
        case stallAfterHeaders(length: Int)
        /// The body one byte every `interval` seconds.
        case trickle(body: String, interval: Double)
    }

    /// A request as received.
    struct Request: Sendable {
        var path: String
        var body: String
        var headers: [String: String]
        /// Seconds since the server started (monotonic), for waits between requests.
        var at: Double
    }

    let port: Int
    private let socket: Int32
    private let handler: @Sendable (Request, Int) -> Reply
    private let received = Mutex<[Request]>([])
    private let started = ContinuousClock.now
    private let stopped = Mutex(false)

    /// Starts listening on an ephemeral loopback port; `reply` gets each request and its index (from 0).
    init(reply: @escaping @Sendable (Request, Int) -> Reply) throws {
        handler = reply
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0, listen(fd, 64) == 0 else { throw POSIXError(.EADDRINUSE) }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        socket = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        let server = self
        Thread.detachNewThread { server.acceptLoop() }
    }

    var url: String { "http://127.0.0.1:\(port)" }

    /// The requests received so far.
    var requests: [Request] { received.withLock { $0 } }

    func stop() {
        stopped.withLock { $0 = true }
        shutdown(socket, Int32(SHUT_RDWR))
        close(socket)
    }

    private func acceptLoop() {
        while !stopped.withLock({ $0 }) {
            let client = accept(socket, nil, nil)
            guard client >= 0 else { continue }
            Thread.detachNewThread { self.serve(client) }
        }
    }

    private func serve(_ fd: Int32) {
        defer { close(fd) }
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        var headerEnd: Int?
        while headerEnd == nil {
            let n = read(fd, &buffer, buffer.count)
            guard n > 0 else { return }
            data += buffer[0..<n]
            headerEnd = Self.find(Array("\r\n\r\n".utf8), in: data)
        }
        guard let end = headerEnd else { return }
        let head = String(decoding: data[..<end], as: UTF8.self).split(separator: "\r\n")
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        var body = Array(data[(end + 4)...])
        while body.count < length {
            let n = read(fd, &buffer, buffer.count)
            guard n > 0 else { break }
            body += buffer[0..<n]
        }
        let path = head.first.map { $0.split(separator: " ").dropFirst().first.map(String.init) ?? "" } ?? ""
        let request = Request(path: path, body: String(decoding: body, as: UTF8.self), headers: headers,
                              at: (ContinuousClock.now - started) / .seconds(1))
        let index = received.withLock { list -> Int in
            list.append(request)
            return list.count - 1
        }
        var reply = handler(request, index)
        if case .answer(let status, let extra, let text) = reply { reply = .bytes(status: status, headers: extra, body: Array(text.utf8)) }
        switch reply {
        case .answer: break
        case .bytes(let status, let extra, let bytes):
            var response = "HTTP/1.1 \(status) X\r\nContent-Length: \(bytes.count)\r\nContent-Type: application/json\r\nConnection: close\r\n"
            // A request id of the reply's own replaces the server's.
            if !extra.contains(where: { $0.0.lowercased() == "x-request-id" }) { response += "X-Request-Id: req_chaos\(index)\r\n" }
            for (name, value) in extra { response += "\(name): \(value)\r\n" }
            Self.send(fd, Array((response + "\r\n").utf8) + bytes)
        case .stallAfterHeaders(let length):
            Self.send(fd, Array("HTTP/1.1 200 OK\r\nContent-Length: \(length)\r\nContent-Type: application/json\r\n\r\n[".utf8))
            // Silence until the client goes away.
            while read(fd, &buffer, buffer.count) > 0 {}
        case .trickle(let text, let interval):
            let bytes = Array(text.utf8)
            Self.send(fd, Array("HTTP/1.1 200 OK\r\nContent-Length: \(bytes.count)\r\nContent-Type: application/json\r\n\r\n".utf8))
            for byte in bytes {
                usleep(useconds_t(interval * 1_000_000))
                guard Self.send(fd, [byte]) else { return }
            }
        }
    }

    @discardableResult
    private static func send(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { return false }
            offset += n
        }
        return true
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where Array(haystack[i..<(i + needle.count)]) == needle { return i }
        return nil
    }

    /// The phones of a search body (`"channel_ids":[...]`), in order.
    static func phones(in body: String) -> [String] {
        guard let data = body.data(using: .utf8),
              let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let channels = json["contact_channels"] as? [[String: Any]] else { return [] }
        return channels.flatMap { ($0["channel_ids"] as? [String]) ?? [] }
    }
}
