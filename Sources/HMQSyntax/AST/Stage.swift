/// A stage after `|`.
public enum Stage: Sendable, Hashable {
    /// `show name, custom.12 as plan, *`
    case show(ShowStage)
    /// `where tags has "vip" and not is_opted_out`
    case `where`(WhereStage)
    /// `sort name desc, id`
    case sort(SortStage)
    /// `limit 10` or `first 3` (`first` alone is `first 1`)
    case limit(LimitStage)
    /// `count`, or `count by tags`
    case count(CountStage)
    /// `unique`, or `unique email, phone`
    case unique(UniqueStage)
    /// `format csv --no-header`
    case format(FormatStage)
    /// `save "out.csv"`
    case save(SaveStage)
    /// `unmatched`: the values that matched no contact, instead of the contacts.
    case unmatched(SourceRange)
    /// `diff "snapshot.ndjson" [by id] [--exit-code]`: only what changed since a saved snapshot.
    case diff(DiffStage)
    /// A stage a plugin provides (`dedupe --by email`): a name the parser was told of, and options.
    case plugin(PluginStage)

    public var range: SourceRange {
        switch self {
        case .show(let s): return s.range
        case .where(let s): return s.range
        case .sort(let s): return s.range
        case .limit(let s): return s.range
        case .count(let s): return s.range
        case .unique(let s): return s.range
        case .format(let s): return s.range
        case .save(let s): return s.range
        case .unmatched(let r): return r
        case .diff(let s): return s.range
        case .plugin(let s): return s.range
        }
    }
}

/// The names of the stages, for messages and completion.
public enum StageName {
    public static let all = ["show", "where", "sort", "limit", "first", "count", "unique", "format", "save", "unmatched", "diff"]
}

/// A field path: `name`, `custom.12`, `note.text`.
public struct FieldPath: Sendable, Hashable {
    public var components: [Identifier]
    public var range: SourceRange

    public init(components: [Identifier], range: SourceRange) {
        self.components = components
        self.range = range
    }

    /// `custom.12`
    public var dotted: String { components.map(\.name).joined(separator: ".") }
}

public struct ShowStage: Sendable, Hashable {
    public enum Column: Sendable, Hashable {
        /// `path [as alias]`
        case field(FieldPath, alias: Identifier?)
        /// `*`: every field.
        case all(SourceRange)
        /// `input.*`: every field of the object at a path, under its own name
        /// (`input.NAME` when another column already has that name).
        case allOf(FieldPath, SourceRange)
    }
    public var columns: [Column]
    public var range: SourceRange

    public init(columns: [Column], range: SourceRange) {
        self.columns = columns
        self.range = range
    }
}

public struct WhereStage: Sendable, Hashable {
    public var condition: Condition
    public var range: SourceRange
}

public struct SortStage: Sendable, Hashable {
    public struct Key: Sendable, Hashable {
        public var path: FieldPath
        public var descending: Bool
        /// Whether `asc`/`desc` was written (the printer keeps `desc` only).
        public var range: SourceRange
    }
    public var keys: [Key]
    public var range: SourceRange
}

public struct LimitStage: Sendable, Hashable {
    /// `limit` or `first`, as written.
    public var keyword: String
    public var count: Int
    public var range: SourceRange
}

public struct CountStage: Sendable, Hashable {
    /// `count by path`: one row per distinct value.
    public var by: FieldPath?
    public var range: SourceRange
}

public struct UniqueStage: Sendable, Hashable {
    /// Empty: whole rows.
    public var paths: [FieldPath]
    public var range: SourceRange
}

public struct FormatStage: Sendable, Hashable {
    public struct Option: Sendable, Hashable {
        /// Without the dashes: `max-width`.
        public var name: String
        public var value: Literal?
        public var range: SourceRange
    }
    public var name: Identifier
    public var options: [Option]
    public var range: SourceRange
}

/// A plugin's stage: its name and `--options`.
public struct PluginStage: Sendable, Hashable {
    public var name: Identifier
    public var options: [FormatStage.Option]
    public var range: SourceRange
}

/// `diff "snapshot.ndjson" by id --exit-code`: the rows compared with a snapshot
/// saved earlier, keyed by a field (`id` when no `by`).
public struct DiffStage: Sendable, Hashable {
    public var path: PathExpression
    /// The key; nil: `id`.
    public var key: FieldPath?
    public var options: [FormatStage.Option]
    public var range: SourceRange
}

public struct SaveStage: Sendable, Hashable {
    public var path: StringLiteral
    public var options: [FormatStage.Option]
    public var range: SourceRange
}
