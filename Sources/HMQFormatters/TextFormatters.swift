import HMQJSON
import HMQRuntime
import TextWidth

/// `csv`: RFC 4180.
public struct CSVFormatterPlugin: FormatterPlugin {
    public init() {}
    public let name = "csv"
    public let aliases: [String] = []
    public let summary = "comma-separated values, RFC 4180"
    public let fileExtensions = ["csv"]
    public let options = [
        PluginOption("no-header", .flag, "leave out the header line"),
        PluginOption("crlf", .flag, "end lines with CR LF, as RFC 4180 writes them"),
        PluginOption("null", .text, "text for null and missing values (default: empty)"),
    ]

    public func makeFormatter(sink: any OutputSink, options: PluginOptions, context: OutputContext) throws(FormatterOptionError) -> any RowFormatter {
        DelimitedFormatter(sink: sink, options: options, escape: Cell.forTerminal(context, Self.quote), lineEnd: options.flag("crlf") ? "\r\n" : "\n", separator: ",")
    }

    /// A field quoted when it holds a comma, a quote or a line break; quotes doubled.
    static func quote(_ field: String) -> String {
        guard field.utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13 }) else { return field }
        var bytes: [UInt8] = [UInt8(ascii: "\"")]
        bytes.reserveCapacity(field.utf8.count + 8)
        for byte in field.utf8 {
            bytes.append(byte)
            if byte == UInt8(ascii: "\"") { bytes.append(byte) }
        }
        bytes.append(UInt8(ascii: "\""))
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// `tsv`: tab-separated, with `\t`, `\n`, `\r` and `\\` escaped (the form
/// PostgreSQL's COPY and most TSV readers take).
public struct TSVFormatterPlugin: FormatterPlugin {
    public init() {}
    public let name = "tsv"
    public let aliases: [String] = []
    public let summary = "tab-separated values; tabs, line breaks and backslashes escaped"
    public let fileExtensions = ["tsv", "tab"]
    public let options = [
        PluginOption("no-header", .flag, "leave out the header line"),
        PluginOption("null", .text, "text for null and missing values (default: empty)"),
    ]

    public func makeFormatter(sink: any OutputSink, options: PluginOptions, context: OutputContext) throws(FormatterOptionError) -> any RowFormatter {
        DelimitedFormatter(sink: sink, options: options, escape: Cell.forTerminal(context, Self.escape), lineEnd: "\n", separator: "\t")
    }

    static func escape(_ field: String) -> String {
        guard field.utf8.contains(where: { $0 == 9 || $0 == 10 || $0 == 13 || $0 == UInt8(ascii: "\\") }) else { return field }
        var out = ""
        for scalar in field.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

/// A header line and a line per row, streamed.
final class DelimitedFormatter: RowFormatter {
    private let escape: (String) -> String
    private let lineEnd: String
    private let separator: String
    private let header: Bool
    private let null: String
    private var buffer: ChunkedText

    init(sink: any OutputSink, options: PluginOptions, escape: @escaping (String) -> String, lineEnd: String, separator: String) {
        buffer = ChunkedText(sink: sink)
        self.escape = escape
        self.lineEnd = lineEnd
        self.separator = separator
        header = !options.flag("no-header")
        null = options.text("null") ?? ""
    }

    func begin(columns: [String]) throws {
        if header, !columns.isEmpty { try buffer.append(columns.map(escape).joined(separator: separator) + lineEnd) }
    }

    func row(_ values: [JSONValue?]) throws {
        try buffer.append(values.map { escape(Cell.text($0, null: null)) }.joined(separator: separator) + lineEnd)
    }

    func end() throws { try buffer.flush() }
}

/// `markdown`: a GitHub-flavoured Markdown table.
public struct MarkdownFormatterPlugin: FormatterPlugin {
    public init() {}
    public let name = "markdown"
    public let aliases = ["md"]
    public let summary = "a Markdown table (pipes escaped, line breaks as <br>)"
    public let fileExtensions = ["md", "markdown"]
    public let options = [PluginOption("null", .text, "text for null and missing values (default: empty)")]

    public func makeFormatter(sink: any OutputSink, options: PluginOptions, context: OutputContext) throws(FormatterOptionError) -> any RowFormatter {
        MarkdownFormatter(sink: sink, null: options.text("null") ?? "", escape: Cell.forTerminal(context, MarkdownFormatter.escape))
    }
}

/// Holds the rows to line the columns up (numbers right-aligned), then writes the table.
final class MarkdownFormatter: RowFormatter {
    private let sink: any OutputSink
    private let null: String
    private var columns: [String] = []
    private var rows: [[String]] = []
    private var numeric: [Bool] = []

    private let escapeCell: (String) -> String

    init(sink: any OutputSink, null: String, escape: @escaping (String) -> String) {
        self.sink = sink
        self.null = null
        escapeCell = escape
    }

    static func escape(_ text: String) -> String {
        var out = ""
        var previousCR = false
        for character in text.unicodeScalars {
            defer { previousCR = character == "\r" }
            switch character {
            case "|": out += "\\|"
            case "\\": out += "\\\\"
            case "\n": if !previousCR { out += "<br>" }
            case "\r": out += "<br>"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }

    func begin(columns: [String]) throws {
        self.columns = columns.map(escapeCell)
        numeric = Array(repeating: true, count: columns.count)
    }

    func add(columns: [String]) throws {
        self.columns += columns.map(escapeCell)
        numeric += Array(repeating: true, count: columns.count)
    }

    func row(_ values: [JSONValue?]) throws {
        for (i, value) in values.enumerated() where value != nil && value != .null && !Cell.isNumber(value) { numeric[i] = false }
        rows.append(values.map { escapeCell(Cell.text($0, null: null)) })
    }

    func end() throws {
        guard !columns.isEmpty else { return }
        var widths = columns.map { max(3, DisplayWidth.of($0)) }
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], DisplayWidth.of(cell)) } }
        var text = "| " + columns.enumerated().map { Cell.pad($1, to: widths[$0]) }.joined(separator: " | ") + " |\n"
        text += "| " + widths.enumerated().map { numeric[$0] && !rows.isEmpty ? String(repeating: "-", count: $1 - 1) + ":" : String(repeating: "-", count: $1) }.joined(separator: " | ") + " |\n"
        for row in rows {
            text += "| " + row.enumerated().map { Cell.pad($1, to: widths[$0], right: numeric[$0]) }.joined(separator: " | ") + " |\n"
        }
        try sink.write(text)
    }
}
