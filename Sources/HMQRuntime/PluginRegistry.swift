import HMQSyntax

/// The plugins hmq knows: formatters and stages. The runtime finds them only
/// through here; the CLI registers the built-in formatters and the external
/// ones it finds at start-up. A value: a session gets its own copy.
public struct PluginRegistry: Sendable {
    private var formatters: [FormatterPlugin] = []
    private var stages: [StagePlugin] = []

    /// An empty registry.
    public init() {}

    /// Adds a formatter; a name or alias already taken is refused.
    public mutating func register(formatter: FormatterPlugin) throws(FormatterOptionError) {
        for name in [formatter.name] + formatter.aliases where self.formatter(named: name) != nil {
            throw FormatterOptionError("a formatter named '\(name)' is already registered")
        }
        formatters.append(formatter)
    }

    /// Adds a stage plugin; a name already taken (by a plugin or a built-in stage) is refused.
    public mutating func register(stage: StagePlugin) throws(FormatterOptionError) {
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
