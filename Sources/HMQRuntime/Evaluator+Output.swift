import Foundation
import HMQSyntax
import Heymarket

extension Evaluator {
    /// Prints a pipeline's rows (with its `format`, else the `format` setting), or
    /// saves them (`save "file"`), through the formatter plugins.
    func emit(_ relation: Relation, pipeline: Pipeline) throws {
        var formatStage: FormatStage?
        var saveStage: SaveStage?
        for stage in pipeline.stages {
            if case .format(let f) = stage { formatStage = f }
            if case .save(let s) = stage { saveStage = s }
        }
        if let save = saveStage {
            try saveRows(relation, to: save, format: formatStage)
            return
        }
        let name = formatStage?.name.name ?? settings.format
        guard let plugin = registry.formatter(named: name) else {
            throw RuntimeError.at(formatStage?.name.range ?? pipeline.range, "unknown format '\(name)'", suggestion: formatSuggestion(name))
        }
        let options = try formatStage.map { try optionValues($0.options) } ?? [:]
        try write(relation, with: plugin, options: options, to: output, at: formatStage?.range ?? pipeline.range)
    }

    func optionValues(_ options: [FormatStage.Option]) throws(RuntimeError) -> [String: String?] {
        var values: [String: String?] = [:]
        for option in options { values.updateValue(try option.value.map(literalText), forKey: option.name) }
        return values
    }

    func write(_ relation: Relation, with plugin: FormatterPlugin, options: [String: String?], to sink: any OutputSink, at range: SourceRange) throws {
        let formatter: any RowFormatter
        do {
            formatter = try plugin.makeFormatter(sink: sink, options: options)
        } catch {
            throw RuntimeError.at(range, "format \(plugin.name): \(error.message)")
        }
        let columns = relation.effectiveColumns
        try formatter.begin(columns: columns)
        for row in relation.rows {
            try formatter.row(columns.map { row.fields[$0] })
        }
        try formatter.end()
    }

    /// Writes to a temporary file beside the target and renames it into place,
    /// so an error never leaves a half-written file.
    func saveRows(_ relation: Relation, to save: SaveStage, format: FormatStage?) throws {
        var options = try optionValues(save.options)
        let explicit = (options.removeValue(forKey: "format") ?? nil) ?? format?.name.name
        let plugin: FormatterPlugin
        if let explicit {
            guard let p = registry.formatter(named: explicit) else {
                throw RuntimeError.at(save.range, "unknown format '\(explicit)'", suggestion: formatSuggestion(explicit))
            }
            plugin = p
        } else {
            guard let p = registry.formatter(forPath: save.path.value) else {
                throw RuntimeError.at(save.path.range, "cannot tell the format of '\(save.path.value)' from its extension",
                                      suggestion: "add --format NAME (\(registry.allFormatters.map(\.name).joined(separator: ", ")))")
            }
            plugin = p
        }
        if let format { options.merge(try optionValues(format.options)) { a, _ in a } }
        do {
            try AtomicFile.write(save.path.value) { sink in
                try write(relation, with: plugin, options: options, to: sink, at: save.range)
            }
        } catch let error as AtomicFile.WriteError {
            throw RuntimeError.at(save.path.range, error.description)
        }
    }
}

/// An output sink over a file handle, buffered.
public final class FileSink: OutputSink {
    private let handle: FileHandle
    private var buffer: [UInt8] = []

    /// A sink writing to `handle`.
    public init(handle: FileHandle) { self.handle = handle }

    /// Buffers `text`, writing out every 64 KiB.
    public func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 64 * 1024 { try flush() }
    }

    /// Writes out what is buffered.
    public func flush() throws {
        guard !buffer.isEmpty else { return }
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    deinit { try? flush() }
}
