import Testing

@testable import HMQSyntax

/// Invalid inputs, each with the exact line, column (in characters) and message
/// of the first diagnostic.
@Suite struct InvalidInputTests {
    static let cases: [(String, Int, Int, String)] = [
        ("find \"unterminated", 1, 6, "unterminated string"),
        ("find phone 1 | show \"name", 1, 21, "unterminated string"),
        ("find 1 | | show name", 1, 10, "expected a stage after '|', found '|'"),
        ("| show name", 1, 1, "a pipeline must start with 'find' or a variable, not '|'"),
        ("find 1 |", 1, 9, "expected a stage after '|', found end of input"),
        ("find", 1, 5, "expected a value after 'find', found end of input"),
        ("find phone", 1, 11, "expected a value after channel type 'phone', found end of input"),
        ("find phone, email a@b.com", 1, 11, "expected a value after channel type 'phone', found ','"),
        ("show name", 1, 1, "'show' is a stage; a pipeline must start with 'find' or a variable"),
        ("where tags has \"vip\"", 1, 1, "'where' is a stage; a pipeline must start with 'find' or a variable"),
        ("find 1 | shwo name", 1, 10, "unknown stage 'shwo'"),
        ("find 1 | frobnicate", 1, 10, "unknown stage 'frobnicate'"),
        ("find 1 | wher x == 1", 1, 10, "unknown stage 'wher'"),
        ("find 1 | srot name", 1, 10, "unknown stage 'srot'"),
        ("find 1 | limt 3", 1, 10, "unknown stage 'limt'"),
        ("fnd phone 1", 1, 1, "unknown statement 'fnd'"),
        ("lett x = find 1", 1, 1, "unknown statement 'lett'"),
        ("sett format csv", 1, 1, "unknown statement 'sett'"),
        ("explian find 1", 1, 1, "unknown statement 'explian'"),
        ("hello world", 1, 1, "unknown statement 'hello'; expected find, let, set or explain"),
        ("find 1 2", 1, 7, "expected ',' between values, found '2'"),
        ("find phone 1 email", 1, 14, "unexpected 'email' after the statement; stages are separated by '|' and statements by a new line or ';'"),
        ("find phone 1, email", 1, 20, "expected a value after channel type 'email', found end of input"),
        ("find phone 1,", 1, 14, "expected a value after ',', found end of input"),
        ("find 1 | show", 1, 14, "expected a field after 'show', found end of input"),
        ("find 1 | show name,", 1, 20, "expected a field after ',', found end of input"),
        ("find 1 | show name as", 1, 22, "expected a column name after 'as', found end of input"),
        ("find 1 | show name.", 1, 19, "expected a field name after '.', found end of input"),
        ("find 1 | where", 1, 15, "expected a condition after 'where', found end of input"),
        ("find 1 | where x ==", 1, 20, "expected a value after '==', found end of input"),
        ("find 1 | where x == vip", 1, 21, "expected a value after '==', found 'vip'; quote text values"),
        ("find 1 | where x has", 1, 21, "expected a value after 'has', found end of input"),
        ("find 1 | where x in 1", 1, 21, "expected '[' after 'in', found '1'"),
        ("find 1 | where tags == [\"vip\"]", 1, 25, "'==' takes no list but the empty one, '[]'; found a string after '['"),
        ("find 1 | where tags != [", 1, 25, "'!=' takes no list but the empty one, '[]'; found end of input after '['"),
        ("find 1 | where tags < []", 1, 23, "'<' cannot compare with a list; '[]' goes with == or !="),
        ("find 1 | where x in [1, 2", 1, 26, "expected ',' or ']' in the list, found end of input"),
        ("find 1 | where x in [1 2]", 1, 24, "expected ',' or ']' in the list, found '2'"),
        ("find 1 | where (x == 1", 1, 23, "expected ')' to close the '(' at column 16, found end of input"),
        ("find 1 | where x == 1 and", 1, 26, "expected a field name in the condition, found end of input"),
        ("find 1 | where x == 1 or", 1, 25, "expected a field name in the condition, found end of input"),
        ("find 1 | where not", 1, 19, "expected a field name in the condition, found end of input"),
        ("find 1 | where x matches 1", 1, 26, "'matches' takes a regular expression in quotes"),
        ("find 1 | where x ~ 1", 1, 18, "unexpected character '~'"),
        ("find 1 | where x ! 1", 1, 18, "unexpected character '!'; did you mean '!=' or 'not'?"),
        ("find 1 | sort", 1, 14, "expected a field to sort by, found end of input"),
        ("find 1 | sort name,", 1, 20, "expected a field to sort by, found end of input"),
        ("find 1 | limit", 1, 15, "expected a number of rows after 'limit', found end of input"),
        ("find 1 | limit x", 1, 16, "expected a number of rows after 'limit', found 'x'"),
        ("find 1 | first x", 1, 16, "expected a number of rows after 'first', found 'x'"),
        ("find 1 | count by", 1, 18, "expected a field name after 'count by', found end of input"),
        ("find 1 | format", 1, 16, "expected a format name after 'format', found end of input"),
        ("find 1 | format 3", 1, 17, "expected a format name after 'format', found '3'"),
        ("find 1 | save", 1, 14, "expected a quoted path after 'save', found end of input"),
        ("find 1 | save out.csv", 1, 15, "expected a quoted path after 'save', found 'out'"),
        ("find file phones.txt", 1, 11, "expected a quoted path or a $variable after 'file', found 'phones'"),
        ("find csv \"a.csv\"", 1, 17, "expected 'column' after csv \"a.csv\", found end of input"),
        ("find csv \"a.csv\" column", 1, 24, "expected a column name (a string) or number after 'column', found end of input"),
        ("find csv \"a.csv\" column 0", 1, 25, "a column number counts from 1"),
        ("let = find 1", 1, 5, "expected a name after 'let', found '='"),
        ("let x find 1", 1, 7, "expected '=' after 'let x', found 'find'"),
        ("let x =", 1, 8, "expected a pipeline after 'let x ='"),
        ("set", 1, 4, "expected a setting name after 'set', found end of input"),
        ("set batch", 1, 10, "expected a value after 'set batch', found end of input"),
        ("explain", 1, 8, "expected a pipeline after 'explain', found end of input"),
        ("find $ | show name", 1, 6, "expected a variable name after '$'"),
        ("find 12ab", 1, 6, "invalid number '12ab'; quote text values"),
        ("set timeout 1e-300", 1, 13, "invalid number '1e-300'; quote text values"),
        ("find 1 | where x == 2.5E+7", 1, 21, "invalid number '2.5E+7'; quote text values"),
        ("find phone +14155551234", 1, 12, "a number starting with '+' must be quoted: \"+14155551234\""),
        ("find \"a\\qb\"", 1, 8, "invalid escape '\\q' in string"),
        ("find \"\\u{zz}\"", 1, 7, "invalid Unicode escape; write \\u{1F600}"),
        ("find 1 | show name extra", 1, 20, "unexpected 'extra' after the statement; stages are separated by '|' and statements by a new line or ';'"),
        ("find 1 | show name | find 2", 1, 22, "'find' starts a statement, not a stage; put it on a new line or after ';'"),
        ("find 1 ) ", 1, 8, "unexpected ')' after the statement; stages are separated by '|' and statements by a new line or ';'"),
        ("find 1 ; show name", 1, 10, "'show' is a stage; a pipeline must start with 'find' or a variable"),
        ("find 1 | where x == 1 ]", 1, 23, "unexpected ']' after the statement; stages are separated by '|' and statements by a new line or ';'"),
        ("find @", 1, 6, "unexpected character '@'"),
        ("find 1\nfind 2 | shwo x\n", 2, 10, "unknown stage 'shwo'"),
        ("find \"李小龍\" | shwo", 1, 14, "unknown stage 'shwo'"),
        ("find \"José\", phone | show", 1, 20, "expected a value after channel type 'phone', found '|'"),
        ("# comment\n\n  find 1 |\n", 3, 11, "expected a stage after '|', found end of input"),
        ("find 1 | where a == 1 and (b == 2 or c", 1, 39, "expected ')' to close the '(' at column 27, found end of input"),
        ("set format csv extra", 1, 16, "unexpected 'extra' after the statement; stages are separated by '|' and statements by a new line or ';'"),
        ("find 1 | limit -3", 1, 16, "'limit' takes a whole number of rows, found '-3'"),
        ("find 1 | unique ,", 1, 17, "unexpected ',' after the statement; stages are separated by '|' and statements by a new line or ';'"),
    ]

    @Test(arguments: cases)
    func reportsWhereAndWhat(input: String, line: Int, column: Int, message: String) throws {
        let result = Parser.parse(input, name: "t.hmq")
        let first = try #require(result.diagnostics.first, "no diagnostic for \(input)")
        let location = result.source.location(of: first.range.start)
        #expect(location.line == line, "\(input)")
        #expect(location.column == column, "\(input)")
        #expect(first.message == message, "\(input)")
        #expect(first.severity == .error)
    }

    @Test func atLeastSixtyCases() {
        #expect(Self.cases.count >= 60)
    }

    @Test func invalidUTF8() throws {
        let result = Parser.parse(Source(name: "t", bytes: Array("find ".utf8) + [0xFF, 0x20] + Array("| show x".utf8)))
        let d = try #require(result.diagnostics.first)
        #expect(d.message == "invalid UTF-8 byte 0xFF")
        #expect(d.id == .invalidUTF8)
        #expect(result.source.location(of: d.range.start).column == 6)
        let inString = Parser.parse(Source(name: "t", bytes: Array("find \"a".utf8) + [0xC3, 0x28] + Array("\"".utf8)))
        #expect(inString.diagnostics.first?.message == "invalid UTF-8 byte 0xC3")
    }

    @Test func nulByte() throws {
        let result = Parser.parse(Source(name: "t", bytes: Array("find 1".utf8) + [0x00] + Array(" | show x".utf8)))
        let d = try #require(result.diagnostics.first)
        #expect(d.message == "NUL byte in source")
        #expect(result.source.location(of: d.range.start) == SourceLocation(line: 1, column: 7, offset: 6))
    }

    @Test func tenThousandNestedParenthesesAreAnErrorNotACrash() throws {
        let text = "find 1 | where " + String(repeating: "(", count: 10_000) + "a == 1" + String(repeating: ")", count: 10_000)
        let result = Parser.parse(text)
        let d = try #require(result.diagnostics.first)
        #expect(d.id == .nestingTooDeep)
        #expect(d.message == "condition is nested too deeply (more than 256 levels)")
        #expect(result.source.location(of: d.range.start).column == 16 + Parser.maximumNesting)
        let nots = Parser.parse("find 1 | where " + String(repeating: "not ", count: 10_000) + "a")
        #expect(nots.diagnostics.first?.id == .nestingTooDeep)
    }

    @Test func nestingUpToTheLimitIsFine() {
        let depth = Parser.maximumNesting - 1
        let text = "find 1 | where " + String(repeating: "(", count: depth) + "a == 1" + String(repeating: ")", count: depth)
        #expect(Parser.parse(text).diagnostics.isEmpty)
    }

    @Test func recoversAndReportsEveryError() {
        let text = """
            find phone 14155551234 | shwo name
            find email a@b.com | where tags has vip
            let x = find 1
            find 1 | limit
            $x | show name
            """
        let result = Parser.parse(text)
        #expect(result.diagnostics.map { result.source.location(of: $0.range.start).line } == [1, 2, 4])
        #expect(result.script.statements.count == 2, "the valid statements still parse")
    }

    @Test func suggestionsForNearMisses() {
        let cases = [("find 1 | shwo x", "did you mean 'show'?"), ("fidn 1", "did you mean 'find'?"), ("find 1 | uniq", "did you mean 'unique'?"), ("find 1 | where x == vip", "write \"vip\"")]
        for (text, suggestion) in cases {
            #expect(Parser.parse(text).diagnostics.first?.suggestion == suggestion, "\(text)")
        }
        #expect(Parser.parse("find 1 | shwo x").diagnostics.first?.fixIt?.replacement == "show")
    }
}
