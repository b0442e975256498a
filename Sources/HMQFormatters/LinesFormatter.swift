import HMQJSON
import HMQRuntime

/// `lines`: one value per line, nothing else, so a saved list reads back with
/// `file "misses.txt"` (like `jq -r`). The value is the only column, or the
/// `value` column of `| unmatched` rows; anything else asks for `| show`.
public struct LinesFormatterPlugin: FormatterPlugin {
    public init() {}
    public let name = "lines"
    public let aliases = ["txt"]
    public let summary = "one value per line: a single column, or the value column of '| unmatched'"
    public let fileExtensions = ["txt"]
    public let options = [PluginOption("null", .text, "text for null and missing values (default: the line is left out)")]

    public func makeFormatter(sink: any OutputSink, options: PluginOptions, context: OutputContext) throws(FormatterOptionError) -> any RowFormatter {
        LinesFormatter(sink: sink, null: options.text("null"), visible: Cell.forTerminal(context) { $0 })
    }

    public func check(columns: [String]) throws(FormatterOptionError) {
        _ = try LinesFormatter.column(in: columns)
    }
}

final class LinesFormatter: RowFormatter {
    private let null: String?
    private var column = 0
    private var buffer: ChunkedText
    private var rows = 0

    private let visible: (String) -> String

    init(sink: any OutputSink, null: String?, visible: @escaping (String) -> String) {
        self.null = null
        self.visible = visible
        buffer = ChunkedText(sink: sink)
    }

    func begin(columns: [String]) throws {
        column = try Self.column(in: columns)
    }

    /// The column written: the only one, or `value` (the rows of `| unmatched`).
    static func column(in columns: [String]) throws(FormatterOptionError) -> Int {
        if columns.count <= 1 { return 0 }
        guard let index = columns.firstIndex(of: "value") else {
            throw FormatterOptionError("one value per line needs one column, and these rows have \(columns.count) (\(columns.prefix(6).joined(separator: ", "))); choose one with '| show NAME', or use csv")
        }
        return index
    }

    func add(columns: [String]) throws {
        throw FormatterOptionError("one value per line needs one column; choose it with '| show NAME'")
    }

    func row(_ values: [JSONValue?]) throws {
        rows += 1
        let value = values.indices.contains(column) ? values[column] : nil
        if value == nil || value == .null, null == nil { return }
        let text = Cell.text(value, null: null ?? "")
        if text.contains(where: { $0 == "\n" || $0 == "\r" }) {
            throw FormatterOptionError("row \(rows) holds a line break, which one value per line cannot keep; use csv or json")
        }
        if text.drop(while: { $0 == " " || $0 == "\t" }).hasPrefix("#") {
            throw FormatterOptionError("row \(rows) starts with '#', which a file of values reads as a comment; use csv")
        }
        try buffer.append(visible(text) + "\n")
    }

    func end() throws { try buffer.flush() }
}
