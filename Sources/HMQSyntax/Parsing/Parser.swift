/// The result of parsing: a script (as much as could be parsed) and every diagnostic.
public struct ParseResult: Sendable {
    public var script: Script
    public var diagnostics: [Diagnostic]
    public var source: Source

    /// True when any diagnostic is an error.
    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
}

/// A recursive-descent parser for hmq, split by grammar area across
/// `Parser+Statements`, `Parser+Find`, `Parser+Stages` and `Parser+Expressions`.
/// It recovers at statement boundaries, so one run reports every error.
public struct Parser {
    /// Conditions nested deeper than this are an error, not a stack overflow.
    public static let maximumNesting = 256

    let source: Source
    /// The source's bytes, held directly for the hot loops.
    let bytes: [UInt8]
    /// Tokens are lexed as the parser goes (no token array for the whole
    /// script: large scripts stay small in memory).
    var lexer: Lexer
    /// The token being looked at.
    var current: Token
    /// Tokens after `current` that a look-ahead has already lexed.
    var lookahead: [Token] = []
    /// How many tokens have been consumed (to detect a parser that makes no progress).
    var consumed = 0
    /// The range of the last consumed token that was not a line break.
    var previousRange = SourceRange(start: 0, end: 0)
    /// Comments met so far, in order (they are not tokens for the grammar).
    var comments: [Token] = []
    var diagnostics: [Diagnostic] = []
    var depth = 0
    /// Stage names plugins provide (`| dedupe`), parsed as ``Stage/plugin(_:)``.
    var pluginStages: Set<String> = []

    /// Thrown after a diagnostic has been recorded; caught at the statement level.
    struct Recovery: Error {}

    /// Parses a whole script. `pluginStages` are the stage names plugins
    /// provide (from the plugin registry); any other unknown stage is an error.
    public static func parse(_ source: Source, pluginStages: Set<String> = []) -> ParseResult {
        var parser = Parser(source: source)
        parser.pluginStages = Set(pluginStages.map { $0.lowercased() })
        let script = parser.parseScript()
        let diagnostics = (parser.lexer.diagnostics + parser.diagnostics).sorted { $0.range.start < $1.range.start }
        return ParseResult(script: script, diagnostics: diagnostics, source: source)
    }

    /// Parses text given directly (`-e`, a REPL line).
    public static func parse(_ text: String, name: String = "<input>", pluginStages: Set<String> = []) -> ParseResult {
        parse(Source(name: name, text: text), pluginStages: pluginStages)
    }

    private init(source: Source) {
        self.source = source
        self.bytes = source.bytes
        self.lexer = Lexer(source: source)
        self.current = Token(kind: .end, range: SourceRange(start: 0, end: 0))
        self.current = nextFromLexer()
    }

    // MARK: Token access

    var kind: TokenKind { current.kind }

    private mutating func nextFromLexer() -> Token {
        while true {
            let token = lexer.next()
            if token.kind == .comment {
                comments.append(token)
                continue
            }
            return token
        }
    }

    /// The token `ahead` places after the current one (0 is the current one).
    mutating func peek(_ ahead: Int) -> Token {
        if ahead == 0 { return current }
        while lookahead.count < ahead {
            if (lookahead.last ?? current).kind == .end { return lookahead.last ?? current }
            lookahead.append(nextFromLexer())
        }
        return lookahead[ahead - 1]
    }

    @discardableResult
    mutating func advance() -> Token {
        let token = current
        guard token.kind != .end else { return token }
        if token.kind != .newline { previousRange = token.range }
        current = lookahead.isEmpty ? nextFromLexer() : lookahead.removeFirst()
        consumed += 1
        return token
    }

    func text(_ token: Token) -> String {
        let range = token.range
        return bytes.withUnsafeBufferPointer { buffer in
            String(decoding: UnsafeBufferPointer(rebasing: buffer[range.start..<range.end]), as: UTF8.self)
        }
    }

    /// The value of a string token, escapes applied.
    func decoded(_ token: Token) -> String {
        token.stringIndex >= 0 ? lexer.strings[Int(token.stringIndex)] : ""
    }

    /// True when the current token is the word `keyword` (keywords are contextual).
    func at(keyword: String) -> Bool {
        kind == .identifier && isWord(current, keyword)
    }

    func isWord(_ token: Token, _ word: String) -> Bool {
        guard token.kind == .identifier, token.range.end - token.range.start == word.utf8.count else { return false }
        var i = token.range.start
        for b in word.utf8 {
            let c = bytes[i]
            // ASCII case-insensitive: `FIND` is `find`.
            guard c == b || (c >= 0x41 && c <= 0x5A && c + 0x20 == b) else { return false }
            i += 1
        }
        return true
    }

    mutating func skipNewlines() {
        while kind == .newline { advance() }
    }

    // MARK: Errors

    /// Records an error at `range` and throws ``Recovery``.
    mutating func fail(_ id: DiagnosticID, _ message: String, at range: SourceRange? = nil, suggestion: String? = nil, fixIt: Diagnostic.FixIt? = nil) -> Recovery {
        // The lexer has already said what is wrong with invalid text: one error, not two.
        if range == nil, kind == .invalid { return Recovery() }
        var where_ = range ?? current.range
        if where_.isEmpty, kind == .end || kind == .newline {
            // Point just after the previous token at end of line/input.
            let end = previousRange.end
            where_ = SourceRange(start: end, end: end)
        }
        diagnostics.append(Diagnostic(id: id, range: where_, message: message, suggestion: suggestion, fixIt: fixIt))
        return Recovery()
    }

    /// How the current token is named in messages: `'|'`, `'shwo'`, `end of input`.
    var describeCurrent: String {
        switch kind {
        case .end: return "end of input"
        case .newline: return "end of line"
        case .invalid: return "invalid text"
        case .string: return "a string"
        default: return "'\(text(current))'"
        }
    }

    /// Consumes a token of `kind` or fails with "expected X after Y".
    @discardableResult
    mutating func expect(_ expected: TokenKind, after: String) throws(Recovery) -> Token {
        guard kind == expected else {
            throw fail(.expectedToken, "expected \(expected.spelling) after \(after), found \(describeCurrent)")
        }
        return advance()
    }

    /// Skips to the end of the current statement (a newline or `;` outside brackets).
    mutating func recover() {
        var nesting = 0
        while kind != .end {
            switch kind {
            case .leftParen, .leftBracket: nesting += 1
            case .rightParen, .rightBracket: nesting = max(0, nesting - 1)
            case .newline, .semicolon:
                if nesting == 0 { return }
            default: break
            }
            advance()
        }
    }
}
