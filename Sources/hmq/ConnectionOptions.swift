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
        var settings = Settings(format: defaultFormat)
        let environment = ProcessInfo.processInfo.environment
        func apply(_ name: String, _ value: String?, from origin: String) throws {
            guard let value else { return }
            do {
                try settings.apply(name, value)
            } catch {
                throw CommandFailure(status: .usage, message: "\(origin): \(error.diagnostic.message)")
            }
        }
        if let profile = try selection().profile {
            let origin = "profile '\(profile.name)'"
            try apply("format", profile.format, from: origin)
            try apply("batch", profile.batch.map(String.init), from: origin)
            try apply("concurrency", profile.concurrency.map(String.init), from: origin)
            try apply("rate", profile.rate.map(String.init), from: origin)
            try apply("country_code", profile.countryCode, from: origin)
            try apply("retries", profile.retries.map(String.init), from: origin)
            try apply("timeout", profile.timeout.map { String($0) }, from: origin)
        }
        for name in Settings.names where name != "case_sensitive" {
            let variable = "HMQ_" + name.uppercased()
            try apply(name, environment[variable].flatMap { $0.isEmpty ? nil : $0 }, from: variable)
        }
        try apply("format", format, from: "--format")
        try apply("batch", tuning.batch.map(String.init), from: "--batch")
        try apply("concurrency", tuning.concurrency.map(String.init), from: "--concurrency")
        try apply("rate", tuning.rate.map(String.init), from: "--rate")
        try apply("retries", tuning.retries.map(String.init), from: "--retries")
        try apply("timeout", tuning.timeout.map { String($0) }, from: "--timeout")
        try apply("country_code", tuning.countryCode, from: "--country-code")
        return settings
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

/// The search knobs as command-line options.
struct SearchTuningOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Ids per request (default 100).", valueName: "n"))
    var batch: Int?

    @Option(help: ArgumentHelp("Requests in flight at once (default 4).", valueName: "n"))
    var concurrency: Int?

    @Option(help: ArgumentHelp("Client-side pacing in requests per minute; 0 turns pacing off (default 500).", valueName: "n"))
    var rate: Int?

    @Option(help: ArgumentHelp("Attempts per batch before it is reported as failed (default 8).", valueName: "n"))
    var retries: Int?

    @Option(help: ArgumentHelp("Seconds to wait for one response (default 30).", valueName: "seconds"))
    var timeout: Double?

    @Option(help: ArgumentHelp("Country code for 10-digit national phone numbers (default 1).", valueName: "digits"))
    var countryCode: String?

    func validate() throws {
        if let batch, batch < 1 { throw ValidationError("--batch must be at least 1") }
        if let concurrency, concurrency < 1 { throw ValidationError("--concurrency must be at least 1") }
        if let rate, rate < 0 { throw ValidationError("--rate must be 0 (off) or more") }
        if let retries, retries < 1 { throw ValidationError("--retries must be at least 1") }
        if let timeout, timeout <= 0 { throw ValidationError("--timeout must be more than 0") }
        if let countryCode, countryCode.isEmpty || !countryCode.allSatisfy({ $0.isASCII && $0.isNumber }) || countryCode.count > 3 {
            throw ValidationError("--country-code must be 1 to 3 digits, e.g. 1 or 44")
        }
    }
}
