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

    @Test func anUnterminatedQuoteNamesItsLine() {
        #expect(throws: CSVError(message: "unterminated quoted field starting on line 2")) {
            try CSVReader.records("a\n\"b,c\nd")
        }
    }
}
