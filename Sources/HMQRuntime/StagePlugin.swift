/// A stage provided by a plugin (a future `| geocode` or `| dedupe-fuzzy`):
/// the same shape as a formatter plugin, registered in the same registry.
/// It sees rows in chunks as they stream and may hold them until the end.
public protocol StagePlugin: Sendable {
    var name: String { get }
    var summary: String { get }
    var options: [PluginOption] { get }
    /// A transform for one run of the stage.
    func makeTransform(options: PluginOptions) throws(FormatterOptionError) -> any RowTransform
}

/// One stage's work on one stream of rows, for built-in stages (`where`,
/// `show`, `sort`, ...) and plugin stages alike. Rows come in chunks as the
/// lookup settles them; a streaming stage passes rows on at once, a blocking
/// one keeps them and gives its result in ``finish(_:)``.
public protocol RowTransform: AnyObject {
    /// The rows to pass on for `rows`, whose columns are `columns` (nil: every field of the rows).
    func accept(_ rows: [Row], columns: [String]?) throws -> [Row]
    /// The rows to pass on once the input has ended.
    func finish(_ end: StreamEnd) throws -> [Row]
    /// The columns of this stage's output, given those of its input (nil:
    /// every field of its rows). By default nil: the stage decides its rows' fields.
    func columns(after input: [String]?) -> [String]?
    /// True once no more input can change the output (a full `limit`): the lookup may stop.
    var isSaturated: Bool { get }
    /// For a stage whose output summarises all of its input (`sort`, `count`):
    /// its name. That output is withheld when a batch of the lookup failed,
    /// since its answer is unknown.
    var aggregateName: String? { get }
}

extension RowTransform {
    public func finish(_ end: StreamEnd) throws -> [Row] { [] }
    public func columns(after input: [String]?) -> [String]? { nil }
    public var isSaturated: Bool { false }
    public var aggregateName: String? { nil }
}

/// What the source of a stream knew once it had given all its rows.
public struct StreamEnd: Sendable {
    /// One row per input value that found no contact: type, value, reason, detail.
    public var unmatched: [Row]
    /// Whether a batch of the lookup failed (so the rows were not all there was).
    public var incomplete: Bool

    public init(unmatched: [Row] = [], incomplete: Bool = false) {
        self.unmatched = unmatched
        self.incomplete = incomplete
    }
}
