import Dispatch
import Foundation
import Synchronization

extension SandboxServer {
    /// Serves `service` on `host:port` until SIGINT or SIGTERM (`hmq sandbox
    /// serve`): `announce` gets the base URL once listening; returns what was served.
    public static func serveUntilTerminated(service: SandboxService, host: String, port: Int,
                                            announce: (String) -> Void) async throws -> SandboxStatistics {
        let (stream, continuation) = AsyncStream<Int32>.makeStream()
        let sources = [SIGINT, SIGTERM].map { number -> any DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            return source
        }
        defer { for source in sources { source.cancel() } }
        let running = try await start(service: service, host: host, port: port)
        announce(running.baseURL)
        var iterator = stream.makeAsyncIterator()
        _ = await iterator.next()
        await running.stop()
        return service.statistics
    }
}

extension SandboxStatistics: CustomStringConvertible {
    /// `12 requests over 3.1 s (3.9 requests/s) (200: 11, 429: 1)`.
    public var description: String {
        let statuses = byStatus.keys.sorted().map { "\($0): \(byStatus[$0] ?? 0)" }.joined(separator: ", ")
        var rate = ""
        if let first = firstRequestAt, let last = lastRequestAt, last > first, requests > 1 {
            rate = String(format: " over %.1f s (%.1f requests/s)", last - first, Double(requests - 1) / (last - first))
        }
        return "\(requests) requests\(rate)\(statuses.isEmpty ? "" : " (" + statuses + ")")"
    }
}
