import HMQSyntax

/// An open document as the server keeps it: its lines, so that a range edit
/// reads and writes only what it touches (the lines it names and the text it
/// puts in), however long the document is.
///
/// Lines are as ``Source`` counts them: each ends after a `\n` (a `\r` before
/// it is part of the break), and the last one has none (it may be empty).
struct TextDocument: Sendable {
    /// A place in the protocol's terms: a 0-based line and UTF-16 code units into it.
    struct Position: Sendable, Equatable, Comparable, CustomStringConvertible {
        var line: Int
        var character: Int
        static func < (a: Position, b: Position) -> Bool { (a.line, a.character) < (b.line, b.character) }
        var description: String { "line \(line), character \(character)" }
    }

    /// Why a range cannot be applied to this document.
    struct RangeError: Error, Sendable, Equatable, CustomStringConvertible {
        var description: String
    }

    /// The lines, each but the last with its line break.
    private(set) var lines: [[UInt8]]
    /// Bytes the edits so far have read or written (their lines and their new
    /// text), so a test can check an edit's cost does not grow with the document.
    private(set) var bytesTouched = 0

    init(_ text: String) {
        lines = Self.split(Array(text.utf8), keepingLast: true)
    }

    /// The whole text.
    var text: String { String(decoding: lines.joined(), as: UTF8.self) }

    /// Replaces the text from `start` to `end` with `newText`. A character past
    /// a line's end means the line's end (as the protocol says); `end` may be
    /// the start of the line after the last (the document's end). A range that
    /// starts after it ends, or names a line the document does not have, is
    /// refused and the document is left as it was.
    mutating func replace(from start: Position, to end: Position, with newText: String) throws(RangeError) {
        guard start <= end else { throw RangeError(description: "its range starts (\(start)) after it ends (\(end))") }
        let (startLine, startByte) = try place(start, "start")
        let (endLine, endByte) = try place(end, "end")
        var joined = Array(lines[startLine][..<startByte])
        joined += newText.utf8
        joined += lines[endLine][endByte...]
        // The last line keeps its (possibly empty) remainder; another line's text ends with its "\n".
        let replacement = Self.split(joined, keepingLast: endLine == lines.count - 1)
        bytesTouched += lines[startLine].count + (endLine == startLine ? 0 : lines[endLine].count) + joined.count
        lines.replaceSubrange(startLine...endLine, with: replacement)
    }

    /// The line and byte in it of `position`; reads only that line.
    private func place(_ position: Position, _ name: String) throws(RangeError) -> (line: Int, byte: Int) {
        if position.line == lines.count, position.character == 0, let last = lines.indices.last {
            return (last, lines[last].count)
        }
        guard position.line >= 0, position.character >= 0, position.line < lines.count else {
            throw RangeError(description: "its range's \(name) (\(position)) is not in the document (lines 0 to \(lines.count - 1))")
        }
        let line = lines[position.line]
        return (position.line, Source.offset(utf16Character: position.character, inLine: line, from: 0, to: line.count))
    }

    /// `bytes` cut after each `\n`; the piece after the last `\n` is kept when `keepingLast` (even empty).
    private static func split(_ bytes: [UInt8], keepingLast: Bool) -> [[UInt8]] {
        var pieces: [[UInt8]] = []
        var start = 0
        for (i, byte) in bytes.enumerated() where byte == 0x0A {
            pieces.append(Array(bytes[start...i]))
            start = i + 1
        }
        if keepingLast { pieces.append(Array(bytes[start...])) }
        return pieces
    }
}
