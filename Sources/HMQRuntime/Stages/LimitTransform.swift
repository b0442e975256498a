/// `limit N` / `first N`: the first N rows; once full, the lookup can stop.
final class LimitTransform: RowTransform {
    private var remaining: Int

    init(count: Int) { remaining = count }

    func accept(_ rows: [Row], columns: [String]?) throws -> [Row] {
        let taken = Array(rows.prefix(remaining))
        remaining -= taken.count
        return taken
    }

    func columns(after input: [String]?) -> [String]? { input }

    var isSaturated: Bool { remaining <= 0 }
}
