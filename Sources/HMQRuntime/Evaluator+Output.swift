import Foundation
import HMQSyntax
import HMQSystem
import Heymarket

extension Evaluator {
    /// Runs a pipeline and prints its rows as they come (with its `format`, else
    /// the `format` setting), or saves them (`save "file"`), through the
    /// formatter plugins.
    func emit(_ pipeline: Pipeline) async throws -> SourceSummary {
        var formatStage: FormatStage?
        var saveStage: SaveStage?
        for stage in pipeline.stages {
            if case .format(let f) = stage { formatStage = f }
            if case .save(let s) = stage { saveStage = s }
        }
        if let save = saveStage {
            return try await saveRows(pipeline, to: save, format: formatStage)
        }
        let masker = self.masker, sources = Self.maskSources(pipeline.stages)
        if let receiver = events.rows {
            // The caller takes the rows themselves (the library, the MCP server).
            events.pipeline?(StageChain(try transforms(for: pipeline), sourceColumns: nil).outputColumns)
            return try await stream(pipeline) { rows, columns in receiver(masker.isOn ? rows.map { masker.row($0, sources: sources) } : rows, columns) }.summary
        }
        let name = formatStage?.name.name ?? settings.format
        guard let plugin = registry.formatter(named: name) else {
            throw RuntimeError.at(formatStage?.name.range ?? pipeline.range, .unknownFormat, "unknown format '\(name)'", suggestion: formatSuggestion(name))
        }
        let options = try formatStage.map { try optionValues($0.options) } ?? [:]
        return try await write(pipeline, with: plugin, options: options, to: output, context: outputContext, at: formatStage?.range ?? pipeline.range)
    }

    /// Streams a pipeline's rows into a formatter made by `plugin`.
    func write(_ pipeline: Pipeline, with plugin: FormatterPlugin, options: [String: String?], to sink: any OutputSink, context: OutputContext, at range: SourceRange) async throws -> SourceSummary {
        let formatter: any RowFormatter
        // Columns the pipeline names are checked before anything is looked up.
        let named = StageChain(try transforms(for: pipeline), sourceColumns: nil).outputColumns
        do {
            if let named { try plugin.check(columns: named) }
            formatter = try plugin.makeFormatter(sink: sink, rawOptions: options, context: context)
        } catch {
            throw RuntimeError.at(range, .formatError, "format \(plugin.name): \(error.message)")
        }
        let emitter = RowEmitter(formatter: formatter, sink: sink)
        let masker = self.masker, sources = Self.maskSources(pipeline.stages)
        do {
            let (columns, summary) = try await stream(pipeline) { rows, columns in
                try emitter.emit(masker.isOn ? rows.map { masker.row($0, sources: sources) } : rows, columns: columns)
            }
            try emitter.end(columns: columns)
            return summary
        } catch let error as FormatterOptionError {
            throw RuntimeError.at(range, .formatError, "format \(plugin.name): \(error.message)")
        }
    }

    /// For masking: the field each renamed column of the output shows (`who` → `name`
    /// for `show name as who`, `t` → `text` for `note.text as t`), through every `show`.
    static func maskSources(_ pipeline: Pipeline) -> [String: String] { maskSources(pipeline.stages) }

    static func maskSources(_ stages: [Stage]) -> [String: String] {
        var sources: [String: String] = [:]
        for stage in stages {
            guard case .show(let show) = stage else { continue }
            var next: [String: String] = [:]
            for case .field(let path, let alias) in show.columns {
                let name = alias?.name ?? path.dotted
                let components = path.components.map(\.name)
                let source = components.count == 1 ? sources[components[0]] ?? components[0] : Masker.fieldName(components[components.count - 1])
                next[name] = components.first == "input" && components.count == 2 ? Masker.fieldName(components[1]) : source
            }
            sources = next
        }
        return sources
    }

    /// Writes to a temporary file beside the target and renames it into place,
    /// so an error never leaves a half-written file.
    func saveRows(_ pipeline: Pipeline, to save: SaveStage, format: FormatStage?) async throws -> SourceSummary {
        guard inputs.confinement.writesFiles else {
            throw RuntimeError.at(save.range, .notPermitted, "save is not available to \(inputs.confinement.caller): the rows come back in the answer")
        }
        var options = try optionValues(save.options)
        let explicit = (options.removeValue(forKey: "format") ?? nil) ?? format?.name.name
        let plugin: FormatterPlugin
        if let explicit {
            guard let p = registry.formatter(named: explicit) else {
                throw RuntimeError.at(save.range, .unknownFormat, "unknown format '\(explicit)'", suggestion: formatSuggestion(explicit))
            }
            plugin = p
        } else {
            guard let p = registry.formatter(forPath: save.path.value) else {
                throw RuntimeError.at(save.path.range, .unknownFormat, "cannot tell the format of '\(save.path.value)' from its extension",
                                      suggestion: "add --format NAME (\(registry.allFormatters.map(\.name).joined(separator: ", ")))")
            }
            plugin = p
        }
        if let format { options.merge(try optionValues(format.options)) { a, _ in a } }
        let file: AtomicFile
        do {
            file = try AtomicFile(save.path.value)
        } catch {
            throw RuntimeError.at(save.path.range, .writeFailed, error.description)
        }
        do {
            var summary = try await write(pipeline, with: plugin, options: options, to: file.sink, context: .file, at: save.range)
            if summary.failures.isEmpty || file.writesInPlace {
                try file.commit()
            } else {
                // Never replace a file with a result that is not whole.
                let partial = save.path.value + ".partial"
                try file.commit(to: partial)
                summary.notes.append(Diagnostic(id: .partialSave, severity: .note, range: save.path.range,
                                                message: "the rows found were written to \(partial); \(save.path.value) was left as it was"))
            }
            return summary
        } catch let error as AtomicFile.WriteError {
            file.abort()
            throw RuntimeError.at(save.path.range, .writeFailed, error.description)
        } catch {
            file.abort()
            throw error
        }
    }
}

/// Feeds rows to a formatter as they come: `begin` with the first rows (or at
/// the end, when there are none), then `row` for each, then `end`.
final class RowEmitter {
    private let formatter: any RowFormatter
    private let sink: any OutputSink
    private var columns: [String]?
    private var implicit = false

    init(formatter: any RowFormatter, sink: any OutputSink) {
        self.formatter = formatter
        self.sink = sink
    }

    /// `declared` is nil when the columns are every field of the rows: then a
    /// field first seen in a later row is added as a column.
    func emit(_ rows: [Row], columns declared: [String]?) throws {
        guard !rows.isEmpty else { return }
        if columns == nil {
            let first = declared ?? Relation(rows: rows).effectiveColumns
            implicit = declared == nil
            columns = first
            try formatter.begin(columns: first)
        } else if implicit, var known = columns {
            let added = Relation(rows: rows).effectiveColumns.filter { !known.contains($0) }
            if !added.isEmpty {
                try formatter.add(columns: added)
                known += added
                columns = known
            }
        }
        let columns = self.columns ?? []
        for row in rows {
            // The fields in the columns' order (the usual case after a show): taken as they are, not looked up one by one.
            let inOrder = row.fields.count == columns.count && zip(row.fields.members, columns).allSatisfy { $0.key == $1 }
            try formatter.row(inOrder ? row.fields.members.map(\.value) : columns.map { row.fields[$0] })
        }
        try sink.flush()
    }

    func end(columns declared: [String]?) throws {
        if columns == nil { try formatter.begin(columns: declared ?? []) }
        try formatter.end()
        try sink.flush()
    }
}
