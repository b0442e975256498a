import Testing
import TextWidth

@testable import HMQSyntax

@Suite struct DiagnosticRendererTests {
    @Test func rendersAllErrorsWithCaretsUnderTheRightCharacters() {
        let text = """
            find email "José@example.com" | shwo name
            find phone 李小龍 | show name
            find 1 | where tags has vip | limit
            """
        let result = Parser.parse(text, name: "three.hmq")
        let rendered = DiagnosticRenderer().render(result.diagnostics, in: result.source)
        let expected = """
            three.hmq:1:33: error: unknown stage 'shwo'
             1 | find email "José@example.com" | shwo name
               |                                 ^~~~ did you mean 'show'?

            three.hmq:2:12: error: expected a value after channel type 'phone', found '李小龍'; quote text values
             2 | find phone 李小龍 | show name
               |            ^~~~~~ write "李小龍"

            three.hmq:3:25: error: expected a value after 'has', found 'vip'; quote text values
             3 | find 1 | where tags has vip | limit
               |                         ^~~ write "vip"

            """
        #expect(rendered == expected)
    }

    @Test func aVeryLongLineIsShownAsAWindowAroundTheError() {
        let values = (0..<400).map { String(14_155_550_000 + $0) }.joined(separator: ", ")
        let result = Parser.parse("find phone \(values) | shwo name", name: "long.hmq")
        let lines = DiagnosticRenderer().render(result.diagnostics[0], in: result.source).split(separator: "\n").map(String.init)
        #expect(lines[1] == " 1 | …4155550397, 14155550398, 14155550399 | shwo name")
        #expect(lines[2] == "   |                                         ^~~~ did you mean 'show'?")
        // A long range is cut too: the note under a find of 400 values.
        let note = Diagnostic(id: DiagnosticID(rawValue: "no-contact"), severity: .note, range: SourceRange(start: 0, end: result.source.bytes.count - 12), message: "n")
        let noteLines = DiagnosticRenderer().render(note, in: result.source).split(separator: "\n").map(String.init)
        #expect(noteLines[1].count <= 6 + 160 + 2)
        #expect(noteLines[2] == "   | ^" + String(repeating: "~", count: 79))
    }

    @Test func pointsAtTheEndOfLineForMissingThings() {
        let result = Parser.parse("find 1 |", name: "t")
        #expect(DiagnosticRenderer().render(result.diagnostics[0], in: result.source) == """
            t:1:9: error: expected a stage after '|', found end of input
             1 | find 1 |
               |         ^ stages: show, where, sort, limit, first, count, unique, format, save, unmatched, diff

            """)
    }

    @Test func colorOnlyWhenAllowed() {
        #expect(DiagnosticRenderer.colorByDefault(environment: [:], isTerminal: true))
        #expect(!DiagnosticRenderer.colorByDefault(environment: [:], isTerminal: false))
        #expect(!DiagnosticRenderer.colorByDefault(environment: ["NO_COLOR": "1"], isTerminal: true))
        #expect(!DiagnosticRenderer.colorByDefault(environment: ["TERM": "dumb"], isTerminal: true))
        let result = Parser.parse("find 1 |")
        #expect(DiagnosticRenderer(useColor: true).render(result.diagnostics, in: result.source).contains("\u{1B}["))
        #expect(!DiagnosticRenderer(useColor: false).render(result.diagnostics, in: result.source).contains("\u{1B}["))
    }

    @Test(arguments: [("abc", 3), ("José", 4), ("李小龍", 6), ("e\u{301}", 1), ("👩‍💻", 2), ("", 0)])
    func displayWidth(text: String, width: Int) {
        #expect(DisplayWidth.of(text) == width)
    }
}
