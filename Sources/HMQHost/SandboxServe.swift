import Foundation
import HeymarketSandbox

/// `hmq sandbox serve`: the local fake of the Heymarket API, on its own.
public enum SandboxServe {
    /// Serves the demo dataset (or the JSON array of contacts in `dataset`) on
    /// `host`:`port` until SIGINT or SIGTERM: says on stderr where and with
    /// which credentials, prints the URL on stdout (so scripts can read the
    /// port), and at the end what it served.
    public static func run(_ configuration: SandboxConfiguration, dataset: String?, host: String, port: Int) async throws {
        let console = Console()
        let store: SandboxContactStore
        do {
            store = try dataset.map { try SandboxContactStore(contentsOf: URL(fileURLWithPath: $0)) } ?? .demo
        } catch {
            throw CommandFailure(status: .usage, message: "cannot read dataset \(dataset ?? ""): \(error)")
        }
        let service = SandboxService(configuration: configuration, store: store)
        let statistics = try await SandboxServer.serveUntilTerminated(service: service, host: host, port: port) { url in
            console.err("hmq sandbox: listening on \(url) with \(store.count) contacts (Ctrl-C to stop)\n"
                        + "  export HEYMARKET_SECRET_ID=\(SandboxConfiguration.demoSecret.id)\n"
                        + "  export HEYMARKET_SECRET_KEY=\(SandboxConfiguration.demoSecret.key)\n"
                        + "  hmq search --base-url \(url) --phone 14155551234\n")
            console.out(url + "\n")  // on stdout too, so scripts can read the port
        }
        console.err("hmq sandbox: stopped after \(statistics)\n")
    }
}
