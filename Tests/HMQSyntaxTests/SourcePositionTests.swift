import HMQSyntax
import Testing
import TestSupport

/// LSP positions: 0-based lines and UTF-16 code units, both ways.
@Suite struct SourcePositionTests {
    @Test func utf16PositionsCountCodeUnits() {
        let source = Source(name: "t", text: "é 李\r\n👩‍💻x\nlast")
        // 'x' follows 👩 (2 units), ZWJ (1) and 💻 (2) on line 1.
        let x = source.bytes.firstIndex(of: UInt8(ascii: "x"))!
        #expect(source.utf16Position(of: x) == (1, 5))
        #expect(source.offset(line: 1, utf16Character: 5) == x)
        // Past the end of a line: its end (before \r\n); past the last line: the end of the text.
        #expect(source.offset(line: 0, utf16Character: 99) == Array("é 李".utf8).count)
        #expect(source.offset(line: 9, utf16Character: 0) == source.bytes.count)
        // Inside a surrogate pair: the character's end.
        #expect(source.offset(line: 1, utf16Character: 1) == Array("é 李\r\n👩".utf8).count)
    }

    @Test func positionsRoundTripAtEveryScalarBoundary() {
        var random = SeededGenerator(seed: 7)
        let pieces = ["a", "é", "李", "👩‍💻", "\n", "\r\n", " ", "\u{301}", "𝄞"]
        for _ in 0..<200 {
            let text = (0..<Int.random(in: 0...30, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
            let source = Source(name: "t", text: text)
            var offset = 0
            for scalar in text.unicodeScalars {
                let p = source.utf16Position(of: offset)
                if scalar != "\n" || !text.utf8.dropFirst(max(0, offset - 1)).starts(with: [13]) {
                    #expect(source.offset(line: p.line, utf16Character: p.character) == offset, "\(text.debugDescription) at \(offset)")
                }
                offset += scalar.utf8.count
            }
        }
    }

    @Test func invalidUTF8CountsOneUnitPerBadByte() {
        let source = Source(name: "t", bytes: [0x61, 0xFF, 0xFE, 0x62])
        #expect(source.utf16Position(of: 3) == (0, 3))
        #expect(source.offset(line: 0, utf16Character: 3) == 3)
    }
}
