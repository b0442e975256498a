import ArgumentParser
import Foundation
import HMQConfig
import HMQRuntime
import Heymarket
import HeymarketSandbox
import Logging

/// Where to send requests and with which credentials: a profile of the config
/// file (`--profile`, `HMQ_PROFILE`, `default_profile`), `--sandbox`, or
/// `--base-url` and the environment. Secrets are never command-line values.
struct ConnectionOptions: ParsableArguments {
    @Flag(help: "Run against an in-process sandbox with demo data and demo credentials (no account needed); the same as --profile sandbox.")
    var sandbox = false

    @Option(help: ArgumentHelp("A profile of ~/.config/hmq/config.toml (default $HMQ_PROFILE, else default_profile).", valueName: "name"))
    var profile: String?

    @Option(name: .customLong("base-url"), help: ArgumentHelp("The API's base URL (https://, or http:// on loopback only; default $HMQ_BASE_URL, else production).", valueName: "url"))
    var baseURLOption: String?

    /// `--base-url`, else `HMQ_BASE_URL`, else the profile's `base_url`.
    var baseURL: String? {
        baseURLOption ?? ProcessInfo.processInfo.environment["HMQ_BASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (try? selection())?.profile?.baseURL
    }

    /// The config file and the selected profile (`--sandbox` is the sandbox profile).
    /// Warnings about the file go to stderr once.
    func selection() throws -> (configuration: Configuration, profile: Profile?) {
        let environment = ProcessInfo.processInfo.environment
        let path = Configuration.defaultPath(environment: environment)
        let configuration: Configuration
        if let loaded = Self.loaded[path] {
            configuration = loaded
        } else {
            // Read once per run: the base URL, the settings and the credentials all ask.
            configuration = try Configuration.load(path: path)
            Self.loaded[path] = configuration
            Self.warnOnce(configuration.warnings)
        }
        let profile = sandbox ? Profile.sandbox : try configuration.select(flag: profile, environment: environment)
        return (configuration, profile)
    }

    /// Whether requests go to the embedded sandbox.
    var usesSandbox: Bool { sandbox || (try? selection())?.profile?.isSandbox == true }

    /// What the REPL's prompt shows: the profile's name, or the host.
    var targetName: String {
        if let profile = (try? selection())?.profile { return profile.name }
        if let url = baseURL { return URL(string: url)?.host ?? url }
        return "prod"
    }

    nonisolated(unsafe) private static var warned: Set<String> = []
    static func warnOnce(_ warnings: [String]) {
        for warning in warnings where warned.insert(warning).inserted { Terminal.note(warning) }
    }

    /// Settings from, in rising order: built-in defaults, the profile, the
    /// environment (`HMQ_FORMAT`, `HMQ_BATCH`, ...), the command-line flags.
    func settings(tuning: SearchTuningOptions, format: String?, defaultFormat: String) throws -> Settings {
        var flags = tuning.values
        if let format { flags.insert(("format", format, "--format"), at: 0) }
        do {
            return try SettingsResolver(profile: try selection().profile, environment: ProcessInfo.processInfo.environment)
                .resolve(defaultFormat: defaultFormat, flags: flags)
        } catch let error as SettingSourceError {
            throw CommandFailure(status: .usage, message: error.message)
        }
    }

    @Flag(name: [.short, .long], help: "Log requests, retries and timings to stderr (never credentials).")
    var verbose = false

    func validate() throws {
        if sandbox, baseURLOption != nil {
            throw ValidationError("--sandbox and --base-url cannot be used together")
        }
        if sandbox, let profile, profile != "sandbox" {
            throw ValidationError("--sandbox and --profile \(profile) cannot be used together")
        }
    }

    /// A logger for the client: debug level with `--verbose`, silent otherwise.
    func makeLogger() -> Logger {
        guard verbose else { return Logger(label: "hmq", factory: { _ in SwiftLogNoOpLogHandler() }) }
        var logger = Logger(label: "hmq", factory: { StreamLogHandler.standardError(label: $0) })
        logger.logLevel = .debug
        return logger
    }

    /// Runs `body` with a connected client: against an embedded sandbox (stopped
    /// afterwards) or the configured base URL with credentials from the environment.
    func withClient<T>(
        options: SearchOptions,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (HeymarketClient) async throws -> T
    ) async throws -> T {
        if usesSandbox {
            let running = try await SandboxServer.start(service: SandboxService())
            do {
                let client = HeymarketClient(
                    credentials: .secret(id: SandboxConfiguration.demoSecret.id, key: Secret(SandboxConfiguration.demoSecret.key)),
                    baseURL: try BaseURL(running.baseURL),
                    options: options,
                    logger: makeLogger())
                let result = try await body(client)
                await running.stop()
                return result
            } catch {
                await running.stop()
                throw error
            }
        }
        let base = try baseURL.map { url throws(HeymarketError) in try BaseURL(url) } ?? .production
        let client = HeymarketClient(credentials: try credentials(), baseURL: base, options: options, logger: makeLogger())
        return try await body(client)
    }

    /// Like ``withClient(options:_:)``, but with no client (and no credentials
    /// needed) when `needsClient` is false, for `--dry-run`.
    func withOptionalClient<T>(
        options: SearchOptions,
        needsClient: Bool,
        _ body: (HeymarketClient?) async throws -> T
    ) async throws -> T {
        if needsClient || usesSandbox { return try await withClient(options: options) { try await body($0) } }
        if let baseURL {
            // Validate the URL even when nothing is sent; explain shows it.
            let base = try BaseURL(baseURL)
            if let credentials = try? credentials() {
                return try await body(HeymarketClient(credentials: credentials, baseURL: base, options: options))
            }
        }
        return try await body(nil)
    }

    /// The credentials of the selected profile (or the environment's).
    func credentials() throws -> Credentials {
        if usesSandbox {
            return .secret(id: SandboxConfiguration.demoSecret.id, key: Secret(SandboxConfiguration.demoSecret.key))
        }
        let profile = try selection().profile
        // Read once per run: a secret_key_command may ask for a passphrase.
        let cacheKey = profile?.name ?? ""
        if let cached = Self.resolved[cacheKey] { return cached }
        let (credentials, warnings) = try SecretResolver(environment: ProcessInfo.processInfo.environment).credentials(for: profile)
        Self.warnOnce(warnings)
        Self.resolved[cacheKey] = credentials
        return credentials
    }

    nonisolated(unsafe) private static var resolved: [String: Credentials] = [:]
    nonisolated(unsafe) private static var loaded: [String: Configuration] = [:]
}

/// The settings as command-line options (``Settings/descriptors`` checks their values).
struct SearchTuningOptions: ParsableArguments {
    static func help(_ name: String) -> ArgumentHelp {
        guard let d = Settings.descriptor(named: name) else { return ArgumentHelp() }
        return ArgumentHelp("\(d.summary.prefix(1).uppercased() + d.summary.dropFirst()) (default \(d.defaultValue)).", valueName: d.valueHint)
    }

    @Option(help: help("batch")) var batch: String?
    @Option(help: help("concurrency")) var concurrency: String?
    @Option(help: help("rate")) var rate: String?
    @Option(help: help("retries")) var retries: String?
    @Option(help: help("timeout")) var timeout: String?
    @Option(name: .customLong("country-code"), help: help("country_code")) var countryCode: String?
    @Option(name: .customLong("case-sensitive"), help: help("case_sensitive")) var caseSensitive: String?
    @Option(help: help("attribution")) var attribution: String?
    @Option(help: help("invalid")) var invalid: String?
    @Flag(name: .customLong("skip-invalid"), help: "The same as --invalid skip.") var skipInvalid = false

    /// The settings given, by name, with the flag as written.
    var values: [(name: String, value: String, flag: String)] {
        var values: [(name: String, value: String, flag: String)] = []
        let given: [(String, String?)] = [
            ("batch", batch), ("concurrency", concurrency), ("rate", rate), ("retries", retries), ("timeout", timeout),
            ("country_code", countryCode), ("case_sensitive", caseSensitive), ("attribution", attribution), ("invalid", invalid),
        ]
        for (name, value) in given {
            if let value, let d = Settings.descriptor(named: name) { values.append((name, value, d.flag)) }
        }
        if skipInvalid { values.append(("invalid", "skip", "--skip-invalid")) }
        return values
    }
}
