import HMQJSON
import HMQSyntax
import Heymarket

/// `unique`, or `unique path, ...`: the first row of each distinct key.
final class UniqueTransform: RowTransform, FieldChecking {
    private let paths: [FieldPath]
    private var seen = Set<[JSONValue?]>()
    var fieldCheck: FieldCheck

    init(_ stage: UniqueStage) {
        paths = stage.paths
        fieldCheck = FieldCheck(stage.paths)
    }

    func accept(_ rows: [Row], columns: [String]?) throws -> [Row] {
        try checkFields(rows, columns: columns)
        return rows.filter { row in
            let key: [JSONValue?] = paths.isEmpty
                ? (columns ?? row.fields.keys).map { row.fields[$0] } + [.array(row.fields.keys.map(JSONValue.string))]
                : paths.map { row.value(at: $0.components.map(\.name)) }
            return seen.insert(key).inserted
        }
    }

    func columns(after input: [String]?) -> [String]? { input }
}
