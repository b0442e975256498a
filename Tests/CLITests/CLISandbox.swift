import Foundation
import HeymarketSandbox

/// A sandbox over real HTTP and a scratch directory for the built `hmq`, started
/// and stopped in one scoped call.
struct CLISandbox {
    static let credentials = ["HEYMARKET_SECRET_ID": SandboxConfiguration.demoSecret.id, "HEYMARKET_SECRET_KEY": SandboxConfiguration.demoSecret.key]

    let url: String
    let service: SandboxService
    let directory: URL

    /// Runs `body` with a sandbox (of `configuration`, serving `store`) and a fresh directory; both are gone afterwards.
    static func with<T>(_ configuration: SandboxConfiguration = SandboxConfiguration(), store: SandboxContactStore = .demo,
                        isolation: isolated (any Actor)? = #isolation,
                        _ body: (CLISandbox) async throws -> T) async throws -> T {
        let service = SandboxService(configuration: configuration, store: store)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hmq-cli-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        return try await SandboxServer.with(service: service) { running in
            try await body(CLISandbox(url: running.baseURL, service: service, directory: directory))
        }
    }

    /// `hmq --base-url URL args...` in the directory, with the demo credentials.
    func hmq(_ args: [String], stdin: String = "", env: [String: String] = [:]) async throws -> HMQProcess.Output {
        // A subcommand comes first; its options follow it.
        let full = ["search", "auth", "token"].contains(args.first ?? "") ? [args[0], "--base-url", url] + args.dropFirst() : ["--base-url", url] + args
        return try await HMQProcess.run(full, environment: Self.credentials.merging(env) { $1 }, stdin: stdin, directory: directory)
    }

    /// Writes `text` to `name` in the directory.
    func write(_ name: String, _ text: String) throws {
        try Data(text.utf8).write(to: directory.appendingPathComponent(name))
    }

    func read(_ name: String) throws -> String {
        String(decoding: try Data(contentsOf: directory.appendingPathComponent(name)), as: UTF8.self)
    }

    /// Search requests the sandbox answered so far.
    var searchRequests: Int { service.statistics.searchRequests }
}
