import Heymarket

/// A pipeline's result: rows, the columns to show (nil: every field, in order
/// of first appearance), and the input values that matched nothing (for `unmatched`).
public struct Relation: Sendable {
    /// The rows, in order.
    public var rows: [Row]
    /// The columns to show; nil shows every field.
    public var columns: [String]?
    /// One row per input value that found no contact: type, value, reason (`no contact`,
    /// `undetermined`, `invalid`, `failed`), detail.
    public var unmatched: [Row]
    /// Batches that failed after their retries (their values are in `unmatched` too, as `failed`).
    public var failures: [BatchFailure]

    /// A result of `rows`, showing `columns` (nil: every field).
    public init(rows: [Row], columns: [String]? = nil, unmatched: [Row] = [], failures: [BatchFailure] = []) {
        self.rows = rows
        self.columns = columns
        self.unmatched = unmatched
        self.failures = failures
    }

    /// The columns to print: the explicit ones, or every field in order of first appearance.
    public var effectiveColumns: [String] {
        if let columns { return columns }
        var seen = Set<String>()
        var ordered: [String] = []
        for row in rows {
            for key in row.fields.keys where seen.insert(key).inserted { ordered.append(key) }
        }
        return ordered
    }

    static let unmatchedColumns = ["type", "value", "reason", "detail"]
}
