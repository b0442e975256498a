import ArgumentParser
import Foundation
import Heymarket
import HeymarketSandbox
import Logging

/// Where to send requests and with which credentials: `--sandbox` or `--base-url`,
/// credentials from the environment. Secrets are never command-line values.
struct ConnectionOptions: ParsableArguments {
    @Flag(help: "Run against an in-process sandbox with demo data and demo credentials (no account needed).")
    var sandbox = false

    @Option(name: .customLong("base-url"), help: ArgumentHelp("The API's base URL (https://, or http:// on loopback only; default $HMQ_BASE_URL, else production).", valueName: "url"))
    var baseURLOption: String?

    /// `--base-url`, else `HMQ_BASE_URL`.
    var baseURL: String? {
        baseURLOption ?? ProcessInfo.processInfo.environment["HMQ_BASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    @Flag(name: [.short, .long], help: "Log requests, retries and timings to stderr (never credentials).")
    var verbose = false

    func validate() throws {
        if sandbox, baseURLOption != nil {
            throw ValidationError("--sandbox and --base-url cannot be used together")
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
        if sandbox {
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
        let credentials = try Credentials.fromEnvironment(ProcessInfo.processInfo.environment)
        let client = HeymarketClient(credentials: credentials, baseURL: base, options: options, logger: makeLogger())
        return try await body(client)
    }

    /// Like ``withClient(options:_:)``, but with no client (and no credentials
    /// needed) when `needsClient` is false, for `--dry-run`.
    func withOptionalClient<T>(
        options: SearchOptions,
        needsClient: Bool,
        _ body: (HeymarketClient?) async throws -> T
    ) async throws -> T {
        if needsClient || sandbox { return try await withClient(options: options) { try await body($0) } }
        if let baseURL {
            // Validate the URL even when nothing is sent; explain shows it.
            let base = try BaseURL(baseURL)
            if let credentials = try? Credentials.fromEnvironment(ProcessInfo.processInfo.environment) {
                return try await body(HeymarketClient(credentials: credentials, baseURL: base, options: options))
            }
        }
        return try await body(nil)
    }

    /// The credentials `hmq token` signs with.
    func credentials() throws -> Credentials {
        if sandbox {
            return .secret(id: SandboxConfiguration.demoSecret.id, key: Secret(SandboxConfiguration.demoSecret.key))
        }
        return try Credentials.fromEnvironment(ProcessInfo.processInfo.environment)
    }
}

/// The search knobs as command-line options.
struct SearchTuningOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Ids per request.", valueName: "n"))
    var batch = 100

    @Option(help: ArgumentHelp("Requests in flight at once.", valueName: "n"))
    var concurrency = 4

    @Option(help: ArgumentHelp("Client-side pacing in requests per minute; 0 turns pacing off.", valueName: "n"))
    var rate = 500

    @Option(help: ArgumentHelp("Attempts per batch before it is reported as failed.", valueName: "n"))
    var retries = 8

    @Option(help: ArgumentHelp("Seconds to wait for one response.", valueName: "seconds"))
    var timeout: Double = 30

    @Option(help: ArgumentHelp("Country code for 10-digit national phone numbers.", valueName: "digits"))
    var countryCode = "1"

    func validate() throws {
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
        guard rate >= 0 else { throw ValidationError("--rate must be 0 (off) or more") }
        guard retries >= 1 else { throw ValidationError("--retries must be at least 1") }
        guard timeout > 0 else { throw ValidationError("--timeout must be more than 0") }
        guard !countryCode.isEmpty, countryCode.allSatisfy({ $0.isASCII && $0.isNumber }), countryCode.count <= 3 else {
            throw ValidationError("--country-code must be 1 to 3 digits, e.g. 1 or 44")
        }
    }

    var searchOptions: SearchOptions {
        SearchOptions(
            batchSize: batch, concurrency: concurrency, rateLimit: rate == 0 ? nil : rate,
            countryCode: countryCode, retry: RetryPolicy(maximumAttempts: retries), timeout: timeout)
    }
}
