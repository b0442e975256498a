import Foundation
import HMQJSON
import Heymarket

/// MCP's stdio framing, one JSON message per line, read in linear time with a
/// size cap, and written whole.
///
/// stdin is read by a thread of its own with blocking reads, so reading never
/// waits for a call; stdout is written on a serial queue, one message at a time.
final class StdioLines: Sendable {
    /// What a line of input was.
    enum Line: Sendable, Equatable {
        case message(Data)
        /// A line longer than the cap, discarded: its size, and its top-level `id` when the start showed it.
        case oversized(bytes: Int, id: JSONValue?)
    }

    /// The most bytes a message may be (a line's, without its newline).
    static let defaultLimit = 1 << 20

    let limit: Int
    private let input: Int32
    private let output: Int32
    private let writer = DispatchQueue(label: "hmq.mcp.stdout")

    init(input: Int32 = STDIN_FILENO, output: Int32 = STDOUT_FILENO, limit: Int = defaultLimit) {
        self.input = input
        self.output = output
        self.limit = limit
    }

    /// The lines of stdin until it ends (then the stream finishes) or cannot be read (it throws).
    func lines() -> AsyncThrowingStream<Line, any Error> {
        let (stream, continuation) = AsyncThrowingStream<Line, any Error>.makeStream()
        let input = self.input, limit = self.limit
        Thread.detachNewThread {
            var splitter = LineSplitter(limit: limit)
            var chunk = [UInt8](repeating: 0, count: 64 * 1024)
            while true {
                let n = chunk.withUnsafeMutableBytes { Foundation.read(input, $0.baseAddress, $0.count) }
                if n < 0 {
                    if errno == EINTR { continue }
                    // stdin left non-blocking by whoever started us: wait until it is readable.
                    if Self.waited(input, for: POLLIN) { continue }
                    continuation.finish(throwing: POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO))
                    return
                }
                if n == 0 { break }
                for line in splitter.add(chunk[0..<n]) { continuation.yield(line) }
            }
            if let last = splitter.end() { continuation.yield(last) }
            continuation.finish()
        }
        return stream
    }

    /// After a read or write that failed with `errno`: when it was only that `fd` is
    /// non-blocking (EAGAIN), waits until it is ready for `events` and says true.
    static func waited(_ fd: Int32, for events: Int32) -> Bool {
        guard errno == EAGAIN || errno == EWOULDBLOCK else { return false }
        var ready = pollfd(fd: fd, events: Int16(events), revents: 0)
        _ = poll(&ready, 1, -1)
        return true
    }

    /// Writes `message` and a newline, whole.
    func write(_ message: [UInt8]) async throws {
        let output = self.output
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
            writer.async {
                let bytes = message + [UInt8(ascii: "\n")]
                var offset = 0
                while offset < bytes.count {
                    let n = bytes[offset...].withUnsafeBytes { Foundation.write(output, $0.baseAddress, $0.count) }
                    if n < 0 {
                        if errno == EINTR { continue }
                        if Self.waited(output, for: POLLOUT) { continue }
                        done.resume(throwing: POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO))
                        return
                    }
                    offset += n
                }
                done.resume()
            }
        }
    }
}

/// Bytes in, lines out: each byte is looked at once, a line is copied once,
/// and a line longer than `limit` is dropped as it comes (only its first
/// `limit` bytes are ever held), then reported when it ends.
struct LineSplitter {
    let limit: Int
    /// The line so far (never more than `limit` bytes).
    private var pending: [UInt8] = []
    /// The size of the oversized line being dropped, and its id; nil when none is.
    private var dropping: (bytes: Int, id: JSONValue?)?

    init(limit: Int) { self.limit = limit }

    mutating func add(_ chunk: ArraySlice<UInt8>) -> [StdioLines.Line] {
        var lines: [StdioLines.Line] = []
        var start = chunk.startIndex
        while start < chunk.endIndex {
            let newline = chunk[start...].firstIndex(of: UInt8(ascii: "\n"))
            let piece = chunk[start..<(newline ?? chunk.endIndex)]
            take(piece)
            guard let newline else { break }
            if let line = finish() { lines.append(line) }
            start = newline + 1
        }
        return lines
    }

    /// The last line when the input ends without a newline.
    mutating func end() -> StdioLines.Line? { finish() }

    private mutating func take(_ piece: ArraySlice<UInt8>) {
        if var dropped = dropping {
            dropped.bytes += piece.count
            dropping = dropped
        } else if pending.count + piece.count > limit {
            let total = pending.count + piece.count
            pending += piece.prefix(limit - pending.count)
            dropping = (bytes: total, id: Self.topLevelID(pending))
            pending = []
        } else {
            pending += piece
        }
    }

    private mutating func finish() -> StdioLines.Line? {
        defer {
            pending = []
            dropping = nil
        }
        if let dropped = dropping { return .oversized(bytes: dropped.bytes, id: dropped.id) }
        let line = pending.last == UInt8(ascii: "\r") ? pending.dropLast() : pending[...]
        return line.isEmpty ? nil : .message(Data(line))
    }

    /// The `id` member of the JSON object `bytes` starts (a string or an integer), when these bytes hold it.
    static func topLevelID(_ bytes: [UInt8]) -> JSONValue? {
        var i = 0, depth = 0
        func skipSpace() { while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 } }
        /// The string starting at `i` (a quote), with `i` after it; nil when it does not end here.
        func string() -> ArraySlice<UInt8>? {
            let open = i
            i += 1
            while i < bytes.count {
                if bytes[i] == UInt8(ascii: "\\") { i += 2; continue }
                if bytes[i] == UInt8(ascii: "\"") { i += 1; return bytes[open..<i] }
                i += 1
            }
            return nil
        }
        while i < bytes.count {
            switch bytes[i] {
            case UInt8(ascii: "\""):
                guard let key = string() else { return nil }
                guard depth == 1, key.elementsEqual(#""id""#.utf8) else { continue }
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { continue }
                i += 1
                skipSpace()
                guard i < bytes.count else { return nil }
                if bytes[i] == UInt8(ascii: "\"") {
                    guard let text = string() else { return nil }
                    return (try? JSONParser.parse(text)).flatMap { $0.stringValue.map(JSONValue.string) }
                }
                let digits = bytes[i...].prefix { $0 == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
                guard i + digits.count < bytes.count, let number = Int64(String(decoding: digits, as: UTF8.self)) else { return nil }
                // `1.5` or `1e3` is not an integer id.
                return [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[i + digits.count]) ? nil : .integer(number)
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                i += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                i += 1
            default:
                i += 1
            }
        }
        return nil
    }
}
