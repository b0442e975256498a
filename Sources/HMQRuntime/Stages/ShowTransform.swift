import HMQSyntax
import Heymarket

/// `show`: picks, renames and orders fields. `*` is every field of the first
/// rows seen, plus any field a later row adds.
final class ShowTransform: RowTransform, FieldChecking {
    private let show: ShowStage
    private var allFields: [String]?
    var fieldCheck: FieldCheck

    init(_ show: ShowStage) {
        self.show = show
        fieldCheck = FieldCheck(show.columns.compactMap { if case .field(let p, _) = $0 { return p } else { return nil } })
    }

    private var hasAll: Bool { show.columns.contains { if case .all = $0 { true } else { false } } }

    /// (column name, path to read; nil copies the field of that name)
    private func getters(for row: Row?, input: [String]?) -> [(String, [String]?)] {
        var getters: [(String, [String]?)] = []
        for column in show.columns {
            switch column {
            case .all:
                var keys = allFields ?? input ?? []
                if let row { for key in row.fields.keys where !keys.contains(key) { keys.append(key) } }
                for key in keys where !getters.contains(where: { $0.0 == key }) { getters.append((key, nil)) }
            case .field(let path, let alias):
                let name = alias?.name ?? path.dotted
                getters.removeAll { $0.0 == name }
                getters.append((name, path.components.map(\.name)))
            }
        }
        return getters
    }

    func accept(_ rows: [Row], columns: [String]?) throws -> [Row] {
        try checkFields(rows, columns: columns)
        if hasAll, allFields == nil, !rows.isEmpty {
            allFields = columns ?? Relation(rows: rows).effectiveColumns
        }
        let fixed = hasAll ? nil : getters(for: nil, input: columns)
        return rows.map { row in
            var fields: [JSONObject.Member] = []
            for (name, path) in fixed ?? getters(for: row, input: columns) {
                let value = path.map { row.value(at: $0) } ?? row.fields[name]
                fields.append(.init(key: name, value: value ?? .null))
            }
            return Row(fields: JSONObject(fields), matched: row.matched)
        }
    }

    func columns(after input: [String]?) -> [String]? {
        // With `*`, the columns are those of the rows (a later row may add one).
        hasAll && input == nil ? nil : getters(for: nil, input: input).map(\.0)
    }
}
