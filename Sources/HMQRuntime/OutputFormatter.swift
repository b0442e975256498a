import Foundation
import HMQSyntax
import Heymarket

/// Where formatted output goes: stdout, a file, a pipe.
public protocol OutputSink: AnyObject {
    func write(_ text: String) throws
    /// Writes out anything buffered (rows are flushed as each lookup batch settles).
    func flush() throws
}

extension OutputSink {
    /// Nothing buffered.
    public func flush() throws {}
}

/// A streaming formatter: `begin(columns:)`, then `row(_:)` per row, then `end()`,
/// so a large result is never held twice.
///
/// A value is `nil` when the row has no such field (formats that name fields
/// leave it out) and `.null` when the field is null or was asked for and missing.
public protocol RowFormatter: AnyObject {
    func begin(columns: [String]) throws
    func row(_ values: [JSONValue?]) throws
    func end() throws
    /// Columns first seen after `begin` (rows are printed as they come, and
    /// without `show` the columns are the fields of the rows). Later rows carry
    /// values for them at the end. Formats with a header already written throw.
    func add(columns: [String]) throws
}

extension RowFormatter {
    /// Refuses: the header is written. A format that names fields per row (json) overrides this.
    public func add(columns: [String]) throws {
        let list = columns.map { "'\($0)'" }.joined(separator: ", ")
        throw FormatterOptionError("field \(list) first appears after the header was written; name the columns with '| show ...'")
    }
}

/// What the output is attached to, for formats that adapt (table width, colour, pretty JSON).
public struct OutputContext: Sendable, Hashable {
    /// Output goes to a terminal (not a file or a pipe).
    public var isTerminal: Bool
    /// The terminal's width in columns, when known.
    public var width: Int?
    /// The terminal shows UTF-8 (box drawing, `…`); otherwise ASCII stand-ins.
    public var unicode: Bool
    /// ANSI colour is wanted.
    public var color: Bool

    public init(isTerminal: Bool = false, width: Int? = nil, unicode: Bool = true, color: Bool = false) {
        self.isTerminal = isTerminal
        self.width = width
        self.unicode = unicode
        self.color = color
    }

    /// A file or a pipe: no width, no colour, UTF-8.
    public static let file = OutputContext()
}

/// An option a formatter takes: `--pretty` (a flag), `--max-width 40` (a number), `--null "-"` (text).
public struct PluginOption: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case flag, integer, text
    }
    /// The name without dashes.
    public var name: String
    public var kind: Kind
    /// One line for `hmq formats`.
    public var summary: String

    public init(_ name: String, _ kind: Kind, _ summary: String) {
        self.name = name
        self.kind = kind
        self.summary = summary
    }

    /// `--name`, `--name N` or `--name TEXT`, for help.
    public var usage: String {
        switch kind {
        case .flag: return "--\(name)"
        case .integer: return "--\(name) N"
        case .text: return "--\(name) TEXT"
        }
    }
}

/// Option values, checked against the plugin's declared options.
public struct PluginOptions: Sendable, Hashable {
    /// The raw values by name (nil for a flag).
    public private(set) var values: [String: String?]

    /// Checks `values` against `declared`: unknown names, flags given a value,
    /// options missing one and numbers that are not numbers are errors.
    public init(_ values: [String: String?], declared: [PluginOption], pluginName: String) throws(FormatterOptionError) {
        for (name, value) in values.sorted(by: { $0.key < $1.key }) {
            guard let option = declared.first(where: { $0.name == name }) else {
                let known = declared.isEmpty ? "\(pluginName) has none" : "\(pluginName) has " + declared.map(\.usage).joined(separator: ", ")
                throw FormatterOptionError("unknown option --\(name) (\(known))")
            }
            switch option.kind {
            case .flag where value != nil: throw FormatterOptionError("--\(name) takes no value")
            case .integer:
                guard let value, let n = Int(value), n > 0 else { throw FormatterOptionError("--\(name) needs a positive whole number") }
                _ = n
            case .text where value == nil: throw FormatterOptionError("--\(name) needs a value")
            default: break
            }
        }
        self.values = values
    }

    /// Unchecked values (for plugins taking any option, like external ones).
    public init(unchecked values: [String: String?]) { self.values = values }

    public func flag(_ name: String) -> Bool { values.keys.contains(name) }
    public func integer(_ name: String) -> Int? { (values[name] ?? nil).flatMap { Int($0) } }
    public func text(_ name: String) -> String? { values[name] ?? nil }
}

/// A named output format, registered in the ``PluginRegistry``.
public protocol FormatterPlugin: Sendable {
    /// The name used by `format NAME`, `set format NAME` and `--format NAME`.
    var name: String { get }
    /// Other names it answers to (`jsonl` for `ndjson`).
    var aliases: [String] { get }
    /// One line for `hmq formats`.
    var summary: String { get }
    /// File extensions `save` infers this format from (without the dot).
    var fileExtensions: [String] { get }
    /// The options it takes (checked before ``makeFormatter(sink:options:context:)``).
    var options: [PluginOption] { get }
    /// Whether it checks its own options (external plugins); otherwise the registry checks them against ``options``.
    var acceptsAnyOption: Bool { get }
    /// A formatter writing to `sink`.
    func makeFormatter(sink: any OutputSink, options: PluginOptions, context: OutputContext) throws(FormatterOptionError) -> any RowFormatter
}

extension FormatterPlugin {
    public var acceptsAnyOption: Bool { false }

    /// Checks raw option values and makes the formatter.
    public func makeFormatter(sink: any OutputSink, rawOptions: [String: String?], context: OutputContext) throws(FormatterOptionError) -> any RowFormatter {
        let checked = acceptsAnyOption ? PluginOptions(unchecked: rawOptions) : try PluginOptions(rawOptions, declared: options, pluginName: name)
        return try makeFormatter(sink: sink, options: checked, context: context)
    }
}

/// A stage provided by a plugin (a future `| geocode` or `| dedupe-fuzzy`):
/// the same shape as a formatter plugin, registered in the same registry.
/// It sees rows in chunks as they stream and may hold them until the end.
public protocol StagePlugin: Sendable {
    var name: String { get }
    var summary: String { get }
    var options: [PluginOption] { get }
    /// A transform for one run of the stage.
    func makeTransform(options: PluginOptions) throws(FormatterOptionError) -> any RowTransform
}

/// A stage plugin's work on one stream of rows.
public protocol RowTransform: AnyObject {
    /// The rows to pass on for `rows`.
    func accept(_ rows: [Row]) throws -> [Row]
    /// The rows to pass on once the input has ended.
    func finish() throws -> [Row]
}

/// An option a plugin does not know, a bad value for one, or a plugin that failed.
public struct FormatterOptionError: Error, Sendable, Hashable {
    /// What is wrong, for the user.
    public var message: String
    /// An error saying `message`.
    public init(_ message: String) { self.message = message }
}

/// The plugins hmq knows: formatters and stages. The runtime finds them only
/// through here; the CLI registers the built-in formatters and the external
/// ones it finds at start-up.
public final class PluginRegistry: @unchecked Sendable {
    private var formatters: [FormatterPlugin] = []
    private var stages: [StagePlugin] = []

    /// An empty registry.
    public init() {}

    /// Adds a formatter; a name or alias already taken is refused.
    public func register(formatter: FormatterPlugin) throws(FormatterOptionError) {
        for name in [formatter.name] + formatter.aliases where self.formatter(named: name) != nil {
            throw FormatterOptionError("a formatter named '\(name)' is already registered")
        }
        formatters.append(formatter)
    }

    /// Adds a stage plugin; a name already taken (by a plugin or a built-in stage) is refused.
    public func register(stage: StagePlugin) throws(FormatterOptionError) {
        if StageName.all.contains(stage.name.lowercased()) || self.stage(named: stage.name) != nil {
            throw FormatterOptionError("a stage named '\(stage.name)' already exists")
        }
        stages.append(stage)
    }

    /// The formatter called `name` (or with that alias).
    public func formatter(named name: String) -> FormatterPlugin? {
        let lower = name.lowercased()
        return formatters.first { $0.name == lower || $0.aliases.contains(lower) }
    }

    /// The stage plugin called `name`.
    public func stage(named name: String) -> StagePlugin? {
        stages.first { $0.name == name.lowercased() }
    }

    /// The formatter `save` uses for a file name, by its extension.
    public func formatter(forPath path: String) -> FormatterPlugin? {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return nil }
        let ext = path[path.index(after: dot)...].lowercased()
        return formatters.first { $0.fileExtensions.contains(ext) }
    }

    /// Every registered formatter, in registration order.
    public var allFormatters: [FormatterPlugin] { formatters }
    /// Every registered stage plugin.
    public var allStages: [StagePlugin] { stages }
    /// Their names, for the parser (`Parser.parse(_:pluginStages:)`).
    public var stageNames: Set<String> { Set(stages.map(\.name)) }

    /// The listing `hmq formats` and `.formats` print: name, aliases, summary, options.
    public func formatterListing() -> String {
        var text = ""
        let width = (formatters.map { $0.name.count }.max() ?? 0) + 2
        for plugin in formatters {
            let aliases = plugin.aliases.isEmpty ? "" : " (also " + plugin.aliases.joined(separator: ", ") + ")"
            text += plugin.name.padding(toLength: width, withPad: " ", startingAt: 0) + plugin.summary + aliases + "\n"
            for option in plugin.options {
                text += String(repeating: " ", count: width + 2) + option.usage.padding(toLength: 18, withPad: " ", startingAt: 0) + option.summary + "\n"
            }
        }
        return text
    }
}
