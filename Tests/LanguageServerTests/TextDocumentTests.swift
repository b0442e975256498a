import HMQJSON
@testable import LanguageServer
import Testing

/// The server's copy of a document under `didChange`: range edits in UTF-16,
/// malformed ranges refused, and an edit's cost bound by what it touches.
@Suite struct TextDocumentTests {
    typealias Position = TextDocument.Position

    static func change(_ range: JSONValue?, _ text: String) -> JSONValue {
        var members: [JSONObject.Member] = [.init(key: "text", value: .string(text))]
        if let range { members.insert(.init(key: "range", value: range), at: 0) }
        return .object(JSONObject(members))
    }

    static func range(_ sl: JSONValue, _ sc: JSONValue, _ el: JSONValue, _ ec: JSONValue) -> JSONValue {
        func position(_ line: JSONValue, _ character: JSONValue) -> JSONValue {
            .object(JSONObject([.init(key: "line", value: line), .init(key: "character", value: character)]))
        }
        return .object(JSONObject([.init(key: "start", value: position(sl, sc)), .init(key: "end", value: position(el, ec))]))
    }

    static let text = "let é = find phone 1\r\n# 李 👩‍💻\nfind email x\n"

    @Test(arguments: [
        // (start, end, new text, result)
        (Position(line: 0, character: 4), Position(line: 0, character: 5), "e", "let e = find phone 1\r\n# 李 👩‍💻\nfind email x\n"),
        (Position(line: 1, character: 4), Position(line: 1, character: 9), "x", "let é = find phone 1\r\n# 李 x\nfind email x\n"),
        (Position(line: 0, character: 99), Position(line: 1, character: 0), "", "let é = find phone 1# 李 👩‍💻\nfind email x\n"),
        (Position(line: 0, character: 0), Position(line: 3, character: 0), "a\nb", "a\nb"),
        (Position(line: 3, character: 0), Position(line: 4, character: 0), "end", "let é = find phone 1\r\n# 李 👩‍💻\nfind email x\nend"),
        (Position(line: 2, character: 4), Position(line: 2, character: 4), "\n\n", "let é = find phone 1\r\n# 李 👩‍💻\nfind\n\n email x\n"),
    ])
    func aRangeEditReplacesItsUTF16Range(start: Position, end: Position, newText: String, result: String) throws {
        var document = TextDocument(Self.text)
        try document.replace(from: start, to: end, with: newText)
        #expect(document.text == result)
        #expect(document.lines.count == result.utf8.split(separator: 0x0A, omittingEmptySubsequences: false).count)
    }

    @Test(arguments: [
        (range(.double(1.5), .integer(0), .integer(1), .integer(2)), "its range's start line is 1.5, not a whole number from 0"),
        (range(.integer(0), .string("1"), .integer(1), .integer(2)), #"its range's start character is "1", not a whole number from 0"#),
        (range(.integer(0), .integer(0), .integer(-1), .integer(2)), "its range's end line is -1, not a whole number from 0"),
        (range(.integer(0), .integer(0), .null, .integer(2)), "its range's end line is null, not a whole number from 0"),
        (range(.integer(2), .integer(0), .integer(1), .integer(0)), "its range starts (line 2, character 0) after it ends (line 1, character 0)"),
        (range(.integer(1), .integer(5), .integer(1), .integer(2)), "its range starts (line 1, character 5) after it ends (line 1, character 2)"),
        (range(.integer(0), .integer(0), .integer(9), .integer(0)), "its range's end (line 9, character 0) is not in the document (lines 0 to 3)"),
        (range(.integer(4), .integer(1), .integer(4), .integer(1)), "its range's start (line 4, character 1) is not in the document (lines 0 to 3)"),
        (.null, "its range is null, not {start, end}"),
        (.object(JSONObject([])), "its range's start line is missing, not a whole number from 0"),
    ])
    func aMalformedChangeIsRefusedAndChangesNothing(range: JSONValue, message: String) {
        var document = TextDocument(Self.text)
        #expect(throws: TextDocument.RangeError(description: message)) { try LanguageServer.apply(Self.change(range, "gone"), to: &document) }
        #expect(document.text == Self.text)
    }

    @Test func onlyAChangeWithNoRangeReplacesTheWholeText() throws {
        var document = TextDocument(Self.text)
        try LanguageServer.apply(Self.change(nil, "find phone 2\n"), to: &document)
        #expect(document.text == "find phone 2\n")
        #expect(throws: TextDocument.RangeError(description: "it has no text")) {
            try LanguageServer.apply(.object(JSONObject([])), to: &document)
        }
        #expect(document.text == "find phone 2\n")
    }

    /// 1,010 edits on a 20,000-line document (700 KB) read and write only the
    /// lines they name and their text: counted in bytes, not timed, at most
    /// 100 bytes an edit (rebuilding the text for each would be 700 KB an edit).
    @Test func anEditCostsWhatItTouchesNotTheDocument() throws {
        let line = "find phone 14155551234 | show name\n"
        var document = TextDocument(String(repeating: line, count: 20_000))
        for i in 0..<1000 {
            let at = i * 7 % 20_000
            try document.replace(from: Position(line: at, character: 11), to: Position(line: at, character: 15), with: i % 2 == 0 ? "1999" : "1415")
            if i % 100 == 0 {
                try document.replace(from: Position(line: at, character: 34), to: Position(line: at + 1, character: 0), with: "\n# added\n")
            }
        }
        #expect(document.bytesTouched <= 1010 * 100)
        let text = document.text
        #expect(text.utf8.count == 20_000 * line.utf8.count + 10 * "# added\n".utf8.count)
        #expect(text.components(separatedBy: "1999").count - 1 == 500)
        #expect(document.lines.count == 20_011)
    }
}
