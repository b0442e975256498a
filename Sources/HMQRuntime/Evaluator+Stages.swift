import Foundation
import HMQSyntax
import Heymarket

/// What a source knows once it has given all its rows: the values that found
/// no contact (and why), and the batches that failed.
struct SourceSummary {
    /// Why a value is in `| unmatched`.
    enum Reason: String, CaseIterable {
        case noContact = "no contact"
        case undetermined
        case invalid
        case failed
    }
    /// One row per input value that found no contact: type, value, reason, detail.
    var unmatched: [Row] = []
    var failures: [BatchFailure] = []
    /// Blocking stages whose output was withheld because a batch failed (their answer is unknown).
    var withheld: [String] = []

    /// The values (as given) of the rows with `reason`.
    func values(_ reason: Reason) -> [String] {
        unmatched.compactMap { $0.fields["reason"]?.stringValue == reason.rawValue ? $0.fields["value"]?.stringValue : nil }
    }
}

/// One stage as a step over a stream of rows. Streaming steps (`where`, `show`,
/// `limit`, `unique`) pass rows on as they come; blocking ones (`sort`, `count`,
/// `unmatched`) keep them and give their result in ``finish(_:)``.
class StageStep {
    /// The rows this step passes on for `rows` (whose columns are `columns`).
    func accept(_ rows: [Row], columns: [String]?) throws -> [Row] { rows }
    /// The rows a blocking step gives once its input has ended.
    func finish(_ summary: SourceSummary) throws -> [Row] { [] }
    /// The columns of this step's output, given those of its input (nil: every field).
    func columns(after input: [String]?) -> [String]? { input }
    /// True once no further input can change this step's output (a `limit` that is full).
    var saturated: Bool { false }
    /// For a step whose output summarises all its input (`sort`, `count`): its
    /// name. Such output is withheld when a batch failed, as its answer is unknown.
    var aggregateName: String? { nil }
}

/// The stages of a pipeline, driven chunk by chunk.
final class StageChain {
    private let steps: [StageStep]
    private let sourceColumns: [String]?

    init(_ steps: [StageStep], sourceColumns: [String]?) {
        self.steps = steps
        self.sourceColumns = sourceColumns
    }

    /// The columns after step `index` (after the source for -1).
    private func columns(through index: Int) -> [String]? {
        var columns = sourceColumns
        for step in steps.prefix(index + 1) { columns = step.columns(after: columns) }
        return columns
    }

    /// The columns of the chain's output (nil: every field).
    var outputColumns: [String]? { columns(through: steps.count - 1) }

    /// True when no more source rows can change the output.
    var saturated: Bool { steps.contains { $0.saturated } }

    /// Runs source rows through every step; returns what comes out.
    func push(_ rows: [Row]) throws -> [Row] {
        try push(rows, from: 0)
    }

    private func push(_ rows: [Row], from first: Int) throws -> [Row] {
        var rows = rows
        var columns = columns(through: first - 1)
        for step in steps[first...] {
            if rows.isEmpty { return [] }
            rows = try step.accept(rows, columns: columns)
            columns = step.columns(after: columns)
        }
        return rows
    }

    /// Blocking steps whose output ``finish(_:)`` withheld.
    private(set) var withheld: [String] = []

    /// Ends the input: each blocking step gives its rows to the steps after it.
    /// When a batch failed, an aggregate's rows are withheld (see ``StageStep/aggregateName``).
    func finish(_ summary: SourceSummary) throws -> [Row] {
        var out: [Row] = []
        for (index, step) in steps.enumerated() {
            try (step as? CheckedStep)?.checkUnchecked(columns: columns(through: index - 1))
            var rows = try step.finish(summary)
            if !summary.failures.isEmpty, let name = step.aggregateName {
                if !withheld.contains(name) { withheld.append(name) }
                rows = []
            }
            out += try push(rows, from: index + 1)
        }
        return out
    }
}

extension Evaluator {
    /// The steps of a pipeline's stages (`format` and `save` are output, not steps).
    func steps(for pipeline: Pipeline) throws -> [StageStep] {
        try pipeline.stages.compactMap { stage throws -> StageStep? in
            switch stage {
            case .show(let s): return ShowStep(s, evaluator: self)
            case .where(let w): return WhereStep(w, evaluator: self)
            case .sort(let s): return SortStep(s, evaluator: self)
            case .limit(let l): return LimitStep(count: l.count)
            case .count(let c): return CountStep(c, evaluator: self)
            case .unique(let u): return UniqueStep(u, evaluator: self)
            case .unmatched: return UnmatchedStep()
            case .plugin(let p): return try PluginStep(p, evaluator: self)
            case .format, .save: return nil
            }
        }
    }

    /// Whether a stage reads `matched`, which is complete only when the whole lookup is.
    static func readsMatched(_ pipeline: Pipeline) -> Bool {
        func isMatched(_ path: FieldPath) -> Bool { path.components.first?.name == "matched" }
        for stage in pipeline.stages {
            switch stage {
            case .show(let s):
                if s.columns.contains(where: { if case .field(let p, _) = $0 { isMatched(p) } else { false } }) { return true }
            case .where(let w):
                if paths(in: w.condition).contains(where: isMatched) { return true }
            case .sort(let s):
                if s.keys.contains(where: { isMatched($0.path) }) { return true }
            case .count(let c):
                if let by = c.by, isMatched(by) { return true }
            case .unique(let u):
                if u.paths.contains(where: isMatched) { return true }
            case .plugin:
                return true  // a plugin may read `matched`: give it whole rows
            case .limit, .format, .save, .unmatched:
                continue
            }
        }
        return false
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
    static func paths(in condition: Condition) -> [FieldPath] {
        switch condition {
        case .and(let a, let b, _), .or(let a, let b, _): return paths(in: a) + paths(in: b)
        case .not(let a, _), .group(let a, _): return paths(in: a)
        case .comparison(let p, _, _, _), .contains(let p, _, _), .has(let p, _, _), .matches(let p, _, _), .in(let p, _, _):
            return [p]
        case .exists, .truthy: return []
        }
    }

    /// Field names get the same verdict whatever the data. After `show` (or
    /// `count`, `unmatched`) the fields are the columns: any other name is an
    /// error. On contacts, a documented field, a virtual one or one a row has is
    /// fine; any other name is an error only when it is close to one of those
    /// (a typo: `nmae`), and otherwise a field these contacts lack (null).
    static func checkFields(_ paths: [FieldPath], rows: [Row], columns: [String]?) throws(RuntimeError) {
        for path in paths {
            let head = path.components[0].name
            var known: [String]
            if let columns {
                known = columns
                if known.contains(head) { continue }
            } else {
                if contactFields.contains(head) || rows.contains(where: { $0.fields[head] != nil }) { continue }
                known = contactFields
                for row in rows { for key in row.fields.keys where !known.contains(key) { known.append(key) } }
                guard Suggestion.closest(to: head, among: known) != nil else { continue }
            }
            let guess = Suggestion.closest(to: head, among: known)
            throw .at(path.components[0].range, "unknown field '\(head)'",
                      suggestion: guess.map { "did you mean '\($0)'?" } ?? "fields: " + known.prefix(12).joined(separator: ", "))
        }
    }
}

/// A step that checks its field names once: on the first rows it sees, or at
/// the end when none came (so a typo is an error whatever the data).
class CheckedStep: StageStep {
    private let paths: [FieldPath]
    private var checked = false

    init(paths: [FieldPath]) { self.paths = paths }

    func check(_ rows: [Row], columns: [String]?) throws {
        guard !checked, !rows.isEmpty else { return }
        checked = true
        try Evaluator.checkFields(paths, rows: rows, columns: columns)
    }

    /// The check for a step that saw no rows.
    func checkUnchecked(columns: [String]?) throws {
        guard !checked else { return }
        checked = true
        try Evaluator.checkFields(paths, rows: [], columns: columns)
    }
}

/// `show`: picks, renames and orders fields. `*` is every field of the first
/// rows seen, plus any field a later row adds.
final class ShowStep: CheckedStep {
    private let show: ShowStage
    private var allFields: [String]?

    init(_ show: ShowStage, evaluator: Evaluator) {
        self.show = show
        super.init(paths: show.columns.compactMap { if case .field(let p, _) = $0 { return p } else { return nil } })
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

    override func accept(_ rows: [Row], columns: [String]?) throws -> [Row] {
        try check(rows, columns: columns)
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

    override func columns(after input: [String]?) -> [String]? {
        // With `*`, the columns are those of the rows (a later row may add one).
        hasAll && input == nil ? nil : getters(for: nil, input: input).map(\.0)
    }
}

/// `where`: keeps the rows the condition holds for.
final class WhereStep: CheckedStep {
    private let condition: Condition
    private var tester: ConditionEvaluator

    init(_ stage: WhereStage, evaluator: Evaluator) {
        condition = stage.condition
        tester = ConditionEvaluator(caseSensitive: evaluator.settings.caseSensitive) { [evaluator] literal throws(RuntimeError) in
            try evaluator.literalValue(literal)
        }
        super.init(paths: Evaluator.paths(in: stage.condition))
    }

    override func accept(_ rows: [Row], columns: [String]?) throws -> [Row] {
        try check(rows, columns: columns)
        var kept: [Row] = []
        for row in rows where try tester.test(condition, row) { kept.append(row) }
        return kept
    }
}

/// `sort`: stable, by each key in turn; missing values last.
final class SortStep: CheckedStep {
    private let keys: [([String], Bool)]
    private let comparator: ConditionEvaluator
    private var rows: [Row] = []

    init(_ stage: SortStage, evaluator: Evaluator) {
        keys = stage.keys.map { ($0.path.components.map(\.name), $0.descending) }
        comparator = ConditionEvaluator(caseSensitive: evaluator.settings.caseSensitive) { _ throws(RuntimeError) in .null }
        super.init(paths: stage.keys.map(\.path))
    }

    override func accept(_ rows: [Row], columns: [String]?) throws -> [Row] {
        try check(rows, columns: columns)
        self.rows += rows
        return []
    }

    override var aggregateName: String? { "sort" }

    override func finish(_ summary: SourceSummary) throws -> [Row] {
        let decorated = rows.enumerated().map { entry in
            (offset: entry.offset, row: entry.element, values: keys.map { entry.element.value(at: $0.0) })
        }
        rows = []
        return decorated.sorted { a, b in
            for (i, key) in keys.enumerated() {
                let order = Evaluator.order(a.values[i], b.values[i], descending: key.1, comparator: comparator)
                if order != 0 { return order < 0 }
            }
            return a.offset < b.offset
        }.map(\.row)
    }
}

/// `limit N` / `first N`: the first N rows; once full, the lookup can stop.
final class LimitStep: StageStep {
    private var remaining: Int

    init(count: Int) { remaining = count }

    override func accept(_ rows: [Row], columns: [String]?) throws -> [Row] {
        let taken = Array(rows.prefix(remaining))
        remaining -= taken.count
        return taken
    }

    override var saturated: Bool { remaining <= 0 }
}

/// `count`, or `count by path` (an array value counts once per distinct element;
/// tags count by their name).
final class CountStep: CheckedStep {
    private let by: FieldPath?
    private var total = 0
    private var counts: [JSONValue: Int] = [:]
    private var order: [JSONValue] = []

    init(_ stage: CountStage, evaluator: Evaluator) {
        by = stage.by
        super.init(paths: stage.by.map { [$0] } ?? [])
    }

    override func accept(_ rows: [Row], columns: [String]?) throws -> [Row] {
        try check(rows, columns: columns)
        total += rows.count
        guard let by else { return [] }
        let path = by.components.map(\.name)
        for row in rows {
            let value = row.value(at: path) ?? .null
            var keys: [JSONValue] = value.arrayValue ?? [value]
            keys = keys.map { if case .object(let o) = $0, let tag = o["tag"] ?? o["name"] { return tag } else { return $0 } }
            var once = Set<JSONValue>()
            for key in keys where once.insert(key).inserted {
                if counts[key] == nil { order.append(key) }
                counts[key, default: 0] += 1
            }
        }
        return []
    }

    override var aggregateName: String? { by == nil ? "count" : "count by" }

    override func finish(_ summary: SourceSummary) throws -> [Row] {
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

    override func columns(after input: [String]?) -> [String]? {
        by.map { [$0.dotted, "count"] } ?? ["count"]
    }
}

/// `unique`, or `unique path, ...`: the first row of each distinct key.
final class UniqueStep: CheckedStep {
    private let paths: [FieldPath]
    private var seen = Set<[JSONValue?]>()

    init(_ stage: UniqueStage, evaluator: Evaluator) {
        paths = stage.paths
        super.init(paths: stage.paths)
    }

    override func accept(_ rows: [Row], columns: [String]?) throws -> [Row] {
        try check(rows, columns: columns)
        return rows.filter { row in
            let key: [JSONValue?] = paths.isEmpty
                ? (columns ?? row.fields.keys).map { row.fields[$0] } + [.array(row.fields.keys.map(JSONValue.string))]
                : paths.map { row.value(at: $0.components.map(\.name)) }
            return seen.insert(key).inserted
        }
    }
}

/// A stage from a plugin (``StagePlugin``), over the same chunks of rows.
final class PluginStep: StageStep {
    private let transform: any RowTransform

    init(_ stage: PluginStage, evaluator: Evaluator) throws {
        guard let plugin = evaluator.registry.stage(named: stage.name.name) else {
            throw RuntimeError.at(stage.name.range, "no stage plugin named '\(stage.name.name)' is registered")
        }
        do {
            let options = try PluginOptions(try evaluator.optionValues(stage.options), declared: plugin.options, pluginName: plugin.name)
            transform = try plugin.makeTransform(options: options)
        } catch let error as FormatterOptionError {
            throw RuntimeError.at(stage.range, "\(plugin.name): \(error.message)")
        }
    }

    override func accept(_ rows: [Row], columns: [String]?) throws -> [Row] { try transform.accept(rows) }
    override func finish(_ summary: SourceSummary) throws -> [Row] { try transform.finish() }
    // A plugin decides its rows' fields: the columns are theirs.
    override func columns(after input: [String]?) -> [String]? { nil }
}

/// `unmatched`: instead of the contacts, the input values that found none.
final class UnmatchedStep: StageStep {
    override func accept(_ rows: [Row], columns: [String]?) throws -> [Row] { [] }
    override func finish(_ summary: SourceSummary) throws -> [Row] { summary.unmatched }
    override func columns(after input: [String]?) -> [String]? { Relation.unmatchedColumns }
}
