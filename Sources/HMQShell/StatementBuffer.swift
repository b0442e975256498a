import Foundation
import HMQSyntax

/// Lines typed at the prompt, gathered until they make a whole statement: a
/// statement goes on while it ends with `|` or `,`, or has an open bracket or
/// an unterminated string.
public struct StatementBuffer: Sendable {
    public private(set) var lines: [String] = []

    public init() {}

    public var isEmpty: Bool { lines.isEmpty }
    public var text: String { lines.joined(separator: "\n") }

    public mutating func append(_ line: String) { lines.append(line) }
    public mutating func clear() { lines = [] }

    /// Whether the text so far needs another line.
    public var needsMore: Bool { Self.needsMore(text) }

    /// Whether a string is left open (the next line continues it).
    public var hasOpenQuote: Bool {
        !isEmpty && Lexer.tokenize(Source(name: "<repl>", text: text)).diagnostics.contains { $0.id == .unterminatedString }
    }

    public static func needsMore(_ text: String) -> Bool {
        let lexed = Lexer.tokenize(Source(name: "<repl>", text: text))
        if lexed.diagnostics.contains(where: { $0.message.contains("unterminated") }) { return true }
        var depth = 0
        var last: TokenKind?
        for token in lexed.tokens {
            switch token.kind {
            case .leftParen, .leftBracket: depth += 1
            case .rightParen, .rightBracket: depth -= 1
            case .newline, .end: continue
            default: break
            }
            last = token.kind
        }
        return depth > 0 || last == .pipe || last == .comma
    }
}

/// What goes into the history file: statements, not blank lines, not an
/// immediate repeat, and never one holding a secret.
public struct HistoryPolicy: Sendable {
    /// Secrets hmq knows (the configured Secret Key, API key): never stored.
    public var secrets: [String]

    public init(secrets: [String] = []) {
        self.secrets = secrets.filter { $0.count >= 8 }
    }

    public func shouldStore(_ entry: String, after previous: String?) -> Bool {
        let trimmed = entry.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty || trimmed == previous?.trimmingCharacters(in: .whitespacesAndNewlines) { return false }
        return !Self.looksSecret(trimmed) && !secrets.contains(where: { trimmed.contains($0) })
    }

    /// `set` of anything named like a key, a JWT, or a Heymarket-style secret.
    static func looksSecret(_ text: String) -> Bool {
        let lower = text.lowercased()
        for line in lower.split(separator: "\n") {
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if words.first == "set", words.count > 1, ["key", "secret", "token", "password"].contains(where: { words[1].contains($0) }) { return true }
        }
        if text.range(of: #"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\."#, options: .regularExpression) != nil { return true }
        if text.range(of: #"\bsk_[A-Za-z0-9_]{8,}"#, options: .regularExpression) != nil { return true }
        return false
    }
}
