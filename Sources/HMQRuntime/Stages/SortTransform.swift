import Foundation
import HMQJSON
import HMQSyntax
import Heymarket

/// `sort`: stable, by each key in turn; null sorts last either way.
final class SortTransform: RowTransform, FieldChecking {
    private let keys: [([String], Bool)]
    private let comparator: ConditionEvaluator
    private var rows: [Row] = []
    var fieldCheck: FieldCheck

    init(_ stage: SortStage, caseSensitive: Bool) {
        keys = stage.keys.map { ($0.path.components.map(\.name), $0.descending) }
        comparator = ConditionEvaluator(caseSensitive: caseSensitive) { _ throws(RuntimeError) in .null }
        fieldCheck = FieldCheck(stage.keys.map(\.path))
    }

    func accept(_ rows: [Row], columns: [String]?) throws -> [Row] {
        try checkFields(rows, columns: columns)
        self.rows += rows
        return []
    }

    var aggregateName: String? { "sort" }

    func columns(after input: [String]?) -> [String]? { input }

    func finish(_ end: StreamEnd) throws -> [Row] {
        let decorated = rows.enumerated().map { entry in
            (offset: entry.offset, row: entry.element, values: keys.map { entry.element.value(at: $0.0) })
        }
        rows = []
        return decorated.sorted { a, b in
            for (i, key) in keys.enumerated() {
                let order = Self.order(a.values[i], b.values[i], descending: key.1, comparator: comparator)
                if order != 0 { return order < 0 }
            }
            return a.offset < b.offset
        }.map(\.row)
    }

    /// Null sorts last whichever the direction; otherwise numbers as numbers, text case-insensitively.
    static func order(_ a: JSONValue?, _ b: JSONValue?, descending: Bool, comparator: ConditionEvaluator) -> Int {
        let aMissing = a == nil || a == .null
        let bMissing = b == nil || b == .null
        if aMissing || bMissing { return aMissing == bMissing ? 0 : (aMissing ? 1 : -1) }
        guard let a, let b else { return 0 }
        var result: Int
        if let order = JSONValue.compareNumbers(a, b) {
            result = order
        } else {
            let r = comparator.text(a).compare(comparator.text(b), options: comparator.caseSensitive ? [] : [.caseInsensitive])
            result = r == .orderedAscending ? -1 : (r == .orderedDescending ? 1 : 0)
        }
        return descending ? -result : result
    }
}
