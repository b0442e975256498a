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
            let reader = try ValueFiles.CSVFile(StringLiteral(value: path, range: SourceRange(start: 0, end: 0))).records()
            while try reader.next() != nil {}
            Issue.record("a Latin-1 file must not be read")
        } catch let error as RuntimeError {
            #expect(error.diagnostic.message.contains("\(path):3 is not UTF-8 text"), "\(error.diagnostic.message)")
        }
    }

    /// A file streams in chunks: wherever a chunk ends (inside a CRLF, between
    /// the two quotes of an escaped one, inside a multi-byte character), the
    /// records and their lines are those of the whole text.
    @Test func recordsAreTheSameWhereverAChunkEnds() throws {
        let text = "Name,Note,Phone\r\n\"Ada, L\",\"say \"\"hi\"\"\r\nagain\",14155551234\r\nJosé,é\r,x\n\"\",\"\"\"\"\n"
        let whole = try CSVReader.numberedRecords(text)
        #expect(whole.count == 4)
        #expect(whole[1].fields == ["Ada, L", "say \"hi\"\r\nagain", "14155551234"])
        #expect(whole[2].line == 4 && whole[2].fields == ["José", "é\r", "x"])
        #expect(whole[3].fields == ["", "\""])
        let bytes = Array(text.utf8)
        for size in 1...bytes.count {
            var parser = CSVParser(delimiter: UInt8(ascii: ","))
            var streamed: [(fields: [String], line: Int)] = []
            var start = 0
            while start < bytes.count {
                try parser.feed(bytes[start..<min(start + size, bytes.count)]) { streamed.append(($0, $1)) }
                start += size
            }
            try parser.finish { streamed.append(($0, $1)) }
            #expect(streamed.map(\.fields) == whole.map(\.fields), "chunks of \(size)")
            #expect(streamed.map(\.line) == whole.map(\.line), "chunks of \(size)")
        }
    }

    @Test func anUnterminatedQuoteNamesItsLine() {
        #expect(throws: CSVError(message: "unterminated quoted field starting on line 2")) {
            try CSVReader.records("a\n\"b,c\nd")
        }
    }
}
