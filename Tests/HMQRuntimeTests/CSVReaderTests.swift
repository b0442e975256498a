import Foundation
import HMQSyntax
import Testing

@testable import HMQRuntime

@Suite struct CSVReaderTests {
    @Test(arguments: [
        ("a,b\n1,2\n", [["a", "b"], ["1", "2"]]),
        ("a,b\r\n1,2\r\n", [["a", "b"], ["1", "2"]]),
        ("\"x, y\",\"say \"\"hi\"\"\"\n", [["x, y", "say \"hi\""]]),
        ("\"two\nlines\",z", [["two\nlines", "z"]]),
        ("a,,c\n", [["a", "", "c"]]),
        ("no newline at end", [["no newline at end"]]),
        ("", []),
    ])
    func reads(text: String, expected: [[String]]) throws {
        #expect(try CSVReader.records(text) == expected)
    }

    /// The delimiter is the header row's: `;` as Excel writes CSV in much of Europe, a tab, `|`.
    @Test(arguments: [
        ("Name;Email\n\"Ada, L\";ada@example.com\n", [["Name", "Email"], ["Ada, L", "ada@example.com"]]),
        ("a\tb\n1\t2\n", [["a", "b"], ["1", "2"]]),
        ("a|b|c\n1|2|3\n", [["a", "b", "c"], ["1", "2", "3"]]),
        // A `;` inside a quoted header does not count; a tie is a comma.
        ("\"x;y;z\",b\n1,2\n", [["x;y;z", "b"], ["1", "2"]]),
        ("a;b,c\n1;2,3\n", [["a;b", "c"], ["1;2", "3"]]),
    ])
    func theDelimiterIsTheHeaderRows(text: String, expected: [[String]]) throws {
        #expect(try CSVReader.records(text) == expected)
    }

    @Test func aFileThatIsNotUTF8IsAnErrorNamingItsLine() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hmq-latin1-\(UUID()).csv").path
        try Data("Name,Email\nAda,ada@example.com\n".utf8 + [0xE9, 0x74, 0xE9] + Data(",x@y.z\n".utf8)).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try ValueFiles.csvColumn(StringLiteral(value: path, range: SourceRange(start: 0, end: 0)), .name(StringLiteral(value: "Email", range: SourceRange(start: 0, end: 0))))
            Issue.record("a Latin-1 file must not be read")
        } catch let error as RuntimeError {
            #expect(error.diagnostic.message.contains("\(path):3 is not UTF-8 text"), "\(error.diagnostic.message)")
        }
    }

    @Test func anUnterminatedQuoteNamesItsLine() {
        #expect(throws: CSVError(message: "unterminated quoted field starting on line 2")) {
            try CSVReader.records("a\n\"b,c\nd")
        }
    }
}
