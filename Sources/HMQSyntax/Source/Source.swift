/// A named text to parse: a file, a `-e` argument, a REPL line.
///
/// The text is kept as UTF-8 bytes (what the lexer reads); line starts are
/// computed on first use, for rendering diagnostics only.
public final class Source: Sendable {
    /// The name diagnostics show: a path, `<-e>`, `<stdin>`.
    public let name: String
    /// The text as UTF-8 bytes. Invalid UTF-8 is kept as is (the lexer reports it).
    public let bytes: [UInt8]
    private let lineStarts: [Int]

    public convenience init(name: String, text: String) {
        self.init(name: name, bytes: Array(text.utf8))
    }

    public init(name: String, bytes: [UInt8]) {
        self.name = name
        self.bytes = bytes
        var starts = [0]
        for (i, b) in bytes.enumerated() where b == 0x0A { starts.append(i + 1) }
        self.lineStarts = starts
    }

    /// The text of `range` (invalid UTF-8 replaced by U+FFFD).
    public func text(_ range: SourceRange) -> String {
        let lo = max(0, min(range.start, bytes.count))
        let hi = max(lo, min(range.end, bytes.count))
        return String(decoding: bytes[lo..<hi], as: UTF8.self)
    }

    /// The 1-based line and character column of a byte offset.
    public func location(of offset: Int) -> SourceLocation {
        let offset = max(0, min(offset, bytes.count))
        var lo = 0
        var hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        let lineStart = lineStarts[lo]
        let prefix = String(decoding: bytes[lineStart..<offset], as: UTF8.self)
        return SourceLocation(line: lo + 1, column: prefix.count + 1, offset: offset)
    }

    /// The text of 1-based `line`, without its line break.
    public func line(_ line: Int) -> String {
        guard line >= 1, line <= lineStarts.count else { return "" }
        let start = lineStarts[line - 1]
        var end = line < lineStarts.count ? lineStarts[line] - 1 : bytes.count
        if end > start, bytes[end - 1] == 0x0D { end -= 1 }
        return String(decoding: bytes[start..<max(start, end)], as: UTF8.self)
    }

    /// The byte offset where 1-based `line` starts.
    func lineStart(_ line: Int) -> Int { lineStarts[max(0, min(line - 1, lineStarts.count - 1))] }

    /// How many lines the text has.
    public var lineCount: Int { lineStarts.count }
}

/// A half-open byte range `start..<end` in a ``Source``.
///
/// Stored as 32-bit offsets (sources are at most 4 GiB): every AST node carries
/// one, so their size is the AST's size.
public struct SourceRange: Sendable, Hashable, CustomStringConvertible {
    private var storedStart: UInt32
    private var storedEnd: UInt32

    public var start: Int {
        get { Int(storedStart) }
        set { storedStart = UInt32(clamping: newValue) }
    }
    public var end: Int {
        get { Int(storedEnd) }
        set { storedEnd = UInt32(clamping: newValue) }
    }

    public init(start: Int, end: Int) {
        self.storedStart = UInt32(clamping: start)
        self.storedEnd = UInt32(clamping: max(start, end))
    }

    public init(_ range: Range<Int>) { self.init(start: range.lowerBound, end: range.upperBound) }

    /// The smallest range covering both.
    public func union(_ other: SourceRange) -> SourceRange {
        SourceRange(start: min(start, other.start), end: max(end, other.end))
    }

    public var isEmpty: Bool { start == end }
    public var description: String { "\(start)..<\(end)" }
}

/// A position as people count it: 1-based line and 1-based column in characters.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    /// The byte offset it came from.
    public var offset: Int
    public var description: String { "\(line):\(column)" }
}
