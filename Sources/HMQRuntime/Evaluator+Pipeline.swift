import HMQSyntax
import Heymarket

extension Evaluator {
    /// Runs a pipeline and hands its rows to `deliver` as they settle, a chunk
    /// at a time, with the output columns known so far (nil: every field).
    /// A `limit` that is full stops the lookup: the batches not yet sent are
    /// never sent. Returns the output columns and what the source knew at its end.
    /// `| unmatched` takes the values that found no contact instead of the
    /// contacts, as they settle; the stages after it run on those. The summary
    /// keeps a row per such value only with `keepUnmatched` (or `--report`, or a
    /// stage plugin): else their counts and first values, for the notes.
    func stream(_ pipeline: Pipeline, keepUnmatched: Bool = false, deliver: ([Row], [String]?) throws -> Void) async throws -> (columns: [String]?, summary: SourceSummary) {
        var stages = try transforms(for: pipeline)
        let listing = stages.firstIndex { $0 is UnmatchedTransform }
        if let listing { stages = Array(stages[(listing + 1)...]) }
        if case .find(let find) = pipeline.source, find.records != nil {
            // A records source shows the record and its outcome unless a stage names the columns.
            let unmatchedAt = pipeline.stages.firstIndex { if case .unmatched = $0 { true } else { false } }
            let after = unmatchedAt.map { Array(pipeline.stages[($0 + 1)...]) } ?? pipeline.stages
            if !after.contains(where: Self.namesColumns) {
                stages.append(ShowTransform(listing == nil ? Self.recordsDefaultShow : Self.recordsUnmatchedShow))
            }
        }
        if let watching { stages.append(WatchTransform(watching)) }
        let chain: StageChain
        var summary: SourceSummary
        switch pipeline.source {
        case .variable(let v):
            guard let bound = bindings[v.name] else {
                if literals.text(v) != nil {
                    throw RuntimeError.at(v.range, .misusedVariable, "$\(v.name) is a value, not a result; use it inside find: find $\(v.name)")
                }
                throw RuntimeError.at(v.range, .unboundVariable, "$\(v.name) is not bound", suggestion: bindings.isEmpty ? "bind a result first: let \(v.name) = find ..." : Suggestion.closest(to: v.name, among: Array(bindings.keys)).map { "did you mean '$\($0)'?" })
            }
            chain = StageChain(stages, sourceColumns: listing == nil ? bound.columns : Relation.unmatchedColumns)
            summary = SourceSummary(unmatched: bound.unmatched, failures: bound.failures)
            let out = try chain.push(listing == nil ? bound.rows : bound.unmatched)
            if !out.isEmpty { try deliver(out, chain.outputColumns) }
        case .find(let find) where find.records != nil:
            // A records source: a row per record and contact found; `| unmatched` keeps the records that found none.
            chain = StageChain(stages, sourceColumns: nil, sourceFields: ["input"] + RecordsLookup.outcomeFields)
            summary = try await lookUpRecords(find, find.records!, listing: listing != nil, readerMayStop: chain.mayStop) { rows in
                for row in rows { seenFields.formUnion(row.fields.keys) }
                let out = try chain.push(rows)
                if !out.isEmpty { try deliver(out, chain.outputColumns) }
                return !chain.saturated
            }
        case .find(let find) where listing != nil:
            chain = StageChain(stages, sourceColumns: Relation.unmatchedColumns)
            // The lookup runs until every value's outcome is in, or the stages want no more.
            summary = try await lookUp(find, wholeResult: false, keepOutcomes: false, readerMayStop: chain.mayStop, onRows: { _ in true }, streamsOutcomes: true) { rows in
                let out = try chain.push(rows)
                if !out.isEmpty { try deliver(out, chain.outputColumns) }
                return !chain.saturated
            }
        case .find(let find):
            chain = StageChain(stages, sourceColumns: nil)
            let keep = keepUnmatched || events.outcomes != nil || pipeline.stages.contains { if case .plugin = $0 { true } else { false } }
            summary = try await lookUp(find, wholeResult: Self.readsMatched(pipeline), keepOutcomes: keep, readerMayStop: chain.mayStop) { rows in
                for row in rows {
                    seenFields.formUnion(row.fields.keys)
                    // Custom fields by their paths (`custom.12`), for completion.
                    if case .object(let custom)? = row.fields["custom"] { seenFields.formUnion(custom.keys.map { "custom." + $0 }) }
                }
                let out = try chain.push(rows)
                if !out.isEmpty { try deliver(out, chain.outputColumns) }
                return !chain.saturated
            }
        }
        let rest = try chain.finish(listing == nil ? summary.end : StreamEnd(incomplete: !summary.failures.isEmpty))
        if !rest.isEmpty { try deliver(rest, chain.outputColumns) }
        summary.withheld = chain.withheld
        summary.notes += chain.notes
        if stages.contains(where: { ($0 as? DiffTransform).map { $0.exitCode && $0.changes > 0 } ?? false }) { changesFound = true }
        return (chain.outputColumns, summary)
    }

    /// Whether a stage decides the columns itself (so a records source's default columns do not apply).
    static func namesColumns(_ stage: Stage) -> Bool {
        switch stage {
        case .show, .count, .plugin: true
        default: false
        }
    }

    /// What a records source shows when no stage names columns: the record's
    /// cells first, as they are, then its outcome and the contact found.
    static let recordsDefaultShow = recordsShow(RecordsLookup.defaultColumns)
    /// The same after `| unmatched`: the record and why it found no contact.
    static let recordsUnmatchedShow = recordsShow(["outcome", "detail"])

    private static func recordsShow(_ fields: [String]) -> ShowStage {
        let here = SourceRange(start: 0, end: 0)
        func path(_ name: String) -> FieldPath { FieldPath(components: [Identifier(name: name, range: here)], range: here) }
        let columns: [ShowStage.Column] = [.allOf(path("input"), here)] + fields.map { .field(path($0), alias: nil) }
        return ShowStage(columns: columns, range: here)
    }

    /// The transforms of a pipeline's stages (`format` and `save` are output, not stages).
    func transforms(for pipeline: Pipeline) throws -> [any RowTransform] {
        let caseSensitive = settings.caseSensitive
        let literals = self.literals
        return try pipeline.stages.compactMap { stage throws -> (any RowTransform)? in
            switch stage {
            case .show(let s): return ShowTransform(s)
            case .where(let w): return WhereTransform(w, caseSensitive: caseSensitive, literals: literals)
            case .sort(let s): return SortTransform(s, caseSensitive: caseSensitive)
            case .limit(let l): return LimitTransform(count: l.count)
            case .count(let c): return CountTransform(c)
            case .unique(let u): return UniqueTransform(u)
            case .unmatched: return UnmatchedTransform()
            case .diff(let d):
                // A snapshot saved under `set mask` holds masked values: the rows are compared masked too.
                let before = Array(pipeline.stages.prefix { $0 != stage })
                return try DiffTransform(d, path: try resolve(d.path), masker: masker, sources: Self.maskSources(before))
            case .plugin(let p): return try pluginTransform(p)
            case .format, .save: return nil
            }
        }
    }

    /// A stage plugin's transform, its options checked.
    func pluginTransform(_ stage: PluginStage) throws -> any RowTransform {
        guard let plugin = registry.stage(named: stage.name.name) else {
            throw RuntimeError.at(stage.name.range, .unregisteredStage, "no stage plugin named '\(stage.name.name)' is registered")
        }
        do {
            let options = try PluginOptions(try optionValues(stage.options), declared: plugin.options, pluginName: plugin.name)
            return try plugin.makeTransform(options: options)
        } catch let error as FormatterOptionError {
            throw RuntimeError.at(stage.range, .invalidOption, "\(plugin.name): \(error.message)")
        }
    }

    func optionValues(_ options: [FormatStage.Option]) throws(RuntimeError) -> [String: String?] {
        var values: [String: String?] = [:]
        for option in options { values.updateValue(try option.value.map(literals.text), forKey: option.name) }
        return values
    }

    /// Whether a stage reads `matched`, which is complete only when the whole lookup is.
    static func readsMatched(_ pipeline: Pipeline) -> Bool {
        func isMatched(_ path: FieldPath) -> Bool { path.components.first?.name == "matched" }
        for stage in pipeline.stages {
            switch stage {
            case .show(let s):
                if s.columns.contains(where: { if case .field(let p, _) = $0 { isMatched(p) } else { false } }) { return true }
            case .where(let w):
                if WhereTransform.paths(in: w.condition).contains(where: isMatched) { return true }
            case .sort(let s):
                if s.keys.contains(where: { isMatched($0.path) }) { return true }
            case .count(let c):
                if let by = c.by, isMatched(by) { return true }
            case .unique(let u):
                if u.paths.contains(where: isMatched) { return true }
            case .plugin:
                return true  // a plugin may read `matched`: give it whole rows
            case .limit, .format, .save, .unmatched, .diff:
                continue
            }
        }
        return false
    }
}
