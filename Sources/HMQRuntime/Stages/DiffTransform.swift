import Foundation
import HMQJSON
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
    /// The field rows match by.
    private let key: [String]
    private let name: String
    /// The snapshot's rows, and the rows met compared with them.
    private var comparison: RowComparison
    var changes: Int { comparison.changes }
    /// `--exit-code`: the run exits 1 when anything changed.
    let exitCode: Bool
    var fieldCheck: FieldCheck
    private(set) var notes: [Diagnostic] = []

    /// Under `set mask`: rows are compared as they would be saved (masked), as the snapshot was.
    private let masker: Masker
    private let sources: [String: String]

    /// Reads the snapshot at `path` (already resolved for reading).
    init(_ stage: DiffStage, path: StringLiteral, masker: Masker = Masker(.off), sources: [String: String] = [:]) throws {
        self.stage = stage
        self.masker = masker
        self.sources = sources
        exitCode = stage.options.contains { $0.name == "exit-code" }
        if let other = stage.options.first(where: { $0.name != "exit-code" || $0.value != nil }) {
            throw RuntimeError.at(other.range, .invalidOption, other.name == "exit-code" ? "--exit-code takes no value" : "diff has no option --\(other.name)",
                                  suggestion: "diff \"FILE\" [by FIELD] [--exit-code]")
        }
        let key = stage.key.map { $0.components.map(\.name) } ?? ["id"]
        self.key = key
        comparison = RowComparison { RowComparison.keyText($0.value(at: key)) }
        fieldCheck = FieldCheck(stage.key.map { [$0] } ?? [])
        name = path.value
        guard let data = FileManager.default.contents(atPath: path.value) else {
            throw RuntimeError.at(path.range, FileManager.default.fileExists(atPath: path.value) ? .unreadableFile : .fileNotFound, FileManager.default.fileExists(atPath: path.value) ? "cannot read \(path.value)" : "no such file: \(path.value)",
                                  suggestion: "save one first: ... | save \"\(path.value)\"")
        }
        var rows: [(JSONValue, Int)] = []
        let bytes = Array(data)
        if bytes.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) == UInt8(ascii: "[") {
            do {
                guard case .array(let all) = try JSONParser.parse(bytes) else { throw RuntimeError.at(path.range, .malformedFile, "\(name) is not a JSON array") }
                rows = all.enumerated().map { ($1, $0 + 1) }
            } catch let error as JSONParser.Error {
                throw RuntimeError.at(path.range, .malformedFile, "\(name): \(error)")
            }
        } else {
            for (i, line) in bytes.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
                guard line.contains(where: { ![0x20, 0x09, 0x0D].contains($0) }) else { continue }
                do {
                    rows.append((try JSONParser.parse(line), i + 1))
                } catch {
                    throw RuntimeError.at(path.range, .malformedFile, "\(name):\(i + 1): \(error)", suggestion: "a snapshot is what 'save \"\(name)\"' wrote: one JSON object per line")
                }
            }
        }
        for (value, line) in rows {
            guard case .object(let object) = value else { throw RuntimeError.at(path.range, .malformedFile, "\(name):\(line) is not a JSON object") }
            guard let keyText = RowComparison.keyText(Row(fields: object).value(at: key)) else {
                throw RuntimeError.at(stage.key?.range ?? path.range, .missingKey, "\(name):\(line) has no \(key.joined(separator: ".")) to match rows by",
                                      suggestion: stage.key == nil ? "name the key field: diff \"\(name)\" by FIELD" : nil)
            }
            guard comparison.remember(object, as: keyText) else {
                throw RuntimeError.at(stage.key?.range ?? path.range, .duplicateKey, "\(name):\(line): \(key.joined(separator: ".")) \(keyText) is in the snapshot twice",
                                      suggestion: "choose a key that is one per row: diff \"\(name)\" by FIELD")
            }
        }
    }

    func accept(_ rows: [Row], columns: [String]?) throws -> [Row] {
        try checkFields(rows, columns: columns)
        let rows = masker.isOn ? rows.map { masker.row($0, sources: sources) } : rows
        do {
            return try comparison.compare(rows)
        } catch let same as RowComparison.SameKey {
            throw RuntimeError.at(stage.key?.range ?? stage.range, .duplicateKey, "two different rows have \(key.joined(separator: ".")) \(same.keyText), so the snapshot cannot tell them apart",
                                  suggestion: "choose a key that is one per row: diff \"\(name)\" by FIELD")
        }
    }

    func finish(_ end: StreamEnd) throws -> [Row] {
        guard !end.incomplete else {
            notes.append(Diagnostic(id: .diffIncomplete, severity: .note, range: stage.range,
                                    message: "rows of \(name) that may be gone are not listed: a batch of the lookup failed, so what is missing is unknown"))
            return []
        }
        return comparison.removed()
    }

    func columns(after input: [String]?) -> [String]? { RowComparison.columns(after: input) }
}
