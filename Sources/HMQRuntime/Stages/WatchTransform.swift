import HMQJSON
import Heymarket
import Synchronization

/// What a watched statement gave on its last run (the REPL's `.watch N`), so
/// that the next run shows only what changed. Shared by the REPL, which asks
/// how many rows changed, and the evaluator, which records each run.
public final class WatchBaseline: Sendable {
    private let state = Mutex<(rows: [Row]?, changes: Int)>((nil, 0))

    public init() {}

    /// The last run's rows; nil before the first run, or while only incomplete runs came.
    var rows: [Row]? { state.withLock { $0.rows } }

    /// Rows added, changed or removed on the last run (every row on the first).
    public var changes: Int { state.withLock { $0.changes } }

    func record(_ rows: [Row]?, changes: Int) {
        state.withLock { state in
            if let rows { state.rows = rows }
            state.changes = changes
        }
    }
}

/// The last stage of a watched statement: the first run passes its rows on as
/// they are; each later run passes on only what changed since the one before,
/// as `| diff` shows it (``RowComparison``). Rows match by `id` (with the
/// record, for a records source: a row per record and contact), or, when they
/// have none (`| count by tags`), by their whole content.
final class WatchTransform: RowTransform {
    private let baseline: WatchBaseline
    private var comparison: RowComparison?
    private var rows: [Row] = []

    init(_ baseline: WatchBaseline) {
        self.baseline = baseline
        if let earlier = baseline.rows {
            var comparison = RowComparison(key: Self.key)
            for row in earlier { _ = comparison.remember(row.fields, as: Self.key(row)) }
            self.comparison = comparison
        }
    }

    static func key(_ row: Row) -> String {
        guard let id = RowComparison.keyText(row.value(at: ["id"])) else { return JSONWriter().string(.object(row.fields)) }
        return row.input.map { id + " " + JSONWriter().string(.object($0)) } ?? id
    }

    func accept(_ rows: [Row], columns: [String]?) throws -> [Row] {
        self.rows += rows
        // Two different rows of one key (rare: a key is an id and its record) are compared once, not refused.
        return try comparison?.compare(rows, strict: false) ?? rows
    }

    func finish(_ end: StreamEnd) throws -> [Row] {
        // A run that failed part-way is no baseline: what is missing from it is unknown.
        guard !end.incomplete else {
            baseline.record(nil, changes: comparison?.changes ?? rows.count)
            return []
        }
        let removed = comparison?.removed() ?? []
        baseline.record(rows, changes: comparison?.changes ?? rows.count)
        return removed
    }

    func columns(after input: [String]?) -> [String]? {
        comparison == nil ? input : RowComparison.columns(after: input)
    }
}
