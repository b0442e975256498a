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
        let index = lineIndex(of: offset)
        let prefix = String(decoding: bytes[lineStarts[index]..<offset], as: UTF8.self)
        return SourceLocation(line: index + 1, column: prefix.count + 1, offset: offset)
    }

    /// The 0-based line and the UTF-16 code units before a byte offset on it:
    /// a position as the Language Server Protocol counts it.
    public func utf16Position(of offset: Int) -> (line: Int, character: Int) {
        let offset = max(0, min(offset, bytes.count))
        let index = lineIndex(of: offset)
        return (index, String(decoding: bytes[lineStarts[index]..<offset], as: UTF8.self).utf16.count)
    }

    /// The byte offset of a 0-based line and UTF-16 position on it (clamped to
    /// the line; a position inside a character means the character's end).
    public func offset(line: Int, utf16Character: Int) -> Int {
        guard line >= 0 else { return 0 }
        guard line < lineStarts.count else { return bytes.count }
        let end = line + 1 < lineStarts.count ? lineStarts[line + 1] : bytes.count
        return Self.offset(utf16Character: utf16Character, inLine: bytes, from: lineStarts[line], to: end)
    }

    /// The byte offset `utf16Character` UTF-16 code units into the line
    /// `bytes[start..<end]` (its line break, if any, included; the position is
    /// clamped to the line before it, and one inside a character means the
    /// character's end). Reads only that line.
    public static func offset(utf16Character: Int, inLine bytes: [UInt8], from start: Int, to end: Int) -> Int {
        var end = end
        if end > start, bytes[end - 1] == 0x0A { end -= 1 }
        if end > start, bytes[end - 1] == 0x0D { end -= 1 }
        var offset = start
        var units = 0
        while offset < end, units < utf16Character {
            // One UTF-8 sequence: 4 bytes are 2 UTF-16 units; an invalid byte is one U+FFFD.
            let lead = bytes[offset]
            let length = lead < 0x80 ? 1 : lead >> 5 == 0b110 ? 2 : lead >> 4 == 0b1110 ? 3 : lead >> 3 == 0b11110 ? 4 : 1
            let valid = offset + length <= end && bytes[offset + 1 ..< offset + length].allSatisfy { $0 & 0xC0 == 0x80 }
            offset += valid ? length : 1
            units += valid && length == 4 ? 2 : 1
        }
        return offset
    }

    /// The 0-based index of the line holding a byte offset.
    private func lineIndex(of offset: Int) -> Int {
        var lo = 0
        var hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        return lo
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
