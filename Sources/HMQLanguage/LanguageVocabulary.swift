import HMQSyntax

/// What the language services know of one hmq beyond its grammar: its settings,
/// the fields of a contact, its formats and plugin stages, and how its text is
/// checked. The services take it in, so that the REPL's completer and the
/// language server link no runtime and no API client; the runtime builds it
/// from its own tables (`LanguageVocabulary(registry:)` in HMQRuntime).
public struct LanguageVocabulary: Sendable {
    /// One setting as completion, help and hover show it.
    public struct Setting: Sendable, Hashable {
        /// `country_code`: the word after `set`.
        public var name: String
        /// One line for help.
        public var summary: String
        /// The value's shape: `n`, `seconds`, `fast|exact`.
        public var valueHint: String
        /// The values completion offers (empty: any).
        public var choices: [String]
        /// The built-in default, as text.
        public var defaultValue: String
        /// `--country-code`.
        public var flag: String
        /// `HMQ_COUNTRY_CODE`.
        public var environmentVariable: String

        public init(name: String, summary: String, valueHint: String, choices: [String], defaultValue: String, flag: String, environmentVariable: String) {
            self.name = name
            self.summary = summary
            self.valueHint = valueHint
            self.choices = choices
            self.defaultValue = defaultValue
            self.flag = flag
            self.environmentVariable = environmentVariable
        }
    }

    /// Every setting, in the order help lists them.
    public var settings: [Setting]
    /// The fields every contact row may have (documented and virtual ones).
    public var contactFields: [String]
    /// Output format names (external plugins included).
    public var formats: [String]
    /// Options of a format, by its name or alias (`--max-width`, ...).
    public var formatOptions: @Sendable (String) -> [String]
    /// Stage names plugins provide.
    public var pluginStages: Set<String>
    /// The choices of `\x` (expanded display).
    public var expandedDisplay: [String]
    /// hmq text parsed and checked as every front end reads it, given the plugin stages.
    public var checker: @Sendable (Source, Set<String>) -> ParseResult

    public init(settings: [Setting], contactFields: [String], formats: [String], formatOptions: @escaping @Sendable (String) -> [String],
                pluginStages: Set<String>, expandedDisplay: [String], checker: @escaping @Sendable (Source, Set<String>) -> ParseResult) {
        self.settings = settings
        self.contactFields = contactFields
        self.formats = formats
        self.formatOptions = formatOptions
        self.pluginStages = pluginStages
        self.expandedDisplay = expandedDisplay
        self.checker = checker
    }

    /// The setting called `name`.
    public func setting(named name: String) -> Setting? {
        settings.first { $0.name == name.lowercased() }
    }

    /// `source` parsed and checked, with this vocabulary's plugin stages.
    public func check(_ source: Source) -> ParseResult {
        checker(source, pluginStages)
    }
}
