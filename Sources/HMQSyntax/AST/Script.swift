/// A parsed script: statements, with the comments and blank lines between them
/// kept so `hmq fmt` does not lose them.
public struct Script: Sendable, Hashable {
    public enum Item: Sendable, Hashable {
        case statement(Statement, trailingComment: String?)
        /// A comment on a line of its own, text including `#`.
        case comment(String, SourceRange)
        /// One or more empty lines (kept as one).
        case blankLine
    }

    public var items: [Item]
    public var range: SourceRange

    public init(items: [Item], range: SourceRange) {
        self.items = items
        self.range = range
    }

    /// Just the statements, in order.
    public var statements: [Statement] {
        items.compactMap { if case .statement(let s, _) = $0 { return s } else { return nil } }
    }
}

/// One statement.
public enum Statement: Sendable, Hashable {
    /// `find ... | stage | ...` or `$name | stage ...`
    case pipeline(Pipeline)
    /// `let name = pipeline`
    case `let`(LetStatement)
    /// `set name value`
    case set(SetStatement)
    /// `explain pipeline`
    case explain(ExplainStatement)

    public var range: SourceRange {
        switch self {
        case .pipeline(let p): return p.range
        case .let(let l): return l.range
        case .set(let s): return s.range
        case .explain(let e): return e.range
        }
    }
}

/// `let name = pipeline`: binds a result for reuse as `$name` (no new request).
public struct LetStatement: Sendable, Hashable {
    public var name: Identifier
    public var pipeline: Pipeline
    public var range: SourceRange
}

/// `set name value`: a setting (`format`, `batch`, `concurrency`, `rate`, ...).
public struct SetStatement: Sendable, Hashable {
    public var name: Identifier
    public var value: Literal
    public var range: SourceRange
}

/// `explain pipeline`: prints the HTTP requests instead of sending them.
public struct ExplainStatement: Sendable, Hashable {
    public var pipeline: Pipeline
    public var range: SourceRange
}

/// A name as written, with its range.
public struct Identifier: Sendable, Hashable {
    public var name: String
    public var range: SourceRange
    public init(name: String, range: SourceRange) {
        self.name = name
        self.range = range
    }
}
