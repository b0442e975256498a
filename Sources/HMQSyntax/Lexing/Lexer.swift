/// Splits a ``Source`` into tokens, reading UTF-8 bytes directly (not
/// `Character` by character) so large scripts lex fast.
///
/// Errors (an unterminated string, a stray character, invalid UTF-8, a NUL byte)
/// become diagnostics and an `.invalid` token; lexing always reaches the end.
public struct Lexer {
    private let bytes: [UInt8]
    private var index = 0

    public private(set) var diagnostics: [Diagnostic] = []
    /// Decoded string literals, indexed by ``Token/stringIndex``.
    public private(set) var strings: [String] = []

    public init(source: Source) { self.bytes = source.bytes }

    /// Every token up to and including `.end`, with comments set apart.
    public static func tokenize(_ source: Source) -> LexedTokens {
        var lexer = Lexer(source: source)
        var tokens: [Token] = []
        var comments: [Token] = []
        tokens.reserveCapacity(source.bytes.count / 4 + 1)
        while true {
            let token = lexer.next()
            if token.kind == .comment {
                comments.append(token)
                continue
            }
            tokens.append(token)
            if token.kind == .end { break }
        }
        return LexedTokens(tokens: tokens, comments: comments, strings: lexer.strings, diagnostics: lexer.diagnostics)
    }

    private func peek(_ ahead: Int = 0) -> UInt8 {
        let i = index + ahead
        return i < bytes.count ? bytes[i] : 0
    }

    private var atEnd: Bool { index >= bytes.count }

    /// The next token.
    public mutating func next() -> Token {
        // Skip spaces, tabs, carriage returns; a `#!` first line is a comment.
        while !atEnd {
            let b = bytes[index]
            if b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0C { index += 1 } else { break }
        }
        let start = index
        guard !atEnd else { return Token(kind: .end, range: SourceRange(start: start, end: start)) }
        let b = bytes[index]
        switch b {
        case 0x0A:
            index += 1
            return token(.newline, from: start)
        case UInt8(ascii: "#"):
            while !atEnd, bytes[index] != 0x0A { index += 1 }
            return token(.comment, from: start)
        case UInt8(ascii: "|"): index += 1; return token(.pipe, from: start)
        case UInt8(ascii: ","): index += 1; return token(.comma, from: start)
        case UInt8(ascii: ";"): index += 1; return token(.semicolon, from: start)
        case UInt8(ascii: "("): index += 1; return token(.leftParen, from: start)
        case UInt8(ascii: ")"): index += 1; return token(.rightParen, from: start)
        case UInt8(ascii: "["): index += 1; return token(.leftBracket, from: start)
        case UInt8(ascii: "]"): index += 1; return token(.rightBracket, from: start)
        case UInt8(ascii: "."): index += 1; return token(.dot, from: start)
        case UInt8(ascii: "*"): index += 1; return token(.star, from: start)
        case UInt8(ascii: "="):
            index += 1
            if peek() == UInt8(ascii: "=") { index += 1; return token(.equalEqual, from: start) }
            return token(.equals, from: start)
        case UInt8(ascii: "!"):
            if peek(1) == UInt8(ascii: "=") { index += 2; return token(.notEqual, from: start) }
            index += 1
            return invalid(from: start, "unexpected character '!'; did you mean '!=' or 'not'?")
        case UInt8(ascii: "<"):
            index += 1
            if peek() == UInt8(ascii: "=") { index += 1; return token(.lessEqual, from: start) }
            return token(.less, from: start)
        case UInt8(ascii: ">"):
            index += 1
            if peek() == UInt8(ascii: "=") { index += 1; return token(.greaterEqual, from: start) }
            return token(.greater, from: start)
        case UInt8(ascii: "\""), UInt8(ascii: "'"):
            return lexString(quote: b, from: start)
        case UInt8(ascii: "$"):
            return lexVariable(from: start)
        case UInt8(ascii: "-"):
            if peek(1) == UInt8(ascii: "-"), Self.isIdentifierStart(peek(2)) {
                index += 2
                while !atEnd, Self.isIdentifierContinue(bytes[index]) || bytes[index] == UInt8(ascii: "-") { index += 1 }
                return token(.option, from: start)
            }
            if Self.isDigit(peek(1)) {
                index += 1
                return lexNumber(from: start)
            }
            index += 1
            return invalid(from: start, "unexpected character '-'")
        case 0:
            index += 1
            return invalid(from: start, "NUL byte in source", id: .nulByte)
        default:
            if Self.isDigit(b) || Self.isIdentifierStart(b) || b == UInt8(ascii: "+") {
                if let email = lexEmail(from: start) { return email }
            }
            if Self.isDigit(b) { return lexNumber(from: start) }
            if b == UInt8(ascii: "+"), Self.isDigit(peek(1)) {
                index += 1
                while !atEnd, Self.isDigit(bytes[index]) { index += 1 }
                let text = String(decoding: bytes[start..<index], as: UTF8.self)
                return invalid(from: start, "a number starting with '+' must be quoted: \"\(text)\"")
            }
            if Self.isIdentifierStart(b) { return lexIdentifier(from: start) }
            if b >= 0x80 {
                if let length = Self.utf8SequenceLength(bytes, at: index) {
                    index += length
                    return invalid(from: start, "unexpected character '\(String(decoding: bytes[start..<index], as: UTF8.self))'")
                }
                index += 1
                return invalid(from: start, "invalid UTF-8 byte 0x\(Self.hex(b))", id: .invalidUTF8)
            }
            index += 1
            let shown = b < 0x20 || b == 0x7F ? "U+00\(Self.hex(b))" : "'\(Character(Unicode.Scalar(b)))'"
            return invalid(from: start, "unexpected character \(shown)")
        }
    }

    private func token(_ kind: TokenKind, from start: Int) -> Token {
        Token(kind: kind, range: SourceRange(start: start, end: index))
    }

    private mutating func invalid(from start: Int, _ message: String, id: DiagnosticID = .unexpectedCharacter) -> Token {
        let range = SourceRange(start: start, end: index)
        diagnostics.append(Diagnostic(id: id, range: range, message: message))
        return Token(kind: .invalid, range: range)
    }

    private mutating func lexIdentifier(from start: Int) -> Token {
        while !atEnd {
            let b = bytes[index]
            if b < 0x80 {
                guard Self.isIdentifierContinue(b) else { break }
                index += 1
            } else {
                guard let length = Self.utf8SequenceLength(bytes, at: index) else {
                    let bad = index
                    index += 1
                    diagnostics.append(Diagnostic(id: .invalidUTF8, range: SourceRange(start: bad, end: bad + 1), message: "invalid UTF-8 byte 0x\(Self.hex(bytes[bad]))"))
                    return Token(kind: .invalid, range: SourceRange(start: start, end: index))
                }
                index += length
            }
        }
        return token(.identifier, from: start)
    }

    private mutating func lexNumber(from start: Int) -> Token {
        while !atEnd, Self.isDigit(bytes[index]) { index += 1 }
        if peek() == UInt8(ascii: "."), Self.isDigit(peek(1)) {
            index += 1
            while !atEnd, Self.isDigit(bytes[index]) { index += 1 }
        }
        // A duration: `90s`, `10m`, `1.5h`, `1d` (a word, as `set cache 10m` and `set max_wait 2m` take it).
        if [UInt8(ascii: "s"), UInt8(ascii: "m"), UInt8(ascii: "h"), UInt8(ascii: "d")].contains(peek() | 0x20),
           !Self.isIdentifierContinue(peek(1)), peek(1) != UInt8(ascii: ".") {
            index += 1
            return token(.identifier, from: start)
        }
        if !atEnd, Self.isIdentifierStart(bytes[index]) {
            // The whole value is quoted in the error: `1e-300`, not `1e`.
            while !atEnd, Self.isIdentifierContinue(bytes[index]) || bytes[index] == UInt8(ascii: ".")
                || ((bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+")) && [UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[index - 1])) {
                index += 1
            }
            return invalid(from: start, "invalid number '\(String(decoding: bytes[start..<index], as: UTF8.self))'; quote text values")
        }
        // A rate: `500/60s`, `8/s` (a word, as `set rate 500/60s` takes it).
        if peek() == UInt8(ascii: "/"), Self.isDigit(peek(1)) || Self.isIdentifierStart(peek(1)) {
            index += 1
            while !atEnd, Self.isIdentifierContinue(bytes[index]) || bytes[index] == UInt8(ascii: ".") { index += 1 }
            return token(.identifier, from: start)
        }
        return token(.number, from: start)
    }

    /// A bare email (`local@domain.tld`), or nil (and no bytes consumed) if the
    /// text here is not one.
    private mutating func lexEmail(from start: Int) -> Token? {
        var i = start
        while i < bytes.count, Self.isEmailLocal(bytes[i]) { i += 1 }
        guard i > start, i < bytes.count, bytes[i] == UInt8(ascii: "@") else { return nil }
        i += 1
        let domainStart = i
        while i < bytes.count, Self.isEmailDomain(bytes[i]) { i += 1 }
        // A domain does not end with a dot (so `a@b.com.` leaves the dot).
        while i > domainStart, bytes[i - 1] == UInt8(ascii: ".") { i -= 1 }
        guard i > domainStart else { return nil }
        index = i
        return token(.email, from: start)
    }

    private mutating func lexVariable(from start: Int) -> Token {
        index += 1
        if Self.isDigit(peek()) {
            while !atEnd, Self.isDigit(bytes[index]) { index += 1 }
            return token(.variable, from: start)
        }
        guard Self.isIdentifierStart(peek()) else {
            return invalid(from: start, "expected a variable name after '$'", id: .expectedToken)
        }
        while !atEnd, Self.isIdentifierContinue(bytes[index]) { index += 1 }
        // `$env.NAME`: one dotted member.
        if peek() == UInt8(ascii: "."), Self.isIdentifierStart(peek(1)) {
            index += 1
            while !atEnd, Self.isIdentifierContinue(bytes[index]) { index += 1 }
        }
        return token(.variable, from: start)
    }

    private mutating func lexString(quote: UInt8, from start: Int) -> Token {
        index += 1
        var value: [UInt8] = []
        var runStart = index
        while true {
            guard !atEnd, bytes[index] != 0x0A else {
                diagnostics.append(Diagnostic(id: .unterminatedString, range: SourceRange(start: start, end: index), message: "unterminated string"))
                return Token(kind: .invalid, range: SourceRange(start: start, end: index))
            }
            let b = bytes[index]
            if b == quote {
                value.append(contentsOf: bytes[runStart..<index])
                index += 1
                break
            }
            if b == 0 {
                value.append(contentsOf: bytes[runStart..<index])
                diagnostics.append(Diagnostic(id: .nulByte, range: SourceRange(start: index, end: index + 1), message: "NUL byte in source"))
                index += 1
                runStart = index
                continue
            }
            if b >= 0x80 {
                guard let length = Self.utf8SequenceLength(bytes, at: index) else {
                    value.append(contentsOf: bytes[runStart..<index])
                    diagnostics.append(Diagnostic(id: .invalidUTF8, range: SourceRange(start: index, end: index + 1), message: "invalid UTF-8 byte 0x\(Self.hex(b))"))
                    index += 1
                    runStart = index
                    continue
                }
                index += length
                continue
            }
            if b != UInt8(ascii: "\\") {
                index += 1
                continue
            }
            value.append(contentsOf: bytes[runStart..<index])
            let escapeStart = index
            index += 1
            let e = peek()
            index += 1
            switch e {
            case UInt8(ascii: "\\"): value.append(0x5C)
            case UInt8(ascii: "\""): value.append(0x22)
            case UInt8(ascii: "'"): value.append(0x27)
            case UInt8(ascii: "n"): value.append(0x0A)
            case UInt8(ascii: "t"): value.append(0x09)
            case UInt8(ascii: "r"): value.append(0x0D)
            case UInt8(ascii: "0"): value.append(0x00)
            case UInt8(ascii: "u") where peek() == UInt8(ascii: "{"):
                index += 1
                var scalar: UInt32 = 0
                var digits = 0
                while !atEnd, let d = Self.hexValue(bytes[index]), digits < 8 {
                    scalar = scalar << 4 | d
                    digits += 1
                    index += 1
                }
                if peek() == UInt8(ascii: "}"), digits > 0, let u = Unicode.Scalar(scalar) {
                    index += 1
                    value.append(contentsOf: Array(String(Character(u)).utf8))
                } else {
                    while !atEnd, bytes[index] != UInt8(ascii: "}"), bytes[index] != quote, bytes[index] != 0x0A { index += 1 }
                    if peek() == UInt8(ascii: "}") { index += 1 }
                    diagnostics.append(Diagnostic(id: .invalidEscape, range: SourceRange(start: escapeStart, end: index), message: "invalid Unicode escape; write \\u{1F600}"))
                }
            default:
                if e == 0x0A || e == 0 { index -= 1 }
                let shown = e >= 0x20 && e < 0x7F ? String(Character(Unicode.Scalar(e))) : "…"
                diagnostics.append(Diagnostic(id: .invalidEscape, range: SourceRange(start: escapeStart, end: min(index, bytes.count)), message: "invalid escape '\\\(shown)' in string"))
            }
            runStart = index
        }
        strings.append(String(decoding: value, as: UTF8.self))
        return Token(kind: .string, range: SourceRange(start: start, end: index), stringIndex: Int32(strings.count - 1))
    }

    // MARK: Byte classes

    static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    static func isIdentifierStart(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || b == 0x5F || b >= 0x80
    }
    static func isIdentifierContinue(_ b: UInt8) -> Bool { isIdentifierStart(b) || isDigit(b) }
    static func isEmailLocal(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || isDigit(b)
            || b == UInt8(ascii: ".") || b == UInt8(ascii: "_") || b == UInt8(ascii: "%") || b == UInt8(ascii: "+") || b == UInt8(ascii: "-")
    }
    static func isEmailDomain(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || isDigit(b) || b == UInt8(ascii: ".") || b == UInt8(ascii: "-")
    }
    static func hexValue(_ b: UInt8) -> UInt32? {
        switch b {
        case 0x30...0x39: return UInt32(b - 0x30)
        case 0x61...0x66: return UInt32(b - 0x61 + 10)
        case 0x41...0x46: return UInt32(b - 0x41 + 10)
        default: return nil
        }
    }
    static func hex(_ b: UInt8) -> String {
        let s = String(b, radix: 16, uppercase: true)
        return s.count == 1 ? "0" + s : s
    }

    /// The length of the valid UTF-8 sequence starting at `i`, or nil.
    static func utf8SequenceLength(_ bytes: [UInt8], at i: Int) -> Int? {
        let b0 = bytes[i]
        let length: Int
        let minimum: UInt32
        switch b0 {
        case 0xC2...0xDF: length = 2; minimum = 0x80
        case 0xE0...0xEF: length = 3; minimum = 0x800
        case 0xF0...0xF4: length = 4; minimum = 0x10000
        default: return nil
        }
        guard i + length <= bytes.count else { return nil }
        var scalar = UInt32(b0) & (0xFF >> (length + 1))
        for k in 1..<length {
            let b = bytes[i + k]
            guard b & 0xC0 == 0x80 else { return nil }
            scalar = scalar << 6 | UInt32(b & 0x3F)
        }
        guard scalar >= minimum, scalar <= 0x10FFFF, !(0xD800...0xDFFF).contains(scalar) else { return nil }
        return length
    }
}
