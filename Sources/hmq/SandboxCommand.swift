import ArgumentParser
import HMQHost
import HMQRuntime
import HeymarketSandbox

/// `hmq sandbox serve`: the local fake of the Heymarket API, on its own.
struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sandbox", abstract: "Run the local Heymarket sandbox.", subcommands: [Serve.self])

    struct Serve: HMQSubcommand {
        static let configuration = CommandConfiguration(
            commandName: "serve", abstract: "Serve the sandbox API until interrupted; prints its URL on stdout.",
            discussion: """
                Serves POST /v2/contacts/search and GET /v1/inboxes with the demo dataset (or --dataset), verifying JWTs as \
                Heymarket documents. Demo credentials: HEYMARKET_SECRET_ID=\(SandboxConfiguration.demoSecret.id) \
                HEYMARKET_SECRET_KEY=\(SandboxConfiguration.demoSecret.key) (legacy HEYMARKET_API_KEY=\(SandboxConfiguration.demoAPIKey)).
                """)
        @Option(help: ArgumentHelp("Port to listen on; 0 picks a free one.", valueName: "n")) var port = 8080
        @Option(help: ArgumentHelp("Address to listen on.", valueName: "address")) var host = "127.0.0.1"
        @Option(help: ArgumentHelp("A JSON array of contacts to serve instead of the demo dataset.", valueName: "file")) var dataset: String?
        @Option(help: ArgumentHelp("Requests allowed per key per window.", valueName: "n")) var rateLimit = 500
        @Option(help: ArgumentHelp("The rate-limit window in seconds.", valueName: "seconds")) var rateWindow: Double = 60
        @Option(help: ArgumentHelp("Latency added to each search, in seconds.", valueName: "seconds")) var latency: Double = 0
        @Option(help: ArgumentHelp("Share of searches answered 500 (0 to 1).", valueName: "rate")) var errorRate: Double = 0
        @Option(help: ArgumentHelp("Share of searches answered 429 (0 to 1).", valueName: "rate")) var throttleRate: Double = 0
        @Option(help: ArgumentHelp("Retry-After seconds sent with injected 429s.", valueName: "seconds")) var retryAfter = 1
        @Option(help: ArgumentHelp("Share of searches answered with a truncated body (0 to 1).", valueName: "rate")) var malformedRate: Double = 0
        @Option(help: ArgumentHelp("Seed for fault injection.", valueName: "n")) var seed: UInt64 = 1

        func validate() throws {
            guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
            guard rateLimit >= 1, rateWindow > 0, rateWindow.isFinite else { throw ValidationError("--rate-limit must be at least 1 and --rate-window above 0") }
            guard latency >= 0, latency.isFinite, retryAfter >= 0 else { throw ValidationError("--latency and --retry-after must not be negative") }
            for (name, rate) in [("--error-rate", errorRate), ("--throttle-rate", throttleRate), ("--malformed-rate", malformedRate)] where !(0...1).contains(rate) {
                throw ValidationError("\(name) must be between 0 and 1")
            }
        }

        var handlesSignals: Bool { true }

        func execute() async throws -> ExitStatus {
            let faults = FaultInjection(latency: latency, serverErrorRate: errorRate, throttleRate: throttleRate, retryAfter: retryAfter,
                                        malformedRate: malformedRate, seed: seed)
            try await SandboxServe.run(SandboxConfiguration(rateLimit: rateLimit, rateWindow: rateWindow, faults: faults), dataset: dataset, host: host, port: port)
            return .ok
        }
    }
}
