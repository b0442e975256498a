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
            return try lines(StringLiteral(value: "-", range: SourceRange(start: 0, end: 0)))
        } catch {
            throw StandardInputError(message: error.diagnostic.message)
        }
    }

    public struct StandardInputError: Error, Sendable {
        public var message: String
    }

    /// One value per line, with its line number; blank lines and `#` comment lines are skipped.
    static func lines(_ path: StringLiteral) throws(RuntimeError) -> [(value: String, line: Int)] {
        let bytes = Array(try read(path).utf8)
        var values: [(value: String, line: Int)] = []
        var start = 0
        var line = 0
        // Byte-wise: a bulk file has hundreds of thousands of lines.
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D }
        while start < bytes.count {
            line += 1
            var end = start
            while end < bytes.count, bytes[end] != 0x0A { end += 1 }
            var lo = start, hi = end
            while lo < hi, isSpace(bytes[lo]) { lo += 1 }
            while hi > lo, isSpace(bytes[hi - 1]) { hi -= 1 }
            if lo < hi, bytes[lo] != UInt8(ascii: "#") {
                values.append((String(decoding: bytes[lo..<hi], as: UTF8.self), line))
            }
            start = end + 1
        }
        return values
    }

    /// One column of a CSV file with a header row, each value with the line
    /// its record starts on; empty cells are skipped. Also returns the column's header.
    static func csvColumn(_ path: StringLiteral, _ column: ColumnReference) throws(RuntimeError) -> (values: [(value: String, line: Int)], header: String) {
        let text = try read(path)
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

    /// Standard input, read once: every `file "-"` of a run gets the same values.
    private static let standardInput = Mutex<[UInt8]?>(nil)
    /// Pipes, FIFOs and devices read so far, by path: a second read of `<(command)`
    /// would find it drained, so every use in a run gets what the first read got.
    private static let streams = Mutex<[String: [UInt8]]>([:])

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

    /// The file's text. Regular files, pipes and FIFOs (`file "/dev/fd/3"`,
    /// `<(command)`) are read to their end.
    private static func read(_ path: StringLiteral) throws(RuntimeError) -> String {
        let name = isStandardInput(path.value) ? "stdin" : path.value
        let bytes: [UInt8]
        if isStandardInput(path.value) {
            if scriptOnStandardInput.load(ordering: .relaxed) {
                throw .at(path.range, "stdin holds the script itself, so it has no values to read; put them in a file, or run the script with -e or from a file")
            }
            if isatty(STDIN_FILENO) == 1 {
                _ = "hmq: reading values from the terminal, one per line; end with Ctrl-D\n".withCString { write(STDERR_FILENO, $0, strlen($0)) }
            }
            let result: Result<[UInt8], ReadFailure> = standardInput.withLock { cached in
                if let cached { return .success(cached) }
                let read = readToEnd(STDIN_FILENO)
                if case .success(let bytes) = read { cached = bytes }
                return read
            }
            switch result {
            case .success(let read): bytes = read
            case .failure(let failure): throw .at(path.range, failure.message(for: "stdin"))
            }
        } else if let cached = streams.withLock({ $0[path.value] }) {
            bytes = cached
        } else {
            let descriptor = open(path.value, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else {
                let reason = errno
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: path.value, isDirectory: &isDirectory) {
                    throw .at(path.range, isDirectory.boolValue ? "\(name) is a directory" : "cannot read \(name): \(String(cString: strerror(reason)))")
                }
                throw .at(path.range, "no such file: \(name)")
            }
            defer { close(descriptor) }
            var info = stat()
            if fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR { throw .at(path.range, "\(name) is a directory") }
            let read: [UInt8]
            switch readToEnd(descriptor) {
            case .success(let all): read = all
            case .failure(let failure): throw .at(path.range, failure.message(for: name))
            }
            bytes = read
            if (info.st_mode & S_IFMT) != S_IFREG { streams.withLock { $0[path.value] = read } }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .at(path.range, "\(name) is not UTF-8 text")
        }
        return text
    }
}
