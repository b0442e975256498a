import HMQJSON
import HMQRuntime
import TextWidth

/// `table`: a box-drawn table sized to the terminal.
public struct TableFormatterPlugin: FormatterPlugin {
    public init() {}
    public let name = "table"
    public let aliases: [String] = []
    public let summary = "a table fitted to the terminal (the default on a terminal)"
    public let fileExtensions: [String] = []
    public let options = [
        PluginOption("max-width", .integer, "cut every column to at most N columns"),
        PluginOption("width", .integer, "fit the table in N columns (default: the terminal's)"),
        PluginOption("ascii", .flag, "draw with + - | instead of box-drawing characters"),
        PluginOption("no-auto", .flag, "never switch to the vertical layout when too wide"),
        PluginOption("null", .text, "text for null and missing values (default: empty)"),
    ]

    public func makeFormatter(sink: any OutputSink, options: PluginOptions, context: OutputContext) throws(FormatterOptionError) -> any RowFormatter {
        TableFormatter(sink: sink, options: options, context: context, vertical: false)
    }
}

/// `vertical`: one block per row, like psql's `\x`.
public struct VerticalFormatterPlugin: FormatterPlugin {
    public init() {}
    public let name = "vertical"
    public let aliases = ["expanded"]
    public let summary = "one 'field | value' block per row (psql's \\x)"
    public let fileExtensions: [String] = []
    public let options = [
        PluginOption("ascii", .flag, "no Unicode marks for line breaks and tabs"),
        PluginOption("null", .text, "text for null and missing values (default: empty)"),
    ]

    public func makeFormatter(sink: any OutputSink, options: PluginOptions, context: OutputContext) throws(FormatterOptionError) -> any RowFormatter {
        TableFormatter(sink: sink, options: options, context: context, vertical: true)
    }
}

/// Holds the rows (a table's widths depend on all of them), then draws a
/// table, or vertical blocks when asked or when a table cannot fit.
final class TableFormatter: RowFormatter {
    private let sink: any OutputSink
    private let null: String
    private let unicode: Bool
    private let color: Bool
    private let maxWidth: Int?
    private let width: Int?
    private let vertical: Bool
    private let auto: Bool
    /// `\x` in the REPL: on draws blocks; auto draws them when the table is wider than the terminal.
    private let expanded: ExpandedDisplay
    private var columns: [String] = []
    private var rows: [[String]] = []
    /// Per column: every non-null value is a number (right-aligned).
    private var numeric: [Bool] = []

    init(sink: any OutputSink, options: PluginOptions, context: OutputContext, vertical: Bool) {
        self.sink = sink
        null = options.text("null") ?? ""
        unicode = context.unicode && !options.flag("ascii")
        color = context.color
        maxWidth = options.integer("max-width")
        width = options.integer("width") ?? (context.isTerminal ? context.width : nil)
        self.vertical = vertical
        auto = !options.flag("no-auto")
        expanded = context.expanded
    }

    func begin(columns: [String]) throws {
        self.columns = columns
        numeric = Array(repeating: true, count: columns.count)
    }

    func add(columns: [String]) throws {
        self.columns += columns
        numeric += Array(repeating: true, count: columns.count)
    }

    func row(_ values: [JSONValue?]) throws {
        var cells: [String] = []
        cells.reserveCapacity(columns.count)
        for (i, value) in values.enumerated() {
            if value != nil, value != .null, !Cell.isNumber(value) { numeric[i] = false }
            cells.append(Cell.text(value, null: null))
        }
        rows.append(cells)
    }

    func end() throws {
        if vertical || expanded == .on {
            try drawVertical()
            return
        }
        // Natural widths, capped by --max-width.
        let cells = rows.map { $0.map { Cell.visible($0, unicode: unicode) } }
        var widths = columns.map { DisplayWidth.of(Cell.visible($0, unicode: unicode)) }
        for row in cells {
            for (i, cell) in row.enumerated() { widths[i] = max(widths[i], DisplayWidth.of(cell)) }
        }
        if let maxWidth { widths = widths.map { min($0, maxWidth) } }
        if expanded == .auto, auto, let available = width, !rows.isEmpty, Self.tableWidth(widths) > available {
            try drawVertical()
            return
        }
        // Fit the terminal: shrink the widest column, one column of text at a time.
        if let available = width, !columns.isEmpty {
            let floor = widths.map { min($0, 5) }
            func total() -> Int { Self.tableWidth(widths) }
            while total() > available {
                guard let widest = widths.indices.filter({ widths[$0] > floor[$0] }).max(by: { widths[$0] < widths[$1] }) else { break }
                widths[widest] -= 1
            }
            if total() > available, auto, !rows.isEmpty {
                try drawVertical()
                return
            }
        }
        try drawTable(cells: cells, widths: widths)
    }

    /// The width of a table with columns this wide: `│ a │ b │`.
    private static func tableWidth(_ widths: [Int]) -> Int { widths.reduce(0, +) + 3 * widths.count + 1 }

    private var ellipsis: String { unicode ? "…" : "~" }

    private func drawTable(cells: [[String]], widths: [Int]) throws {
        let (h, v) = unicode ? ("─", "│") : ("-", "|")
        func rule(_ left: String, _ middle: String, _ right: String) -> String {
            left + widths.map { String(repeating: h, count: $0 + 2) }.joined(separator: middle) + right + "\n"
        }
        var text = ""
        if !columns.isEmpty {
            text += unicode ? rule("┌", "┬", "┐") : rule("+", "+", "+")
            let header = columns.enumerated().map { i, name in
                let cell = Cell.pad(Cell.truncate(Cell.visible(name, unicode: unicode), to: widths[i], ellipsis: ellipsis), to: widths[i])
                return color ? "\u{1B}[1m" + cell + "\u{1B}[0m" : cell
            }
            text += v + " " + header.joined(separator: " \(v) ") + " " + v + "\n"
            text += unicode ? rule("├", "┼", "┤") : rule("+", "+", "+")
            try sink.write(text)
            text = ""
            for row in cells {
                let line = row.enumerated().map { i, cell in
                    Cell.pad(Cell.truncate(cell, to: widths[i], ellipsis: ellipsis), to: widths[i], right: numeric[i] && cell != null)
                }
                text += v + " " + line.joined(separator: " \(v) ") + " " + v + "\n"
                if text.utf8.count > 64 * 1024 {
                    try sink.write(text)
                    text = ""
                }
            }
            text += unicode ? rule("└", "┴", "┘") : rule("+", "+", "+")
        }
        text += rows.count == 1 ? "(1 row)\n" : "(\(rows.count) rows)\n"
        try sink.write(text)
    }

    /// psql's expanded display: `-[ RECORD 1 ]`, then `field | value` lines;
    /// a value with line breaks continues on lines of its own.
    private func drawVertical() throws {
        let names = columns.map { Cell.visible($0, unicode: unicode) }
        let keyWidth = names.map(DisplayWidth.of).max() ?? 0
        var text = ""
        for (n, row) in rows.enumerated() {
            let title = "-[ RECORD \(n + 1) ]"
            text += title + String(repeating: "-", count: max(0, keyWidth + 1 - title.count)) + "+" + String(repeating: "-", count: 10) + "\n"
            for (i, cell) in row.enumerated() {
                let lines = cell.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
                for (k, line) in lines.enumerated() {
                    let key = k == 0 ? (color ? "\u{1B}[1m" + Cell.pad(names[i], to: keyWidth) + "\u{1B}[0m" : Cell.pad(names[i], to: keyWidth)) : String(repeating: " ", count: keyWidth)
                    let value = Cell.visible(String(line), unicode: unicode)
                    text += key + " | " + value + (k < lines.count - 1 ? (unicode ? " ↵" : " +") : "") + "\n"
                }
            }
            if text.utf8.count > 64 * 1024 {
                try sink.write(text)
                text = ""
            }
        }
        text += rows.count == 1 ? "(1 row)\n" : "(\(rows.count) rows)\n"
        try sink.write(text)
    }
}
