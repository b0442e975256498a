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
    /// A formatter writing to `sink`, configured by `options` (`--pretty` is `["pretty": nil]`).
    func makeFormatter(sink: any OutputSink, options: [String: String?]) throws(FormatterOptionError) -> any RowFormatter
}

/// An option a formatter does not know, or a bad value for one.
public struct FormatterOptionError: Error, Sendable, Hashable {
    /// What is wrong, for the user.
    public var message: String
    /// An error saying `message`.
    public init(_ message: String) { self.message = message }
}

/// The plugins hmq knows. The runtime finds formatters only through here; the
/// CLI registers the built-in ones at start-up.
public final class PluginRegistry: @unchecked Sendable {
    private var formatters: [FormatterPlugin] = []

    /// An empty registry.
    public init() {}

    /// Adds a formatter; a name or alias already taken is refused.
    public func register(formatter: FormatterPlugin) throws(FormatterOptionError) {
        for name in [formatter.name] + formatter.aliases where self.formatter(named: name) != nil {
            throw FormatterOptionError("a formatter named '\(name)' is already registered")
        }
        formatters.append(formatter)
    }

    /// The formatter called `name` (or with that alias).
    public func formatter(named name: String) -> FormatterPlugin? {
        let lower = name.lowercased()
        return formatters.first { $0.name == lower || $0.aliases.contains(lower) }
    }

    /// The formatter `save` uses for a file name, by its extension.
    public func formatter(forPath path: String) -> FormatterPlugin? {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return nil }
        let ext = path[path.index(after: dot)...].lowercased()
        return formatters.first { $0.fileExtensions.contains(ext) }
    }

    /// Every registered formatter, in registration order.
    public var allFormatters: [FormatterPlugin] { formatters }
}
