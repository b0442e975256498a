import Foundation
import HMQSyntax
import Heymarket

extension Evaluator {
    /// Applies one stage. `format` and `save` leave the rows as they are (they are output).
    func apply(_ stage: Stage, to relation: Relation) throws -> Relation {
        var result = relation
        switch stage {
        case .show(let show):
            try checkFields(show.columns.compactMap { if case .field(let p, _) = $0 { return p } else { return nil } }, in: relation)
            var columns: [String] = []
            var getters: [(String, [String]?)] = []  // column name, path (nil: copy field of that name)
            for column in show.columns {
                switch column {
                case .all:
                    for key in Relation(rows: relation.rows).effectiveColumns where !columns.contains(key) {
                        columns.append(key)
                        getters.append((key, nil))
                    }
                case .field(let path, let alias):
                    let name = alias?.name ?? path.dotted
                    if let existing = columns.firstIndex(of: name) {
                        columns.remove(at: existing)
                        getters.remove(at: existing)
                    }
                    columns.append(name)
                    getters.append((name, path.components.map(\.name)))
                }
            }
            result.rows = relation.rows.map { row in
                var fields: [JSONObject.Member] = []
                for (name, path) in getters {
                    let value = path.map { row.value(at: $0) } ?? row.fields[name]
                    fields.append(.init(key: name, value: value ?? .null))
                }
                return Row(fields: JSONObject(fields), matched: row.matched)
            }
            result.columns = columns
        case .where(let w):
            var evaluator = ConditionEvaluator(caseSensitive: settings.caseSensitive) { [self] literal throws(RuntimeError) in
                try literalValue(literal)
            }
            try checkFields(paths(in: w.condition), in: relation)
            var kept: [Row] = []
            for row in relation.rows where try evaluator.test(w.condition, row) { kept.append(row) }
            result.rows = kept
        case .sort(let sort):
            try checkFields(sort.keys.map(\.path), in: relation)
            let comparator = ConditionEvaluator(caseSensitive: settings.caseSensitive) { _ throws(RuntimeError) in .null }
            let keys = sort.keys.map { ($0.path.components.map(\.name), $0.descending) }
            let decorated = relation.rows.enumerated().map { (offset: $0.offset, row: $0.element, values: keys.map { $0.0 }.map($0.element.value(at:))) }
            result.rows = decorated.sorted { a, b in
                for (i, key) in keys.enumerated() {
                    let order = Self.order(a.values[i], b.values[i], descending: key.1, comparator: comparator)
                    if order != 0 { return order < 0 }
                }
                return a.offset < b.offset
            }.map(\.row)
        case .limit(let limit):
            result.rows = Array(relation.rows.prefix(limit.count))
        case .count(let count):
            if let by = count.by {
                try checkFields([by], in: relation)
                let path = by.components.map(\.name)
                var counts: [JSONValue: Int] = [:]
                var order: [JSONValue] = []
                for row in relation.rows {
                    let value = row.value(at: path) ?? .null
                    var keys: [JSONValue] = value.arrayValue ?? [value]
                    keys = keys.map { if case .object(let o) = $0, let tag = o["tag"] ?? o["name"] { return tag } else { return $0 } }
                    var once = Set<JSONValue>()
                    for key in keys where once.insert(key).inserted {
                        if counts[key] == nil { order.append(key) }
                        counts[key, default: 0] += 1
                    }
                }
                let ranked = order.enumerated().sorted { a, b in
                    let (ca, cb) = (counts[a.element] ?? 0, counts[b.element] ?? 0)
                    return ca != cb ? ca > cb : a.offset < b.offset
                }
                let name = by.dotted
                result.rows = ranked.map { entry in
                    Row(fields: JSONObject([.init(key: name, value: entry.element), .init(key: "count", value: .integer(Int64(counts[entry.element] ?? 0)))]))
                }
                result.columns = [name, "count"]
            } else {
                result.rows = [Row(fields: JSONObject([.init(key: "count", value: .integer(Int64(relation.rows.count)))]))]
                result.columns = ["count"]
            }
        case .unique(let unique):
            try checkFields(unique.paths, in: relation)
            var seen = Set<[JSONValue?]>()
            result.rows = relation.rows.filter { row in
                let key: [JSONValue?] = unique.paths.isEmpty
                    ? (relation.columns ?? row.fields.keys).map { row.fields[$0] } + [.array(row.fields.keys.map(JSONValue.string))]
                    : unique.paths.map { row.value(at: $0.components.map(\.name)) }
                return seen.insert(key).inserted
            }
        case .unmatched:
            result.rows = relation.unmatched
            result.columns = Relation.unmatchedColumns
            result.unmatched = []
        case .format, .save:
            break
        }
        return result
    }

    /// Missing values sort last whichever the direction; otherwise numbers as numbers, text case-insensitively.
    static func order(_ a: JSONValue?, _ b: JSONValue?, descending: Bool, comparator: ConditionEvaluator) -> Int {
        let aMissing = a == nil || a == .null
        let bMissing = b == nil || b == .null
        if aMissing || bMissing { return aMissing == bMissing ? 0 : (aMissing ? 1 : -1) }
        guard let a, let b else { return 0 }
        var result: Int
        if let x = comparator.number(a), let y = comparator.number(b) {
            result = x < y ? -1 : (x > y ? 1 : 0)
        } else {
            let r = comparator.text(a).compare(comparator.text(b), options: comparator.caseSensitive ? [] : [.caseInsensitive])
            result = r == .orderedAscending ? -1 : (r == .orderedDescending ? 1 : 0)
        }
        return descending ? -result : result
    }

    /// Every path a condition reads.
    func paths(in condition: Condition) -> [FieldPath] {
        switch condition {
        case .and(let a, let b, _), .or(let a, let b, _): return paths(in: a) + paths(in: b)
        case .not(let a, _), .group(let a, _): return paths(in: a)
        case .comparison(let p, _, _, _), .contains(let p, _, _), .has(let p, _, _), .matches(let p, _, _), .in(let p, _, _):
            return [p]
        case .exists, .truthy: return []
        }
    }

    /// A field no row has and the API does not document is most likely a typo:
    /// an error with a suggestion. (With no rows there is nothing to check.)
    func checkFields(_ paths: [FieldPath], in relation: Relation) throws(RuntimeError) {
        guard !relation.rows.isEmpty else { return }
        let present = Set(relation.rows.flatMap(\.fields.keys))
        for path in paths {
            let head = path.components[0].name
            if present.contains(head) { continue }
            if relation.columns == nil, Self.contactFields.contains(head) { continue }
            let known = Array(present) + (relation.columns == nil ? Self.contactFields : [])
            let guess = Suggestion.closest(to: head, among: known)
            throw .at(path.components[0].range, "unknown field '\(head)'",
                      suggestion: guess.map { "did you mean '\($0)'?" } ?? "fields: " + known.sorted().prefix(12).joined(separator: ", "))
        }
    }
}
