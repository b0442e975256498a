import Foundation
import HMQJSON
import HMQRuntime

/// `ndjson`: one JSON object per line (fields a row lacks are left out).
public struct NDJSONFormatterPlugin: FormatterPlugin {
    public init() {}
    public let name = "ndjson"
    public let aliases = ["jsonl"]
    public let summary = "one JSON object per line (the default when stdout is not a terminal)"
    public let fileExtensions = ["ndjson", "jsonl"]
    public let options: [PluginOption] = []

    public func makeFormatter(sink: any OutputSink, options: PluginOptions, context: OutputContext) throws(FormatterOptionError) -> any RowFormatter {
        JSONRowsFormatter(sink: sink, array: false, indent: nil, terminal: context.isTerminal)
    }
}

/// `json`: one JSON array of objects.
public struct JSONFormatterPlugin: FormatterPlugin {
    public init() {}
    public let name = "json"
    public let aliases: [String] = []
    public let summary = "a JSON array of objects (indented on a terminal)"
    public let fileExtensions = ["json"]
    public let options = [
        PluginOption("pretty", .flag, "indent (the default on a terminal)"),
        PluginOption("compact", .flag, "one line (the default elsewhere)"),
    ]

    public func makeFormatter(sink: any OutputSink, options: PluginOptions, context: OutputContext) throws(FormatterOptionError) -> any RowFormatter {
        if options.flag("pretty"), options.flag("compact") { throw FormatterOptionError("--pretty and --compact contradict each other") }
        let pretty = options.flag("pretty") || (context.isTerminal && !options.flag("compact"))
        return JSONRowsFormatter(sink: sink, array: true, indent: pretty ? 2 : nil, terminal: context.isTerminal)
    }
}

/// Writes rows as JSON objects, streaming.
final class JSONRowsFormatter: RowFormatter {
    private let sink: any OutputSink
    private let array: Bool
    private let writer: JSONWriter
    private var columns: [String] = []
    private var count = 0

    /// On a terminal, DEL and the C1 controls are escaped too (server text must not drive it).
    init(sink: any OutputSink, array: Bool, indent: Int?, terminal: Bool) {
        self.sink = sink
        self.array = array
        self.writer = JSONWriter(indent: indent, escapesEveryControl: terminal)
    }

    func begin(columns: [String]) throws {
        self.columns = columns
        if array { try sink.write("[") }
    }

    func row(_ values: [JSONValue?]) throws {
        var members: [JSONObject.Member] = []
        for (column, value) in zip(columns, values) {
            if let value { members.append(.init(key: column, value: value)) }
        }
        var text = writer.string(.object(JSONObject(members)))
        if array, let indent = writer.indent {
            let pad = String(repeating: " ", count: indent)
            text = pad + text.replacingOccurrences(of: "\n", with: "\n" + pad)
        }
        if array {
            try sink.write((count == 0 ? "" : ",") + (writer.indent == nil ? "" : "\n") + text)
        } else {
            try sink.write(text + "\n")
        }
        count += 1
    }

    func add(columns: [String]) throws { self.columns += columns }

    func end() throws {
        if array { try sink.write((writer.indent == nil || count == 0 ? "" : "\n") + "]\n") }
    }
}

/// Registers the built-in formatters.
public enum BuiltinFormatters {
    public static let all: [FormatterPlugin] = [
        TableFormatterPlugin(), VerticalFormatterPlugin(), JSONFormatterPlugin(), NDJSONFormatterPlugin(),
        CSVFormatterPlugin(), TSVFormatterPlugin(), YAMLFormatterPlugin(), MarkdownFormatterPlugin(), LinesFormatterPlugin(),
    ]

    public static func register(in registry: inout PluginRegistry) {
        for plugin in all { try? registry.register(formatter: plugin) }
    }

    /// A registry holding the built-in formatters.
    public static var registry: PluginRegistry {
        var registry = PluginRegistry()
        register(in: &registry)
        return registry
    }
}
