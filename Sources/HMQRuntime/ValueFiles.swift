import Foundation
import HMQSyntax
import Synchronization

/// Reads the values of `file "..."` and `csv "..." column ...` (paths relative
/// to the current directory; `-` is stdin).
public enum ValueFiles {
    /// The values on standard input, one per line with its line number (blank
    /// and `#` lines skipped), as `hmq search --stdin` reads them. Standard
    /// input is read once: `file "-"` in the same run sees the same values.
    public static func standardInputLines() throws -> [(value: String, line: Int)] {
        do {
            let reader = try LineReader(StringLiteral(value: "-", range: SourceRange(start: 0, end: 0)))
            var values: [(value: String, line: Int)] = []
            while let next = try reader.next() { values.append(next) }
            return values
        } catch {
            throw StandardInputError(message: error.diagnostic.message)
        }
    }

    public struct StandardInputError: Error, Sendable {
        public var message: String
    }

    /// Reads one value per line, with its line number; blank lines and `#`
    /// comment lines are skipped, spaces around a value trimmed. It holds one
    /// chunk of the file at a time, so a file of any size streams.
    final class LineReader {
        private let descriptor: Int32
        private let owned: Bool
        private let path: StringLiteral
        private var offset: off_t = 0
        private var buffer: [UInt8] = []
        private var start = 0
        private var atEnd = false
        private var line = 0

        init(_ path: StringLiteral) throws(RuntimeError) {
            self.path = path
            (descriptor, owned) = try ValueFiles.open(path)
        }

        deinit { if owned { close(descriptor) } }

        private var name: String { isStandardInput(path.value) ? "stdin" : path.value }

        /// The next value and its line, or nil at the end.
        func next() throws(RuntimeError) -> (value: String, line: Int)? {
            while true {
                var end = start
                while end < buffer.count, buffer[end] != 0x0A { end += 1 }
                if end == buffer.count, !atEnd {
                    try fill()
                    continue
                }
                guard start < buffer.count || end < buffer.count else { return nil }
                line += 1
                var lo = start, hi = end
                start = end + 1
                func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D }
                while lo < hi, isSpace(buffer[lo]) { lo += 1 }
                while hi > lo, isSpace(buffer[hi - 1]) { hi -= 1 }
                // A byte-order mark (files saved as "UTF-8 with BOM") is not part of the first value.
                if line == 1, hi - lo >= 3, buffer[lo] == 0xEF, buffer[lo + 1] == 0xBB, buffer[lo + 2] == 0xBF {
                    lo += 3
                    while lo < hi, isSpace(buffer[lo]) { lo += 1 }
                }
                guard lo < hi, buffer[lo] != UInt8(ascii: "#") else { continue }
                guard let value = String(validating: buffer[lo..<hi], as: UTF8.self) else {
                    throw .at(path.range, "\(name):\(line) is not UTF-8 text")
                }
                return (value, line)
            }
        }

        /// Reads the next chunk, dropping the lines already read.
        private func fill() throws(RuntimeError) {
            if start > 0 {
                buffer.removeFirst(min(start, buffer.count))
                start = 0
            }
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let n = chunk.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, offset) }
                if n < 0, errno == EINTR { continue }
                if n < 0 { throw .at(path.range, ReadFailure(code: errno).message(for: name)) }
                if n == 0 { atEnd = true } else { buffer += chunk[0..<n] }
                offset += off_t(n)
                return
            }
        }
    }

    /// One column of a CSV file with a header row, each value with the line
    /// its record starts on; empty cells are skipped. Also returns the column's header.
    static func csvColumn(_ path: StringLiteral, _ column: ColumnReference) throws(RuntimeError) -> (values: [(value: String, line: Int)], header: String) {
        let text = try wholeText(path)
        let numbered: [(fields: [String], line: Int)]
        do {
            numbered = try CSVReader.numberedRecords(text)
        } catch {
            throw .at(path.range, "\(path.value): \(error.message)")
        }
        guard let header = numbered.first?.fields else { throw .at(path.range, "\(path.value) is empty (a header row is needed)") }
        let index: Int
        switch column {
        case .position(let n, let range):
            guard n <= header.count else { throw .at(range, "\(path.value) has \(header.count) column\(header.count == 1 ? "" : "s"), not \(n)") }
            index = n - 1
        case .name(let name):
            let trimmed = header.map { $0.trimmingCharacters(in: .whitespaces) }
            let exact = trimmed.indices.filter { trimmed[$0] == name.value }
            let folded = trimmed.indices.filter { trimmed[$0].lowercased() == name.value.lowercased() }
            if let only = (exact.isEmpty ? folded : exact).first, (exact.isEmpty ? folded : exact).count == 1 {
                index = only
            } else if !folded.isEmpty {
                throw .at(name.range, "\(path.value) has \(folded.count) columns named \"\(name.value)\"",
                          suggestion: "choose one by number: column \(folded.map { String($0 + 1) }.joined(separator: " or column "))")
            } else {
                throw .at(name.range, "\(path.value) has no column \"\(name.value)\"", suggestion: "columns: " + trimmed.map { "\"\($0)\"" }.joined(separator: ", "))
            }
        }
        let values: [(value: String, line: Int)] = numbered.dropFirst().compactMap { record in
            guard index < record.fields.count else { return nil }
            let value = record.fields[index].trimmingCharacters(in: .whitespaces)
            return value.isEmpty ? nil : (value, record.line)
        }
        return (values, header[index].trimmingCharacters(in: .whitespaces))
    }

    /// `-` and `/dev/stdin` are standard input.
    static func isStandardInput(_ path: String) -> Bool { path == "-" || path == "/dev/stdin" }

    /// Standard input, pipes, FIFOs and devices, by path, each copied once
    /// into an unlinked temporary file: a lookup reads its values more than
    /// once, and a second `file "-"` or `<(command)` would find the stream drained.
    private static let spooled = Mutex<[String: Int32]>([:])

    /// Set when the script itself came on stdin: `file "-"` then has nothing to read.
    public static let scriptOnStandardInput = Atomic<Bool>(false)

    /// Why a descriptor could not be read to its end (errno).
    public struct ReadFailure: Error, Sendable {
        public var code: Int32
        /// `stdin is a directory`, `cannot read stdin: Bad file descriptor`.
        public func message(for name: String) -> String {
            code == EISDIR ? "\(name) is a directory" : "cannot read \(name): \(String(cString: strerror(code)))"
        }
    }

    /// Every byte of `descriptor` up to its end. Never traps: a closed stdin
    /// (`<&-`) or a directory on stdin is a failure to report.
    public static func readToEnd(_ descriptor: Int32) -> Result<[UInt8], ReadFailure> {
        var read: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Foundation.read(descriptor, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            if n < 0 { return .failure(ReadFailure(code: errno)) }
            if n == 0 { return .success(read) }
            read += chunk[0..<n]
        }
    }

    /// The whole text of `path` (a CSV file is parsed whole).
    static func wholeText(_ path: StringLiteral) throws(RuntimeError) -> String {
        let (descriptor, owned) = try open(path)
        defer { if owned { close(descriptor) } }
        let name = isStandardInput(path.value) ? "stdin" : path.value
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, off_t(bytes.count)) }
            if n < 0, errno == EINTR { continue }
            if n < 0 { throw .at(path.range, ReadFailure(code: errno).message(for: name)) }
            if n == 0 { break }
            bytes += chunk[0..<n]
        }
        guard let text = String(validating: bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? bytes.dropFirst(3) : bytes[...], as: UTF8.self) else {
            throw .at(path.range, "\(name) is not UTF-8 text")
        }
        return text
    }

    /// A descriptor to read `path` from with `pread`, and whether the caller
    /// closes it: a regular file is opened for each reader; standard input, a
    /// pipe, a FIFO or a device is spooled once (see ``spooled``).
    static func open(_ path: StringLiteral) throws(RuntimeError) -> (Int32, owned: Bool) {
        let name = isStandardInput(path.value) ? "stdin" : path.value
        let key = isStandardInput(path.value) ? "-" : path.value
        if let spool = spooled.withLock({ $0[key] }) { return (spool, false) }
        let source: Int32
        if isStandardInput(path.value) {
            if scriptOnStandardInput.load(ordering: .relaxed) {
                throw .at(path.range, "stdin holds the script itself, so it has no values to read; put them in a file, or run the script with -e or from a file")
            }
            source = STDIN_FILENO
        } else {
            source = Foundation.open(path.value, O_RDONLY | O_CLOEXEC)
            guard source >= 0 else {
                let reason = errno
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: path.value, isDirectory: &isDirectory) {
                    throw .at(path.range, isDirectory.boolValue ? "\(name) is a directory" : "cannot read \(name): \(String(cString: strerror(reason)))")
                }
                throw .at(path.range, "no such file: \(name)")
            }
        }
        var info = stat()
        if fstat(source, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            if source != STDIN_FILENO { close(source) }
            throw .at(path.range, "\(name) is a directory")
        }
        if source != STDIN_FILENO, (info.st_mode & S_IFMT) == S_IFREG { return (source, true) }
        defer { if source != STDIN_FILENO { close(source) } }
        if source == STDIN_FILENO, isatty(STDIN_FILENO) == 1 {
            _ = "hmq: reading values from the terminal, one per line; end with Ctrl-D\n".withCString { write(STDERR_FILENO, $0, strlen($0)) }
        }
        let result: Result<Int32, RuntimeError> = spooled.withLock { spooled in
            if let spool = spooled[key] { return .success(spool) }
            var template = Array((FileManager.default.temporaryDirectory.path + "/hmq-values-XXXXXX").utf8CString)
            let spool = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            if spool >= 0 { _ = fcntl(spool, F_SETFD, FD_CLOEXEC) }
            guard spool >= 0 else { return .failure(.at(path.range, "cannot keep \(name) in a temporary file: \(String(cString: strerror(errno)))")) }
            template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let n = chunk.withUnsafeMutableBytes { Foundation.read(source, $0.baseAddress, $0.count) }
                if n < 0, errno == EINTR { continue }
                if n < 0 {
                    let failure = ReadFailure(code: errno)
                    close(spool)
                    return .failure(.at(path.range, failure.message(for: name)))
                }
                if n == 0 { break }
                var written = 0
                while written < n {
                    let w = chunk.withUnsafeBytes { write(spool, $0.baseAddress! + written, n - written) }
                    if w < 0, errno == EINTR { continue }
                    if w <= 0 {
                        let reason = String(cString: strerror(errno))
                        close(spool)
                        return .failure(.at(path.range, "cannot keep \(name) in a temporary file: \(reason)"))
                    }
                    written += w
                }
            }
            spooled[key] = spool
            return .success(spool)
        }
        return (try result.get(), false)
    }
}
