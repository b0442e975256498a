import ArgumentParser
import Foundation
import HeymarketSandbox

/// `hmq sandbox`: the local fake of the Heymarket API.
struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Run the local Heymarket sandbox.",
        subcommands: [Serve.self])

    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "serve",
            abstract: "Serve the sandbox API until interrupted.",
            discussion: """
                Serves POST /v2/contacts/search and GET /v1/inboxes with the demo dataset (or --dataset), \
                verifying JWTs as Heymarket documents. Demo credentials:
                  HEYMARKET_SECRET_ID=\(SandboxConfiguration.demoSecret.id)
                  HEYMARKET_SECRET_KEY=\(SandboxConfiguration.demoSecret.key)
                  HEYMARKET_API_KEY=\(SandboxConfiguration.demoAPIKey)   (legacy)
                """)

        @Option(help: ArgumentHelp("Port to listen on; 0 picks a free one.", valueName: "n"))
        var port = 8080

        @Option(help: ArgumentHelp("Address to listen on.", valueName: "address"))
        var host = "127.0.0.1"

        @Option(help: ArgumentHelp("A JSON array of contacts to serve instead of the demo dataset.", valueName: "file"))
        var dataset: String?

        @Option(help: ArgumentHelp("Requests allowed per key per window.", valueName: "n"))
        var rateLimit = 500

        @Option(help: ArgumentHelp("The rate-limit window in seconds.", valueName: "seconds"))
        var rateWindow: Double = 60

        @Option(help: ArgumentHelp("Latency added to each search, in seconds.", valueName: "seconds"))
        var latency: Double = 0

        @Option(help: ArgumentHelp("Share of searches answered 500 (0 to 1).", valueName: "rate"))
        var errorRate: Double = 0

        @Option(help: ArgumentHelp("Share of searches answered 429 (0 to 1).", valueName: "rate"))
        var throttleRate: Double = 0

        @Option(help: ArgumentHelp("Retry-After seconds sent with injected 429s.", valueName: "seconds"))
        var retryAfter = 1

        @Option(help: ArgumentHelp("Share of searches answered with a truncated body (0 to 1).", valueName: "rate"))
        var malformedRate: Double = 0

        @Option(help: ArgumentHelp("Seed for fault injection.", valueName: "n"))
        var seed: UInt64 = 1

        func validate() throws {
            guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
            guard rateLimit >= 1 else { throw ValidationError("--rate-limit must be at least 1") }
            guard rateWindow > 0 else { throw ValidationError("--rate-window must be more than 0") }
            guard latency >= 0, retryAfter >= 0 else { throw ValidationError("--latency and --retry-after must not be negative") }
            for (name, rate) in [("--error-rate", errorRate), ("--throttle-rate", throttleRate), ("--malformed-rate", malformedRate)] {
                guard (0...1).contains(rate) else { throw ValidationError("\(name) must be between 0 and 1") }
            }
        }

        func run() async throws {
            let store: SandboxContactStore
            if let dataset {
                do {
                    store = try SandboxContactStore(contentsOf: URL(fileURLWithPath: dataset))
                } catch let error as SandboxDatasetError {
                    throw CommandFailure(status: .usage, message: error.message)
                } catch {
                    throw CommandFailure(status: .usage, message: "cannot read dataset \(dataset): \(error.localizedDescription)")
                }
            } else {
                store = .demo
            }
            let configuration = SandboxConfiguration(
                rateLimit: rateLimit, rateWindow: rateWindow,
                faults: FaultInjection(
                    latency: latency, serverErrorRate: errorRate, throttleRate: throttleRate,
                    retryAfter: retryAfter, malformedRate: malformedRate, seed: seed))
            let service = SandboxService(configuration: configuration, store: store)
            let running: RunningSandbox
            do {
                running = try await SandboxServer.start(service: service, host: host, port: port)
            } catch {
                throw CommandFailure(status: .api, message: "cannot listen on \(host):\(port): \(error)")
            }
            Terminal.err("hmq sandbox: listening on \(running.baseURL) with \(store.count) contacts (Ctrl-C to stop)")
            Terminal.err("  export HEYMARKET_SECRET_ID=\(SandboxConfiguration.demoSecret.id)")
            Terminal.err("  export HEYMARKET_SECRET_KEY=\(SandboxConfiguration.demoSecret.key)")
            Terminal.err("  hmq search --base-url \(running.baseURL) --phone 14155551234")
            // Print the URL on stdout too, so scripts can read the port.
            Terminal.out(running.baseURL + "\n")
            let stop = SignalWaiter.waitForTermination()
            await stop()
            await running.stop()
            let stats = service.statistics
            let statuses = stats.byStatus.keys.sorted().map { "\($0): \(stats.byStatus[$0] ?? 0)" }.joined(separator: ", ")
            var rate = ""
            if let first = stats.firstRequestAt, let last = stats.lastRequestAt, last > first, stats.requests > 1 {
                rate = String(format: " over %.1f s (%.1f requests/s)", last - first, Double(stats.requests - 1) / (last - first))
            }
            Terminal.err("hmq sandbox: stopped after \(stats.requests) requests\(rate)\(statuses.isEmpty ? "" : " (" + statuses + ")")")
        }
    }
}

/// Waits for SIGINT or SIGTERM.
enum SignalWaiter {
    static func waitForTermination() -> @Sendable () async -> Void {
        let (stream, continuation) = AsyncStream<Int32>.makeStream()
        var sources: [any DispatchSourceSignal] = []
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .main)
            source.setEventHandler { continuation.yield(sig) }
            source.resume()
            sources.append(source)
        }
        let keep = SignalSources(sources: sources)
        return {
            var iterator = stream.makeAsyncIterator()
            _ = await iterator.next()
            keep.cancel()
        }
    }

    private final class SignalSources: @unchecked Sendable {
        let sources: [any DispatchSourceSignal]
        init(sources: [any DispatchSourceSignal]) { self.sources = sources }
        func cancel() { sources.forEach { $0.cancel() } }
    }
}
