import HMQJSON
import HMQSyntax
import Heymarket

/// `count`, or `count by path` (an array value counts once per distinct
/// element; tags count by their name).
final class CountTransform: RowTransform, FieldChecking {
    private let by: FieldPath?
    private var total = 0
    private var counts: [JSONValue: Int] = [:]
    private var order: [JSONValue] = []
    var fieldCheck: FieldCheck

    init(_ stage: CountStage) {
        by = stage.by
        fieldCheck = FieldCheck(stage.by.map { [$0] } ?? [])
    }

    func accept(_ rows: [Row], columns: [String]?) throws -> [Row] {
        try checkFields(rows, columns: columns)
        total += rows.count
        guard let by else { return [] }
        let path = by.components.map(\.name)
        for row in rows {
            let value = row.value(at: path) ?? .null
            // Each element of a list counts once; an empty list is a value of its own (as null is).
            let elements = value.arrayValue.flatMap { $0.isEmpty ? nil : $0 } ?? [value]
            let keys: [JSONValue] = elements.map(Contact.tag)
            var once = Set<JSONValue>()
            for key in keys where once.insert(key).inserted {
                if counts[key] == nil { order.append(key) }
                counts[key, default: 0] += 1
            }
        }
        return []
    }

    var aggregateName: String? { by == nil ? "count" : "count by" }

    func finish(_ end: StreamEnd) throws -> [Row] {
        guard let by else {
            return [Row(fields: JSONObject([.init(key: "count", value: .integer(Int64(total)))]))]
        }
        let ranked = order.enumerated().sorted { a, b in
            let (ca, cb) = (counts[a.element] ?? 0, counts[b.element] ?? 0)
            return ca != cb ? ca > cb : a.offset < b.offset
        }
        return ranked.map { entry in
            Row(fields: JSONObject([.init(key: by.dotted, value: entry.element), .init(key: "count", value: .integer(Int64(counts[entry.element] ?? 0)))]))
        }
    }

    func columns(after input: [String]?) -> [String]? {
        by.map { [$0.dotted, "count"] } ?? ["count"]
    }
}
