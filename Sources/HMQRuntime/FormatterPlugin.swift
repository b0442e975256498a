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
    /// Refuses, before anything is looked up, columns this format cannot write.
    func check(columns: [String]) throws(FormatterOptionError)
}

extension FormatterPlugin {
    public var acceptsAnyOption: Bool { false }

    /// Refuses, before anything is looked up, columns this format cannot write
    /// (known when the pipeline names them, e.g. with `show`). None by default.
    public func check(columns: [String]) throws(FormatterOptionError) {}

    /// Checks raw option values and makes the formatter.
    public func makeFormatter(sink: any OutputSink, rawOptions: [String: String?], context: OutputContext) throws(FormatterOptionError) -> any RowFormatter {
        let checked = acceptsAnyOption ? PluginOptions(unchecked: rawOptions) : try PluginOptions(rawOptions, declared: options, pluginName: name)
        return try makeFormatter(sink: sink, options: checked, context: context)
    }
}
