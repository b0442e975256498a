import HMQJSON
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

    /// `*` or `input.*`: the columns come from the rows.
    private var hasAll: Bool { show.columns.contains { if case .field = $0 { false } else { true } } }
    private var hasStar: Bool { show.columns.contains { if case .all = $0 { true } else { false } } }
    /// The names `input.*` leaves to the other columns: a cell of that name is `input.NAME`.
    private lazy var reserved: Set<String> = {
        var names = Set(show.columns.compactMap { column -> String? in
            if case .field(let path, let alias) = column { return alias?.name ?? path.dotted }
            return nil
        })
        if hasStar { names.formUnion(FieldCheck.contactFields + RecordsLookup.outcomeFields) }
        return names
    }()
    /// For each `input.*`: the keys of its object, in order of first appearance.
    private var objectKeys: [FieldPath: [String]] = [:]

    /// (column name, path to read; nil copies the field of that name)
    private func getters(for row: Row?, input: [String]?) -> [(String, [String]?)] {
        var getters: [(String, [String]?)] = []
        // The names taken so far (a sheet may have thousands of columns: no search through `getters`).
        var taken = Set<String>()
        for column in show.columns {
            switch column {
            case .allOf(let path, _):
                let components = path.components.map(\.name)
                var keys = objectKeys[path] ?? []
                if let row, case .object(let object)? = row.value(at: components), object.keys != keys {
                    let known = Set(keys)
                    for key in object.keys where !known.contains(key) { keys.append(key) }
                    objectKeys[path] = keys
                }
                for key in keys {
                    let name = reserved.contains(key) ? path.dotted + "." + key : key
                    if taken.insert(name).inserted { getters.append((name, components + [key])) }
                }
            case .all:
                var keys = allFields ?? input ?? []
                if let row {
                    let known = Set(keys)
                    for key in row.fields.keys where !known.contains(key) { keys.append(key) }
                }
                for key in keys where taken.insert(key).inserted { getters.append((key, nil)) }
            case .field(let path, let alias):
                let name = alias?.name ?? path.dotted
                if !taken.insert(name).inserted { getters.removeAll { $0.0 == name } }
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
            let getters = fixed ?? getters(for: row, input: columns)
            fields.reserveCapacity(getters.count)
            // A record's cells by name at once: a sheet of thousands of columns is read in linear time.
            var cells: [String: JSONValue]?
            if let input = row.input, input.count > 16 { cells = Dictionary(input.members.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first }) }
            for (name, path) in getters {
                let value: JSONValue?
                if let cells, let path, path.count == 2, path[0] == "input", row.fields["input"] == nil {
                    value = cells[path[1]]
                } else {
                    value = path.map { row.value(at: $0) } ?? row.fields[name]
                }
                fields.append(.init(key: name, value: value ?? .null))
            }
            return Row(fields: JSONObject(fields), matched: row.matched, input: row.input)
        }
    }

    func columns(after input: [String]?) -> [String]? {
        // With `*`, the columns are those of the rows (a later row may add one).
        hasAll && input == nil ? nil : getters(for: nil, input: input).map(\.0)
    }
}
