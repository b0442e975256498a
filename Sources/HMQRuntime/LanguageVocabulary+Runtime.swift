import HMQLanguage
import HMQSyntax

extension LanguageVocabulary {
    /// This runtime's vocabulary, for the language services (the REPL's completer and
    /// help, the language server): its settings, the contact's fields, the formats and
    /// stage plugins of `registry`, and the checks ``ScriptCheck`` makes.
    public init(registry: PluginRegistry) {
        self.init(
            settings: Settings.descriptors.map {
                Setting(name: $0.name, summary: $0.summary, valueHint: $0.valueHint, choices: $0.choices,
                        defaultValue: $0.defaultValue, flag: $0.flag, environmentVariable: $0.environmentVariable)
            },
            contactFields: Evaluator.contactFields,
            formats: registry.allFormatters.map(\.name),
            formatOptions: { registry.formatter(named: $0)?.options.map { "--" + $0.name } ?? [] },
            pluginStages: registry.stageNames,
            expandedDisplay: ExpandedDisplay.allCases.map(\.rawValue),
            checker: { ScriptCheck.parse($0, pluginStages: $1) })
    }
}
