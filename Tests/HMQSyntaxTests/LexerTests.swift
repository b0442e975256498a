import Testing

@testable import HMQSyntax

@Suite struct LexerTests {
    func kinds(_ text: String) -> [TokenKind] {
        Lexer.tokenize(Source(name: "t", text: text)).tokens.map(\.kind)
    }

    @Test(arguments: [
        ("find 14155551234", [TokenKind.identifier, .number, .end]),
        ("a@b.com, x.y+z@ex-ample.co.uk.", [.email, .comma, .email, .dot, .end]),
        ("custom.12", [.identifier, .dot, .number, .end]),
        ("$1 $name $env.HOME", [.variable, .variable, .variable, .end]),
        ("== != <= >= < > = | ; ( ) [ ] *", [.equalEqual, .notEqual, .lessEqual, .greaterEqual, .less, .greater, .equals, .pipe, .semicolon, .leftParen, .rightParen, .leftBracket, .rightBracket, .star, .end]),
        ("--max-width -3 3.25", [.option, .number, .number, .end]),
        ("José 李小龍", [.identifier, .identifier, .end]),
        ("x # comment\ny", [.identifier, .newline, .identifier, .end]),
        ("'it''s'", [.string, .string, .end]),
    ])
    func tokenKinds(text: String, expected: [TokenKind]) {
        #expect(kinds(text) == expected)
    }

    @Test func stringsDecodeEscapes() {
        let lexed = Lexer.tokenize(Source(name: "t", text: #""a\"b\\c\n\t\u{1F600}\u{e9}" 'x\'y'"#))
        #expect(lexed.decoded(lexed.tokens[0]) == "a\"b\\c\n\t😀é")
        #expect(lexed.decoded(lexed.tokens[1]) == "x'y")
    }

    @Test func everyTokenRangeIsInsideTheSource() {
        let text = "find phone 14155551234, email \"José\" | where tags has 'vip' # done\n"
        let lexed = Lexer.tokenize(Source(name: "t", text: text))
        let (tokens, diagnostics) = (lexed.tokens, lexed.diagnostics)
        #expect(diagnostics.isEmpty)
        var previousEnd = 0
        for token in tokens {
            #expect(token.range.start >= previousEnd)
            #expect(token.range.end <= text.utf8.count)
            previousEnd = token.range.end
        }
    }
}
