import HMQJSON
import Heymarket

/// Rows compared with those of an earlier result, matched by a key: what
/// `| diff` passes on (against a snapshot file) and what the REPL's `.watch`
/// shows (against its previous run). Each row out has `change` (`added`,
/// `changed` or `removed`), the row's fields (a removed row's as they were),
/// then `changed` (the fields whose values differ) and `old` (their earlier values).
struct RowComparison {
    /// A row's key as text; nil when it has none.
    let key: (Row) -> String?
    /// The earlier rows by key text, in their order.
    private var earlier: [String: (order: Int, fields: JSONObject)] = [:]
    /// The rows met, by key: a key met again must be the same row.
    private var met: [String: JSONObject] = [:]
    /// Rows added, changed or removed so far.
    private(set) var changes = 0

    init(key: @escaping (Row) -> String?) { self.key = key }

    /// Adds a row of the earlier result under `keyText`; false when a row has that key already.
    mutating func remember(_ fields: JSONObject, as keyText: String) -> Bool {
        guard earlier[keyText] == nil else { return false }
        earlier[keyText] = (earlier.count, fields)
        return true
    }

    /// Two different rows have one key: which of them the earlier row was cannot be told.
    struct SameKey: Error {
        var keyText: String
    }

    /// The added and changed rows among `rows`. A row met twice (a contact
    /// found by two values) is compared once; a different row with a key met
    /// already throws ``SameKey`` when `strict`, else is passed over.
    mutating func compare(_ rows: [Row], strict: Bool = true) throws -> [Row] {
        var out: [Row] = []
        for row in rows {
            let keyText = key(row)
            if let keyText, let first = met[keyText] {
                if strict, first != row.fields { throw SameKey(keyText: keyText) }
                continue
            }
            if let keyText { met[keyText] = row.fields }
            guard let keyText, let before = earlier[keyText] else {
                out.append(Self.row("added", row.fields, changed: nil, old: nil, from: row))
                changes += 1
                continue
            }
            var names = row.fields.keys
            for k in before.fields.keys where !names.contains(k) { names.append(k) }
            var changed: [String] = []
            var old: [JSONObject.Member] = []
            for field in names {
                let now = row.fields[field] ?? .null, then = before.fields[field] ?? .null
                if !now.sameValue(as: then) {
                    changed.append(field)
                    old.append(.init(key: field, value: then))
                }
            }
            guard !changed.isEmpty else { continue }
            changes += 1
            out.append(Self.row("changed", row.fields, changed: changed, old: JSONObject(old), from: row))
        }
        return out
    }

    /// The earlier rows no row matched, in their order.
    mutating func removed() -> [Row] {
        let gone = earlier.filter { met[$0.key] == nil }.values.sorted { $0.order < $1.order }
        changes += gone.count
        return gone.map { Self.row("removed", $0.fields, changed: nil, old: nil, from: nil) }
    }

    /// A key as text (`1001` and `"1001"` are one key); nil for a missing or null key.
    static func keyText(_ value: JSONValue?) -> String? {
        switch value {
        case nil, .null?: return nil
        case .string(let s)?: return s
        case .integer(let n)?: return String(n)
        case .double(let d)?: return d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        case let other?: return JSONWriter().string(other)
        }
    }

    /// The columns out, given those in.
    static func columns(after input: [String]?) -> [String]? {
        input.map { ["change"] + $0.filter { !["change", "changed", "old"].contains($0) } + ["changed", "old"] }
    }

    private static func row(_ change: String, _ fields: JSONObject, changed: [String]?, old: JSONObject?, from row: Row?) -> Row {
        let members = [JSONObject.Member(key: "change", value: .string(change))] + fields.members.filter { !["change", "changed", "old"].contains($0.key) }
            + [.init(key: "changed", value: changed.map { .array($0.map(JSONValue.string)) } ?? .null),
               .init(key: "old", value: old.map(JSONValue.object) ?? .null)]
        return Row(fields: JSONObject(members), matched: row?.matched ?? [], input: row?.input)
    }
}
