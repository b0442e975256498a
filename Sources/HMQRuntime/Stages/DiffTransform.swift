import Foundation
import HMQSyntax
import Heymarket

/// `diff "snapshot.ndjson" [by FIELD]`: only what changed since the snapshot
/// (rows saved earlier, as NDJSON or a JSON array), matched by a key field
/// (`id` by default). Each row out has `change` (`added`, `changed` or
/// `removed`), the row's fields (a removed row's from the snapshot), then
/// `changed` (the fields whose values differ) and `old` (their values in the
/// snapshot). Added and changed rows stream; removed ones come at the end,
/// in the snapshot's order, and only when the lookup was complete.
final class DiffTransform: RowTransform, FieldChecking, NoteProducing {
    private let stage: DiffStage
    private let key: [String]
    private let name: String
    /// The snapshot's rows by key text, in file order.
    private var snapshot: [String: (order: Int, fields: JSONObject)] = [:]
    private var seen = Set<String>()
    private(set) var changes = 0
    /// `--exit-code`: the run exits 1 when anything changed.
    let exitCode: Bool
    var fieldCheck: FieldCheck
    private(set) var notes: [Diagnostic] = []

    /// Under `set mask`: rows are compared as they would be saved (masked), as the snapshot was.
    private let masker: Masker
    private let sources: [String: String]
    /// The rows met, by key: a key met again must be the same row.
    private var met: [String: JSONObject] = [:]

    /// Reads the snapshot at `path` (already resolved for reading).
    init(_ stage: DiffStage, path: StringLiteral, masker: Masker = Masker(.off), sources: [String: String] = [:]) throws {
        self.stage = stage
        self.masker = masker
        self.sources = sources
        exitCode = stage.options.contains { $0.name == "exit-code" }
        if let other = stage.options.first(where: { $0.name != "exit-code" || $0.value != nil }) {
            throw RuntimeError.at(other.range, other.name == "exit-code" ? "--exit-code takes no value" : "diff has no option --\(other.name)",
                                  suggestion: "diff \"FILE\" [by FIELD] [--exit-code]")
        }
        key = stage.key.map { $0.components.map(\.name) } ?? ["id"]
        fieldCheck = FieldCheck(stage.key.map { [$0] } ?? [])
        name = path.value
        guard let data = FileManager.default.contents(atPath: path.value) else {
            throw RuntimeError.at(path.range, FileManager.default.fileExists(atPath: path.value) ? "cannot read \(path.value)" : "no such file: \(path.value)",
                                  suggestion: "save one first: ... | save \"\(path.value)\"")
        }
        var rows: [(JSONValue, Int)] = []
        let bytes = Array(data)
        if bytes.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) == UInt8(ascii: "[") {
            do {
                guard case .array(let all) = try JSONParser.parse(bytes) else { throw RuntimeError.at(path.range, "\(name) is not a JSON array") }
                rows = all.enumerated().map { ($1, $0 + 1) }
            } catch let error as JSONParser.Error {
                throw RuntimeError.at(path.range, "\(name): \(error)")
            }
        } else {
            for (i, line) in bytes.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
                guard line.contains(where: { ![0x20, 0x09, 0x0D].contains($0) }) else { continue }
                do {
                    rows.append((try JSONParser.parse(line), i + 1))
                } catch {
                    throw RuntimeError.at(path.range, "\(name):\(i + 1): \(error)", suggestion: "a snapshot is what 'save \"\(name)\"' wrote: one JSON object per line")
                }
            }
        }
        for (value, line) in rows {
            guard case .object(let object) = value else { throw RuntimeError.at(path.range, "\(name):\(line) is not a JSON object") }
            guard let keyText = Self.keyText(Row(fields: object).value(at: key)) else {
                throw RuntimeError.at(stage.key?.range ?? path.range, "\(name):\(line) has no \(key.joined(separator: ".")) to match rows by",
                                      suggestion: stage.key == nil ? "name the key field: diff \"\(name)\" by FIELD" : nil)
            }
            if snapshot[keyText] != nil {
                throw RuntimeError.at(stage.key?.range ?? path.range, "\(name):\(line): \(key.joined(separator: ".")) \(keyText) is in the snapshot twice",
                                      suggestion: "choose a key that is one per row: diff \"\(name)\" by FIELD")
            }
            snapshot[keyText] = (snapshot.count, object)
        }
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

    func accept(_ rows: [Row], columns: [String]?) throws -> [Row] {
        try checkFields(rows, columns: columns)
        var out: [Row] = []
        for original in rows {
            let row = masker.isOn ? masker.row(original, sources: sources) : original
            let keyText = Self.keyText(row.value(at: key))
            // A row met twice (a contact found by two values) is compared once; two different rows of one key cannot be told apart.
            if let keyText, !seen.insert(keyText).inserted {
                if let first = met[keyText], first != row.fields {
                    throw RuntimeError.at(stage.key?.range ?? stage.range, "two different rows have \(key.joined(separator: ".")) \(keyText), so the snapshot cannot tell them apart",
                                          suggestion: "choose a key that is one per row: diff \"\(name)\" by FIELD")
                }
                continue
            }
            if let keyText { met[keyText] = row.fields }
            guard let keyText, let before = snapshot[keyText] else {
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

    func finish(_ end: StreamEnd) throws -> [Row] {
        guard !end.incomplete else {
            notes.append(Diagnostic(id: .runtime, severity: .note, range: stage.range,
                                    message: "rows of \(name) that may be gone are not listed: a batch of the lookup failed, so what is missing is unknown"))
            return []
        }
        let gone = snapshot.filter { !seen.contains($0.key) }.values.sorted { $0.order < $1.order }
        changes += gone.count
        return gone.map { Self.row("removed", $0.fields, changed: nil, old: nil, from: nil) }
    }

    private static func row(_ change: String, _ fields: JSONObject, changed: [String]?, old: JSONObject?, from row: Row?) -> Row {
        let members = [JSONObject.Member(key: "change", value: .string(change))] + fields.members.filter { !["change", "changed", "old"].contains($0.key) }
            + [.init(key: "changed", value: changed.map { .array($0.map(JSONValue.string)) } ?? .null),
               .init(key: "old", value: old.map(JSONValue.object) ?? .null)]
        return Row(fields: JSONObject(members), matched: row?.matched ?? [], input: row?.input)
    }

    func columns(after input: [String]?) -> [String]? {
        input.map { ["change"] + $0.filter { !["change", "changed", "old"].contains($0) } + ["changed", "old"] }
    }
}
