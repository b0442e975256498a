/// What a token is. Words are all `.identifier`: keywords are recognised by the
/// parser in context, so a field can be called `first` or `count`.
public enum TokenKind: UInt8, Sendable, Hashable {
    case identifier     // show, phone, custom, José
    case number         // 14155551234, 3.5, -2
    case email          // a@b.com
    case string         // "text" or 'text'
    case variable       // $name, $1, $env.HOME
    case option         // --max-width
    case pipe           // |
    case comma          // ,
    case semicolon      // ;
    case newline
    case leftParen, rightParen, leftBracket, rightBracket
    case dot            // .
    case star           // *
    case equals         // =
    case equalEqual     // ==
    case notEqual       // !=
    case less, lessEqual, greater, greaterEqual
    case comment        // # ... (kept so `hmq fmt` keeps them)
    case invalid        // a lexing error, already reported
    case end

    /// How the parser names this kind in "expected ..." messages.
    public var spelling: String {
        switch self {
        case .identifier: return "a name"
        case .number: return "a number"
        case .email: return "an email address"
        case .string: return "a string"
        case .variable: return "a variable"
        case .option: return "an option"
        case .pipe: return "'|'"
        case .comma: return "','"
        case .semicolon: return "';'"
        case .newline: return "end of line"
        case .leftParen: return "'('"
        case .rightParen: return "')'"
        case .leftBracket: return "'['"
        case .rightBracket: return "']'"
        case .dot: return "'.'"
        case .star: return "'*'"
        case .equals: return "'='"
        case .equalEqual: return "'=='"
        case .notEqual: return "'!='"
        case .less: return "'<'"
        case .lessEqual: return "'<='"
        case .greater: return "'>'"
        case .greaterEqual: return "'>='"
        case .comment: return "a comment"
        case .invalid: return "invalid text"
        case .end: return "end of input"
        }
    }
}

/// A token: its kind and where it is. Its text is read from the ``Source`` on
/// demand. Tokens are plain values (no references), so the parser can copy them
/// freely; a string's decoded value lives in ``LexedTokens/strings``.
public struct Token: Sendable, Hashable {
    public var kind: TokenKind
    /// For `.string` tokens: the index of the decoded value in ``LexedTokens/strings``.
    public var stringIndex: Int32
    public var range: SourceRange

    public init(kind: TokenKind, range: SourceRange, stringIndex: Int32 = -1) {
        self.kind = kind
        self.stringIndex = stringIndex
        self.range = range
    }
}

/// What the lexer produced: the tokens, the comments, the decoded string literals, and the diagnostics.
public struct LexedTokens: Sendable {
    /// Every token but comments, ending with `.end`.
    public var tokens: [Token]
    /// The comment tokens, in order.
    public var comments: [Token]
    public var strings: [String]
    public var diagnostics: [Diagnostic]

    /// The value of a string token, escapes applied.
    public func decoded(_ token: Token) -> String {
        token.stringIndex >= 0 ? strings[Int(token.stringIndex)] : ""
    }
}
