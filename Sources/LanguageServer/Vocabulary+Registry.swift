import HMQRuntime

extension LanguageServer.Vocabulary {
    /// The words of a plugin registry: its stage plugins, its formats and each format's options.
    public init(registry: PluginRegistry) {
        self.init(pluginStages: registry.stageNames, formats: registry.allFormatters.map(\.name),
                  formatOptions: { name in registry.formatter(named: name)?.options.map { "--" + $0.name } ?? [] })
    }
}
