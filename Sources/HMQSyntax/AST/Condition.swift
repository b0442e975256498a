/// A `where` condition.
public indirect enum Condition: Sendable, Hashable {
    case and(Condition, Condition, SourceRange)
    case or(Condition, Condition, SourceRange)
    case not(Condition, SourceRange)
    /// `path op literal`; the literal may be `[]` (``Literal/emptyList(_:)``) after `==` and `!=`.
    case comparison(FieldPath, ComparisonOperator, Literal, SourceRange)
    /// `path contains "text"` (substring, case-insensitive unless set otherwise)
    case contains(FieldPath, Literal, SourceRange)
    /// `tags has "vip"` (an array holds the value; tag objects by name)
    case has(FieldPath, Literal, SourceRange)
    /// `email matches "@example\\.com$"` (a regular expression)
    case matches(FieldPath, Literal, SourceRange)
    /// `path in [a, b]`
    case `in`(FieldPath, [Literal], SourceRange)
    /// `path exists` (present and not null)
    case exists(FieldPath, SourceRange)
    /// `path` alone: true when the field is `true` (`where not is_opted_out`).
    case truthy(FieldPath, SourceRange)
    /// `( expression )`, kept so the printer can write what was written.
    case group(Condition, SourceRange)

    public var range: SourceRange {
        switch self {
        case .and(_, _, let r), .or(_, _, let r), .not(_, let r), .comparison(_, _, _, let r), .contains(_, _, let r),
            .has(_, _, let r), .matches(_, _, let r), .in(_, _, let r), .exists(_, let r), .truthy(_, let r), .group(_, let r):
            return r
        }
    }
}

public enum ComparisonOperator: String, Sendable, Hashable, CaseIterable {
    case equal = "=="
    case notEqual = "!="
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="
}

/// A literal value in a condition, a setting or an option.
public enum Literal: Sendable, Hashable {
    case number(String, SourceRange)
    case string(String, SourceRange)
    /// An email written bare: `a@b.com`.
    case email(String, SourceRange)
    case bool(Bool, SourceRange)
    case null(SourceRange)
    case variable(VariableReference)
    /// A bare word, for settings and options: `set format csv`, `--null none`.
    case word(String, SourceRange)
    /// `[]`, the empty list: only compared with `==` or `!=` (`where tags == []`).
    case emptyList(SourceRange)

    public var range: SourceRange {
        switch self {
        case .number(_, let r), .string(_, let r), .email(_, let r), .bool(_, let r), .null(let r), .word(_, let r), .emptyList(let r): return r
        case .variable(let v): return v.range
        }
    }
}
