import Foundation
import HMQJSON

/// The base protocol of the Language Server Protocol: each message is
/// `Content-Length: N\r\n` (other headers allowed), a blank line, then N bytes
/// of JSON. Reads from a file descriptor, writes to another.
public final class MessageFraming {
    /// A header block or a body above these is a broken peer, not a document.
    public static let maximumHeaderBytes = 8 * 1024
    public static let maximumBodyBytes = 64 * 1024 * 1024

    /// Why the stream cannot be read on.
    public struct FramingError: Error, CustomStringConvertible {
        public var description: String
    }

    private let input: Int32
    private let output: Int32
    private var buffer: [UInt8] = []
    private var position = 0

    public init(input: Int32, output: Int32) {
        self.input = input
        self.output = output
    }

    /// The next message's JSON, or nil at the end of the input.
    public func read() throws -> JSONValue? {
        var length: Int?
        var headerBytes = 0
        while true {
            guard let line = try readLine() else {
                if headerBytes == 0 { return nil }
                throw FramingError(description: "the input ended inside a message header")
            }
            headerBytes += line.count + 2
            guard headerBytes <= Self.maximumHeaderBytes else { throw FramingError(description: "a message header is longer than \(Self.maximumHeaderBytes) bytes") }
            if line.isEmpty {
                if headerBytes == 2 { headerBytes = 0; continue }  // a stray blank line between messages
                break
            }
            let text = String(decoding: line, as: UTF8.self)
            guard let colon = text.firstIndex(of: ":") else { throw FramingError(description: "a header line without ':': \(text.prefix(80))") }
            if text[..<colon].trimmingCharacters(in: .whitespaces).lowercased() == "content-length" {
                let value = text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                guard let n = Int(value), n >= 0, value.allSatisfy(\.isASCII) else { throw FramingError(description: "Content-Length is not a number: \(value.prefix(40))") }
                guard n <= Self.maximumBodyBytes else { throw FramingError(description: "a message of \(n) bytes is over the \(Self.maximumBodyBytes)-byte limit") }
                length = n
            }
        }
        guard let length else { throw FramingError(description: "a message without Content-Length") }
        let body = try readBytes(length)
        do {
            return try JSONParser.parse(body)
        } catch {
            // A body that is not JSON is answered (parse error), not fatal: the framing is intact.
            return .object(JSONObject([.init(key: "_unparsable", value: .string(error.description))]))
        }
    }

    /// Writes one message.
    public func write(_ message: JSONValue) throws {
        let body = Array(JSONWriter(indent: nil).string(message).utf8)
        let bytes = Array("Content-Length: \(body.count)\r\n\r\n".utf8) + body
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Foundation.write(output, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FramingError(description: "cannot write to the client: \(String(cString: strerror(errno)))")
            }
            offset += n
        }
    }

    /// A line without its `\r\n` (or `\n`), or nil at the end of the input.
    private func readLine() throws -> [UInt8]? {
        var line: [UInt8] = []
        while true {
            guard let byte = try nextByte() else { return line.isEmpty ? nil : line }
            if byte == 0x0A {
                if line.last == 0x0D { line.removeLast() }
                return line
            }
            line.append(byte)
            if line.count > Self.maximumHeaderBytes { throw FramingError(description: "a message header is longer than \(Self.maximumHeaderBytes) bytes") }
        }
    }

    private func readBytes(_ count: Int) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        while out.count < count {
            if position == buffer.count, try !fill() { throw FramingError(description: "the input ended inside a message body (\(out.count) of \(count) bytes)") }
            let take = min(count - out.count, buffer.count - position)
            out += buffer[position..<position + take]
            position += take
        }
        return out
    }

    private func nextByte() throws -> UInt8? {
        if position == buffer.count, try !fill() { return nil }
        defer { position += 1 }
        return buffer[position]
    }

    /// Reads more input; false at its end.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { Foundation.read(input, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            if n < 0 { throw FramingError(description: "cannot read from the client: \(String(cString: strerror(errno)))") }
            if n == 0 { return false }
            buffer = Array(chunk[0..<n])
            position = 0
            return true
        }
    }
}
