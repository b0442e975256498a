/// A source of rows followed by stages: `find ... | where ... | show ...`.
public struct Pipeline: Sendable, Hashable {
    public var source: PipelineSource
    public var stages: [Stage]
    public var range: SourceRange
}

/// Where a pipeline's rows come from.
public enum PipelineSource: Sendable, Hashable {
    /// `find phone 14155551234, email a@b.com`
    case find(FindSource)
    /// `$name`: a result bound with `let`.
    case variable(VariableReference)

    public var range: SourceRange {
        switch self {
        case .find(let f): return f.range
        case .variable(let v): return v.range
        }
    }
}

/// `find` and its values, grouped by channel type; or a file of records
/// looked up by some of their columns (`find csv "leads.csv" by phone "Phone"`),
/// when ``records`` is set (``items`` is then empty).
public struct FindSource: Sendable, Hashable {
    public var items: [FindItem]
    public var range: SourceRange
    public var records: RecordsSource?

    public init(items: [FindItem], range: SourceRange, records: RecordsSource? = nil) {
        self.items = items
        self.range = range
        self.records = records
    }
}

/// `csv "leads.csv" by phone "Phone", email "Email"` (or `ndjson "leads.ndjson" by email "email"`):
/// every record of the file, each looked up by the cells of its key columns.
public struct RecordsSource: Sendable, Hashable {
    public enum Format: String, Sendable, Hashable {
        /// A CSV file with a header row.
        case csv
        /// One JSON object per line.
        case ndjson
    }
    /// One key: a column looked up as a channel type (nil: `any`, untyped).
    public struct Key: Sendable, Hashable {
        public var type: Identifier?
        public var column: ColumnReference
        public var range: SourceRange

        public init(type: Identifier?, column: ColumnReference, range: SourceRange) {
            self.type = type
            self.column = column
            self.range = range
        }
    }
    public var format: Format
    public var path: PathExpression
    /// `delimiter ";"`: the cells' separator, when not the one the header row uses.
    public var delimiter: StringLiteral?
    public var keys: [Key]
    public var range: SourceRange

    public init(format: Format, path: PathExpression, delimiter: StringLiteral? = nil, keys: [Key], range: SourceRange) {
        self.format = format
        self.path = path
        self.delimiter = delimiter
        self.keys = keys
        self.range = range
    }
}

/// One value of a `find`, with the channel type it belongs to (nil: untyped,
/// sent without `channel_type`). `type` is set on every item of a group;
/// `typeWritten` says whether the keyword was written before this item.
public struct FindItem: Sendable, Hashable {
    public var type: Identifier?
    public var typeWritten: Bool
    public var value: ValueExpression
    public var range: SourceRange
}

/// A value to search for.
public enum ValueExpression: Sendable, Hashable {
    /// `14155551234` (digits as written)
    case number(String, SourceRange)
    /// `a@b.com`
    case email(String, SourceRange)
    /// `"+1 415 555 1234"` (escapes applied)
    case string(String, SourceRange)
    /// `$1`, `$phones`, `$env.NUMBER`
    case variable(VariableReference)
    /// `file "phones.txt"` (or `file $1`, `file "-"` for stdin): one value per line.
    case file(path: PathExpression, range: SourceRange)
    /// `csv "leads.csv" column "Email"` (or `column 3`): one column of a CSV file with a header row.
    /// (Boxed: it is the largest case, and values are many.)
    indirect case csv(path: PathExpression, column: ColumnReference, range: SourceRange)

    public var range: SourceRange {
        switch self {
        case .number(_, let r), .email(_, let r), .string(_, let r): return r
        case .variable(let v): return v.range
        case .file(_, let r), .csv(_, _, let r): return r
        }
    }
}

/// A string literal: its decoded value and its range.
public struct StringLiteral: Sendable, Hashable {
    public var value: String
    public var range: SourceRange
    public init(value: String, range: SourceRange) {
        self.value = value
        self.range = range
    }
}

/// The path of `file` or `csv`: quoted, or a variable holding it (`file $1`).
public enum PathExpression: Sendable, Hashable {
    case literal(StringLiteral)
    case variable(VariableReference)

    public var range: SourceRange {
        switch self {
        case .literal(let s): s.range
        case .variable(let v): v.range
        }
    }
}

/// A CSV column by header name or 1-based position.
public enum ColumnReference: Sendable, Hashable {
    case name(StringLiteral)
    case position(Int, SourceRange)

    public var range: SourceRange {
        switch self {
        case .name(let s): s.range
        case .position(_, let r): r
        }
    }
}

/// `$name`, `$1`, or `$env.NAME`.
public struct VariableReference: Sendable, Hashable {
    /// Without the `$`: `name`, `1`, `env.HOME`.
    public var name: String
    public var range: SourceRange

    /// For `$1`...: the position.
    public var position: Int? { Int(name) }
    /// For `$env.NAME`: the environment variable's name.
    public var environmentName: String? {
        name.hasPrefix("env.") ? String(name.dropFirst(4)) : nil
    }
}
