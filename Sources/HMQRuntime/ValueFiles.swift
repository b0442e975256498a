import Foundation
import HMQSyntax
import Heymarket
import Synchronization

/// Reads the values of `file "..."` and `csv "..." column ...` (paths relative
/// to the current directory; `-` is stdin).
public enum ValueFiles {
    /// The values `hmq search` looks up: `arguments` first, then (with
    /// `standardInput`) one per line of stdin, `TYPE:VALUE` or a bare value
    /// (blank and `#` lines skipped). Standard input is spooled once, so every
    /// pass of the lookup reads it, and `file "-"` in the same run sees the
    /// same values. ``searchOrigin(_:)`` names where each value came from.
    public static func searchValues(_ arguments: [ChannelValue], standardInput: Bool) throws -> InputOpener {
        let opened = standardInput ? try open(StringLiteral(value: "-", range: SourceRange(start: 0, end: 0))) : nil
        return { SearchValuesReader(arguments, standardInput: opened) }
    }

    /// The origin bit of a value read from stdin (the line number is the rest).
    static let standardInputOrigin: UInt64 = 1 << 63

    /// Where a value of ``searchValues(_:standardInput:)`` came from: `argument`, or `stdin:12`.
    public static func searchOrigin(_ origin: UInt64) -> String {
        origin & standardInputOrigin != 0 ? "stdin:\(origin & ~standardInputOrigin)" : "argument"
    }

    /// Reads the values of ``searchValues(_:standardInput:)``.
    final class SearchValuesReader: InputReader {
        private let arguments: [ChannelValue]
        private var argument = 0
        private let lines: LineReader?

        init(_ arguments: [ChannelValue], standardInput: Opened?) {
            self.arguments = arguments
            lines = standardInput.map(LineReader.init)
        }

        func next() throws -> InputValue? {
            if argument < arguments.count {
                defer { argument += 1 }
                return InputValue(arguments[argument], origin: UInt64(argument))
            }
            guard let (text, line) = try lines?.next() else { return nil }
            return InputValue(ChannelValue(parsing: text), origin: ValueFiles.standardInputOrigin | UInt64(line))
        }
    }

    /// The longest line read as a value: no channel value comes near it, and a
    /// file whose lines end in CR alone would otherwise be one huge value.
    static let longestLine = 64 * 1024

    /// What is said of a column or field a file does not have: the closest of
    /// `names` (ignoring case) when one is near `wanted`, then what there is.
    static func columnSuggestion(_ names: [String], near wanted: String, named what: String) -> String {
        let guess = Suggestion.closest(to: wanted, among: names.map { $0.lowercased() }).flatMap { lower in names.first { $0.lowercased() == lower } }
        return (guess.map { "did you mean \"\($0)\"? " } ?? "") + what + ": " + names.map { "\"\($0)\"" }.joined(separator: ", ")
    }

    /// The error for line `line` of `name`, longer than ``longestLine``.
    static func tooLong(_ path: StringLiteral, name: String, line: Int) -> RuntimeError {
        .at(path.range, .malformedFile, "\(name):\(line) is longer than \(longestLine / 1024) KiB: one value per line is expected (does the file end its lines with CR alone?)")
    }

    /// An input opened once for every pass of a lookup: a regular file by its
    /// descriptor (so a file replaced while hmq reads it is still read whole),
    /// with its size and modification time to notice one changed in place; or
    /// the spooled copy of stdin, a pipe or a FIFO (which nothing else writes).
    final class Opened: Sendable {
        let descriptor: Int32
        let owned: Bool
        let path: StringLiteral
        /// For a regular file: its size and modification time when opened.
        let snapshot: (size: Int64, seconds: Int, nanoseconds: Int)?

        init(descriptor: Int32, owned: Bool, path: StringLiteral, snapshot: (size: Int64, seconds: Int, nanoseconds: Int)?) {
            self.descriptor = descriptor
            self.owned = owned
            self.path = path
            self.snapshot = snapshot
        }

        deinit { if owned { close(descriptor) } }

        var name: String { isStandardInput(path.value) ? "stdin" : path.value }

        /// At the end of a pass that read `read` bytes: the file must be as it was when opened.
        func checkUnchanged(read: Int64) throws(RuntimeError) {
            guard let snapshot else { return }
            var info = stat()
            let now = fstat(descriptor, &info) == 0 ? (Int64(info.st_size), info.st_mtim.tv_sec, info.st_mtim.tv_nsec) : (-1, 0, 0)
            guard read == snapshot.size, now.0 == snapshot.size, now.1 == snapshot.seconds, now.2 == snapshot.nanoseconds else {
                throw .at(path.range, .fileChanged, "\(name) changed while hmq read it (a lookup reads its values more than once); run again once it has stopped changing")
            }
        }
    }

    /// Reads one value per line, with its line number; blank lines and `#`
    /// comment lines are skipped, spaces around a value trimmed. It holds one
    /// chunk of the file at a time, so a file of any size streams.
    final class LineReader {
        private let input: Opened
        private var offset: off_t = 0
        private var buffer: [UInt8] = []
        private var start = 0
        /// Where the search for the end of the current line goes on from.
        private var scanned = 0
        private var atEnd = false
        private var line = 0

        init(_ input: Opened) { self.input = input }

        private var name: String { input.name }

        /// The next value and its line, or nil at the end.
        func next() throws -> (value: String, line: Int)? {
            while true {
                var end = max(start, scanned)
                while end < buffer.count, buffer[end] != 0x0A { end += 1 }
                if end - start > ValueFiles.longestLine { throw ValueFiles.tooLong(input.path, name: name, line: line + 1) }
                if end == buffer.count, !atEnd {
                    scanned = end
                    try fill()
                    continue
                }
                guard start < buffer.count || end < buffer.count else { return nil }
                line += 1
                var lo = start, hi = end
                start = end + 1
                scanned = start
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
                    throw RuntimeError.at(input.path.range, .malformedFile, "\(name):\(line) is not UTF-8 text")
                }
                return (value, line)
            }
        }

        /// Reads the next chunk, dropping the lines already read.
        private func fill() throws {
            try Task.checkCancellation()
            if start > 0 {
                let dropped = min(start, buffer.count)
                buffer.removeFirst(dropped)
                start -= dropped
                scanned -= dropped
            }
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let n = chunk.withUnsafeMutableBytes { pread(input.descriptor, $0.baseAddress, $0.count, offset) }
                if n < 0, errno == EINTR { continue }
                if n < 0 { throw RuntimeError.at(input.path.range, .unreadableFile, ReadFailure(code: errno).message(for: name)) }
                if n == 0 {
                    atEnd = true
                    try input.checkUnchanged(read: Int64(offset))
                } else {
                    buffer += chunk[0..<n]
                }
                offset += off_t(n)
                return
            }
        }
    }

    /// Reads the records of a CSV file a chunk at a time (the delimiter is the
    /// header row's, a byte-order mark is dropped), each with the line it starts on.
    final class CSVRecordReader {
        private let input: Opened
        private var offset: off_t = 0
        private var parser: CSVParser?
        private var queue: [(fields: [String], line: Int)] = []
        private var head = 0
        private var atEnd = false
        private let delimiter: UInt8?

        /// `delimiter`: the cells' separator (nil: the header row's).
        init(_ input: Opened, delimiter: UInt8? = nil) {
            self.input = input
            self.delimiter = delimiter
        }

        /// The next record, or nil at the end.
        func next() throws -> (fields: [String], line: Int)? {
            while head >= queue.count {
                if atEnd { return nil }
                queue.removeAll(keepingCapacity: true)
                head = 0
                try fill()
            }
            defer { head += 1 }
            return queue[head]
        }

        private func fill() throws {
            try Task.checkCancellation()
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            var n = 0
            while true {
                n = chunk.withUnsafeMutableBytes { pread(input.descriptor, $0.baseAddress, $0.count, offset) }
                if n < 0, errno == EINTR { continue }
                if n < 0 { throw RuntimeError.at(input.path.range, .unreadableFile, ReadFailure(code: errno).message(for: input.name)) }
                break
            }
            offset += off_t(n)
            do {
                if n == 0 {
                    atEnd = true
                    try input.checkUnchanged(read: Int64(offset))
                    try parser?.finish { queue.append(($0, $1)) }
                    return
                }
                var bytes = chunk[0..<n]
                if parser == nil {
                    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
                    // No LF at all but CRs: lines end at CR alone (an old Mac export).
                    let crOnly = !bytes.contains(0x0A) && bytes.contains(0x0D)
                    parser = CSVParser(delimiter: delimiter ?? CSVReader.delimiter(ofBytes: crOnly ? bytes.map { $0 == 0x0D ? 0x0A : $0 } : Array(bytes)),
                                       carriageReturnEndsRecords: crOnly)
                }
                try parser?.feed(bytes) { queue.append(($0, $1)) }
            } catch let error as CSVError {
                throw RuntimeError.at(input.path.range, .unreadableFile, error.message(for: input.name))
            }
        }
    }

    /// A CSV file opened for every pass of a lookup, with its header row.
    struct CSVFile: Sendable {
        let opened: Opened
        let header: [String]
        let delimiter: UInt8?

        /// Opens `path` and reads its header row (an empty file is an error); `delimiter` nil: the header row's.
        init(_ path: StringLiteral, delimiter: UInt8? = nil) throws {
            opened = try open(path)
            self.delimiter = delimiter
            guard let first = try CSVRecordReader(opened, delimiter: delimiter).next() else {
                throw RuntimeError.at(path.range, .missingHeader, "\(opened.name) is empty (a header row is needed)")
            }
            header = first.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        }

        /// The records after the header row.
        func records() throws -> CSVRecordReader {
            let reader = CSVRecordReader(opened, delimiter: delimiter)
            _ = try reader.next()
            return reader
        }

        /// The index of a column, by header name (exact, else ignoring case) or number.
        func index(of column: ColumnReference) throws -> Int {
            let name = opened.name
            switch column {
            case .position(let n, let range):
                guard n <= header.count else { throw RuntimeError.at(range, .unknownColumn, "\(name) has \(header.count) column\(header.count == 1 ? "" : "s"), not \(n)") }
                return n - 1
            case .name(let wanted):
                let exact = header.indices.filter { header[$0] == wanted.value }
                let folded = header.indices.filter { header[$0].lowercased() == wanted.value.lowercased() }
                if let only = (exact.isEmpty ? folded : exact).first, (exact.isEmpty ? folded : exact).count == 1 { return only }
                if !folded.isEmpty {
                    throw RuntimeError.at(wanted.range, .ambiguousColumn, "\(name) has \(folded.count) columns named \"\(wanted.value)\"",
                                          suggestion: "choose one by number: column \(folded.map { String($0 + 1) }.joined(separator: " or column "))")
                }
                throw RuntimeError.at(wanted.range, .unknownColumn, "\(name) has no column \"\(wanted.value)\"",
                                      suggestion: ValueFiles.columnSuggestion(header, near: wanted.value, named: "columns"))
            }
        }
    }

    /// `-` and `/dev/stdin` are standard input.
    static func isStandardInput(_ path: String) -> Bool { path == "-" || path == "/dev/stdin" }

    /// Standard input, pipes, FIFOs and devices, by device and inode (so that
    /// `-`, `/dev/stdin` and `/dev/fd/0`, or `fifo` and `./fifo`, are one),
    /// each copied once into an unlinked temporary file: a lookup reads its
    /// values more than once, and a second read would find the stream drained.
    private static let spooled = Mutex<[String: Opened]>([:])

    /// Set when standard input was closed when hmq started (`<&-`): it is held
    /// by /dev/null then, and `file "-"` must not read that as no values.
    public static let standardInputClosed = Atomic<Bool>(false)

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

    /// Opens `path` for every pass of a lookup: a regular file as it is;
    /// standard input, a pipe, a FIFO or a device spooled once (see ``spooled``).
    static func open(_ path: StringLiteral) throws -> Opened {
        let name = isStandardInput(path.value) ? "stdin" : path.value
        var info = stat()
        if isStandardInput(path.value) {
            if scriptOnStandardInput.load(ordering: .relaxed) {
                throw RuntimeError.at(path.range, .stdinUnavailable, "stdin holds the script itself, so it has no values to read; put them in a file, or run the script with -e or from a file")
            }
            if standardInputClosed.load(ordering: .relaxed) {
                throw RuntimeError.at(path.range, .stdinUnavailable, "stdin is closed: there are no values to read")
            }
            guard fstat(STDIN_FILENO, &info) == 0 else { throw RuntimeError.at(path.range, .unreadableFile, ReadFailure(code: errno).message(for: name)) }
        } else if stat(path.value, &info) != 0 {
            let reason = errno
            if reason == ENOENT || reason == ENOTDIR { throw RuntimeError.at(path.range, .fileNotFound, "no such file: \(name)") }
            throw RuntimeError.at(path.range, .unreadableFile, "cannot read \(name): \(String(cString: strerror(reason)))")
        }
        if (info.st_mode & S_IFMT) == S_IFDIR { throw RuntimeError.at(path.range, .unreadableFile, "\(name) is a directory") }
        let key = "\(info.st_dev):\(info.st_ino)"
        if (info.st_mode & S_IFMT) != S_IFREG || isStandardInput(path.value), let spool = spooled.withLock({ $0[key] }) { return spool }
        let source: Int32
        if isStandardInput(path.value) {
            source = STDIN_FILENO
        } else {
            source = Foundation.open(path.value, O_RDONLY | O_CLOEXEC)
            guard source >= 0 else { throw RuntimeError.at(path.range, .unreadableFile, "cannot read \(name): \(String(cString: strerror(errno)))") }
            guard fstat(source, &info) == 0, (info.st_mode & S_IFMT) != S_IFDIR else {
                close(source)
                throw RuntimeError.at(path.range, .unreadableFile, "\(name) is a directory")
            }
            if (info.st_mode & S_IFMT) == S_IFREG {
                return Opened(descriptor: source, owned: true, path: path,
                              snapshot: (Int64(info.st_size), info.st_mtim.tv_sec, info.st_mtim.tv_nsec))
            }
        }
        defer { if source != STDIN_FILENO { close(source) } }
        if source == STDIN_FILENO, isatty(STDIN_FILENO) == 1 {
            _ = "hmq: reading values from the terminal, one per line; end with Ctrl-D\n".withCString { write(STDERR_FILENO, $0, strlen($0)) }
        }
        return try spooled.withLock { spooled throws -> Opened in
            if let spool = spooled[key] { return spool }
            var template = Array((FileManager.default.temporaryDirectory.path + "/hmq-values-XXXXXX").utf8CString)
            let spool = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            guard spool >= 0 else { throw RuntimeError.at(path.range, .writeFailed, "cannot keep \(name) in a temporary file: \(String(cString: strerror(errno)))") }
            _ = fcntl(spool, F_SETFD, FD_CLOEXEC)
            template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
            let opened = Opened(descriptor: spool, owned: true, path: path, snapshot: nil)
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            var lines = 0
            var lineLength = 0
            while true {
                // Ctrl-C, or a reader of the output that went away, stops an endless input.
                try Task.checkCancellation()
                let n = chunk.withUnsafeMutableBytes { Foundation.read(source, $0.baseAddress, $0.count) }
                if n < 0, errno == EINTR { continue }
                if n < 0 { throw RuntimeError.at(path.range, .unreadableFile, ReadFailure(code: errno).message(for: name)) }
                if n == 0 { break }
                // A stream with no line breaks (/dev/zero) is refused before it fills the disk.
                // The line that began in an earlier chunk ends at this chunk's first break: it counts first.
                if let first = chunk[0..<n].firstIndex(of: 0x0A), let last = chunk[0..<n].lastIndex(of: 0x0A) {
                    if lineLength + first > longestLine { throw tooLong(path, name: name, line: lines + 1) }
                    lines += chunk[0..<n].lazy.filter { $0 == 0x0A }.count
                    lineLength = n - last - 1
                } else {
                    lineLength += n
                }
                if lineLength > longestLine { throw tooLong(path, name: name, line: lines + 1) }
                var written = 0
                while written < n {
                    let w = chunk.withUnsafeBytes { write(spool, $0.baseAddress! + written, n - written) }
                    if w < 0, errno == EINTR { continue }
                    if w <= 0 { throw RuntimeError.at(path.range, .writeFailed, "cannot keep \(name) in a temporary file: \(String(cString: strerror(errno)))") }
                    written += w
                }
            }
            spooled[key] = opened
            return opened
        }
    }
}
