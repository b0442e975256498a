import Foundation
import HMQConfig
import HMQFormatters
import HMQRuntime
import Heymarket
import HeymarketSandbox
import Logging
import Synchronization

/// What the command line asked for; the CLI fills it from its flags.
public struct HostOptions: Sendable {
    /// `--sandbox`: the embedded sandbox (the `sandbox` profile).
    public var sandbox = false
    /// `--profile NAME`.
    public var profile: String?
    /// `--base-url URL`.
    public var baseURL: String?
    /// `-v`: log requests, retries and timings to stderr.
    public var verbose = false
    /// `--format NAME`.
    public var format: String?
    /// `--color`.
    public var color = ColorChoice.auto
    /// `--error-format`: nil takes `HMQ_ERROR_FORMAT`, then the profile's `error_format`.
    public var errorFormat: ErrorFormat?
    /// Settings given as flags: the setting's name, the value, the flag as written.
    public var settings: [(name: String, value: String, flag: String)] = []

    public init() {}
}

/// Everything a run of hmq takes from its surroundings, each read once: the
/// config file and the profile, the settings (flag > environment > profile >
/// default), the plugins, the credentials, and the connection (the API, or
/// an embedded sandbox). The CLI makes one from its flags; a program hosting
/// hmq can do the same.
public final class Host: Sendable {
    public let options: HostOptions
    public let environment: [String: String]
    public let console: Console
    public let configuration: Configuration
    /// The selected profile (`--sandbox`, `--profile`, `HMQ_PROFILE`, `default_profile`), if any.
    public let profile: Profile?
    private let credentialCache = Mutex<Credentials?>(nil)
    private let pluginCache = Mutex<(registry: PluginRegistry, warnings: [String])?>(nil)

    public init(options: HostOptions, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        if options.sandbox, options.baseURL != nil {
            throw CommandFailure(status: .usage, message: "--sandbox and --base-url cannot be used together")
        }
        if options.sandbox, let profile = options.profile, profile != "sandbox" {
            throw CommandFailure(status: .usage, message: "--sandbox and --profile \(profile) cannot be used together")
        }
        self.options = options
        self.environment = environment
        var console = Console(color: options.color, environment: environment, errorFormat: options.errorFormat)
        configuration = try Configuration.load(path: ConfigFolder.configFile(environment: environment))
        profile = options.sandbox ? Profile.sandbox : try configuration.select(flag: options.profile, environment: environment)
        if options.errorFormat == nil, environment["HMQ_ERROR_FORMAT"] == nil, let format = profile?.errorFormat.flatMap(ErrorFormat.init(rawValue:)) {
            console.errorFormat = format
        }
        ErrorFormat.choose(console.errorFormat)
        self.console = console
        // The keys the environment holds are never repeated on stderr, even where a user typed one into a query.
        console.redact(CredentialVariables.keys(in: environment, configuration: configuration))
        for warning in configuration.warnings { console.note(warning) }
        // `--mask`, HMQ_MASK or the profile's mask: stderr is masked from the start.
        if let settings = try? settings(), settings.mask != .off { console.mask(Masker(settings.mask)) }
    }

    /// Whether requests go to the embedded sandbox.
    public var usesSandbox: Bool { profile?.isSandbox == true }

    /// `--base-url`, else `HMQ_BASE_URL`, else the profile's `base_url` (nil: production).
    public var baseURL: String? {
        options.baseURL ?? environment["HMQ_BASE_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? profile?.baseURL
    }

    /// What the REPL's prompt shows: the profile's name, or the host.
    public var targetName: String {
        if let profile { return profile.name }
        if let url = baseURL { return URL(string: url)?.host ?? url }
        return "prod"
    }

    /// The settings of this run. The format defaults to a table on a terminal,
    /// NDJSON otherwise; `interactive` (the REPL): the answer cache defaults to 5 minutes.
    public func settings(interactive: Bool = false) throws -> Settings {
        var flags = options.settings
        if let format = options.format { flags.insert(("format", format, "--format"), at: 0) }
        let settings = try SettingsResolver(profile: profile, environment: environment)
            .resolve(defaultFormat: Console.isTerminal(STDOUT_FILENO) ? "table" : "ndjson", flags: flags,
                     defaults: interactive ? [("cache", Settings.interactiveCache)] : [])
        guard registry.formatter(named: settings.format) != nil else {
            throw CommandFailure(status: .usage, message: "unknown format '\(settings.format)'; formats: " + registry.allFormatters.map(\.name).joined(separator: ", "))
        }
        return settings
    }

    /// The variables that hold credentials (child processes never get them; `$env.NAME` cannot read them).
    public var credentialVariables: Set<String> { CredentialVariables.names(in: environment, configuration: configuration) }

    /// The formats and stage plugins: the built-in formats, then executables
    /// named `hmq-format-NAME` in the plugins folder and on `PATH` (found once).
    public var registry: PluginRegistry { plugins.registry }

    /// Plugins that were skipped, and why.
    public var pluginWarnings: [String] { plugins.warnings }

    private var plugins: (registry: PluginRegistry, warnings: [String]) {
        pluginCache.withLock { cached in
            if let cached { return cached }
            var registry = BuiltinFormatters.registry
            let taken = Set(registry.allFormatters.flatMap { [$0.name] + $0.aliases })
            let directories = [ConfigFolder.plugins(environment: environment)] + (environment["PATH"] ?? "").split(separator: ":").map(String.init)
            let timeout = environment["HMQ_PLUGIN_TIMEOUT"].flatMap(Double.init).flatMap { $0.isFinite && $0 > 0 ? min($0, 3600) : nil } ?? 30
            let (external, warnings) = ExternalFormatterPlugin.discover(
                in: directories, taken: taken, timeout: timeout,
                environment: CredentialVariables.scrubbed(environment, configuration: configuration))
            for plugin in external { try? registry.register(formatter: plugin) }
            cached = (registry, warnings)
            return (registry, warnings)
        }
    }

    /// The credentials of the selected profile (or the environment's), read
    /// once: a `secret_key_command` may ask for a passphrase.
    public func credentials() throws -> Credentials {
        if usesSandbox {
            let demo = Credentials.secret(id: SandboxConfiguration.demoSecret.id, key: Secret(SandboxConfiguration.demoSecret.key))
            console.redact(demo.secrets)
            return demo
        }
        if let cached = credentialCache.withLock({ $0 }) { return cached }
        let (credentials, warnings) = try SecretResolver(environment: environment).credentials(for: profile)
        console.redact(credentials.secrets)
        for warning in warnings { console.note(warning) }
        credentialCache.withLock { $0 = credentials }
        return credentials
    }

    /// `$1...`, `--var` values and the environment (without the variables that hold credentials).
    public func scriptInputs(arguments: [String] = [], variables: [String: String] = [:]) -> ScriptInputs {
        ScriptInputs(arguments: arguments, variables: variables, environment: environment, withheldEnvironment: credentialVariables)
    }

    /// Where the rate budgets shared by processes on one key live:
    /// `$XDG_RUNTIME_DIR/hmq`, else `$XDG_STATE_HOME/hmq`, else `~/.local/state/hmq`.
    static func budgetDirectory(environment: [String: String]) -> String {
        if let runtime = environment["XDG_RUNTIME_DIR"], runtime.hasPrefix("/") { return runtime + "/hmq" }
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") { return state + "/hmq" }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + "/.local/state/hmq"
    }

    /// A logger for the client: debug level with `-v`, silent otherwise.
    public func logger() -> Logger {
        guard options.verbose else { return Logger(label: "hmq", factory: { _ in SwiftLogNoOpLogHandler() }) }
        var logger = Logger(label: "hmq", factory: { StreamLogHandler.standardError(label: $0) })
        logger.logLevel = .debug
        return logger
    }

    /// Runs `body` with a client: against an embedded sandbox (stopped
    /// afterwards) or the configured base URL and credentials. With
    /// `needsClient` false (`--dry-run`) no credentials are needed, and the
    /// client is nil when there are none.
    public func withClient<T>(options searchOptions: SearchOptions, needsClient: Bool = true,
                              isolation: isolated (any Actor)? = #isolation,
                              _ body: (HeymarketClient?) async throws -> T) async throws -> T {
        if usesSandbox {
            return try await SandboxServer.with { running in
                var client = HeymarketClient(credentials: try self.credentials(), baseURL: try BaseURL(running.baseURL), options: searchOptions, logger: logger())
                client.serverName = "the embedded sandbox"
                // A new sandbox each run: its answers are this process's alone.
                client.answerCache = AnswerCache(storage: .memory, server: running.baseURL, credentials: try self.credentials())
                client.notice = { [console] in console.note($0) }
                client.onWait = { [console] in console.announce($0) }
                return try await body(client)
            }
        }
        // The URL is checked even when nothing is sent: explain shows it.
        let base = try baseURL.map { url throws(HeymarketError) in try BaseURL(url) } ?? .production
        guard needsClient else {
            let client = (try? credentials()).map { HeymarketClient(credentials: $0, baseURL: base, options: searchOptions) }
            return try await body(client)
        }
        let credentials = try credentials()
        var client = HeymarketClient(credentials: credentials, baseURL: base, options: searchOptions, logger: logger())
        client.notice = { [console] in console.note($0) }
        client.onWait = { [console] in console.announce($0) }
        client.sharedBudget = SharedRateBudget(directory: Self.budgetDirectory(environment: environment), server: base.description, credentials: credentials)
        client.answerCache = AnswerCache(storage: .directory(AnswerCache.defaultDirectory(environment: environment)), server: base.description, credentials: credentials)
        return try await body(client)
    }
}
