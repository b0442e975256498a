import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOHTTPCompression
import NIOPosix
import NIOSSL
import Synchronization

/// The production ``HTTPTransport``, over AsyncHTTPClient.
///
/// Redirects are not followed (a redirect would carry the `Authorization` header
/// to another host); bodies are capped at ``maximumBodySize``. The timeout
/// covers the whole response, body included: a server that sends its headers
/// and then stalls, or trickles the body, is given up on when it runs out.
/// A connection that cannot be made (refused, host not found, TLS failed)
/// fails the request at once as ``HeymarketError/Code/unreachable``: the
/// client, not the pool, decides how often to try again.
public struct AsyncHTTPClientTransport: HTTPTransport {
    /// Larger answers are refused rather than held in memory.
    public static let maximumBodySize = 256 * 1024 * 1024

    private let client: HTTPClient

    /// A transport on the process-wide client.
    public init() { self.client = Self.sharedClient }

    /// A transport on a client the caller owns (and shuts down).
    public init(client: HTTPClient) { self.client = client }

    private static let sharedClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.decompression = .enabled(limit: .ratio(maximumInflation))
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 16)
        // Otherwise the pool retries a refused connection until the timeout, in silence, for every request.
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    public func send(_ request: HTTPRequestData) async throws -> HTTPResponseData {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = HTTPMethod(rawValue: request.method)
        for header in request.headers { outgoing.headers.add(name: header.name, value: header.value) }
        if let authorization = request.authorization {
            outgoing.headers.replaceOrAdd(name: "Authorization", value: authorization.exposedValue)
        }
        if !request.body.isEmpty {
            outgoing.body = .bytes(ByteBuffer(bytes: request.body))
        }
        let timeout = Duration.milliseconds(Int64(min(request.timeout, 86_400) * 1000))
        do {
            let prepared = outgoing
            return try await Self.within(timeout, on: client.eventLoopGroup.any(), orThrow: HeymarketError(.timeout, message: "no whole answer from \(Self.hostDescription(request.url)) within \(request.timeout) s")) { [client] in
                let response = try await client.execute(prepared, timeout: .milliseconds(Int64(timeout / .milliseconds(1))))
                // The body straight into one array (no second copy), up to the cap.
                var body: [UInt8] = []
                if let length = response.headers.first(name: "content-length").flatMap(Int.init), length > 0 {
                    guard length <= Self.maximumBodySize else { throw Self.tooLarge(request.url) }
                    body.reserveCapacity(length)
                }
                for try await chunk in response.body {
                    guard body.count + chunk.readableBytes <= Self.maximumBodySize else { throw Self.tooLarge(request.url) }
                    body.append(contentsOf: chunk.readableBytesView)
                }
                return HTTPResponseData(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, body: body)
            }
        } catch let error as HTTPClientError {
            if Task.isCancelled { throw CancellationError() }
            if error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
                throw HeymarketError(.timeout, message: "no answer from \(Self.hostDescription(request.url)) within \(request.timeout) s")
            }
            throw HeymarketError(.transport, message: "\(Self.hostDescription(request.url)): \(error)")
        } catch NIOHTTPDecompression.DecompressionError.limit {
            if Task.isCancelled { throw CancellationError() }
            throw HeymarketError(.malformedResponse, message: "the answer from \(Self.hostDescription(request.url)), once inflated, is larger than hmq accepts "
                                 + "(more than \(Self.maximumInflation) times its compressed size); refused")
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as HeymarketError {
            throw error
        } catch {
            if Task.isCancelled { throw CancellationError() }
            if let cause = Self.connectionFailure(error) {
                throw HeymarketError(.unreachable, message: "\(Self.hostDescription(request.url)): \(cause)")
            }
            throw HeymarketError(.transport, message: "\(Self.hostDescription(request.url)): \(error)")
        }
    }

    /// Why no connection could be made, in a few words (`connection refused`,
    /// `host not found`, `TLS failed: ...`); nil for errors of a connection made.
    static func connectionFailure(_ error: any Error) -> String? {
        switch error {
        case let error as NIOConnectionError:
            // Every address failed; or DNS gave none.
            guard let attempt = error.connectionErrors.first else { return "host not found" }
            return connectionFailure(attempt.error) ?? "\(attempt.error)"
        case is SocketAddressError.UnknownHost:
            return "host not found"
        case let error as IOError:
            switch error.errnoCode {
            case ECONNREFUSED: return "connection refused"
            case ENETUNREACH: return "network unreachable"
            case EHOSTUNREACH: return "host unreachable"
            case EADDRNOTAVAIL: return "address not available"
            default: return nil
            }
        case is NIOSSLError, is BoringSSLError, is NIOSSLExtraError:
            return "TLS failed: \(error)"
        default:
            return nil
        }
    }

    private static func hostDescription(_ url: String) -> String {
        BaseURL.hostPart(of: url) ?? url
    }

    /// A compressed answer may inflate to at most this many times its size.
    static let maximumInflation = 50

    private static func tooLarge(_ url: String) -> HeymarketError {
        HeymarketError(.malformedResponse, message: "the answer from \(hostDescription(url)) is larger than \(maximumBodySize / (1024 * 1024)) MB; refused")
    }

    /// The result of `body`, or `error` when it has not finished within `limit` (it is cancelled).
    ///
    /// The timer is a task scheduled on `loop`, cancelled (and let go) as soon
    /// as `body` ends. A racing `Task.sleep` is not let go when cancelled: its
    /// timer lives until it would have fired, so a lookup sending hundreds of
    /// requests a second held every one of the last `timeout` seconds' timers
    /// (memory that grew by ~300 bytes a request for the first 30 s).
    static func within<T: Sendable>(_ limit: Duration, on loop: any EventLoop, orThrow error: HeymarketError,
                                    _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let expiry = TimerExpiry()
        let timedOut = error
        let work = Task { try await body() }
        let nanoseconds = limit.components.seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let timer = loop.scheduleTask(in: .nanoseconds(nanoseconds.overflow ? Int64.max : nanoseconds.partialValue + limit.components.attoseconds / 1_000_000_000)) {
            expiry.fired.store(true, ordering: .relaxed)
            work.cancel()
        }
        defer { timer.cancel() }
        do {
            return try await withTaskCancellationHandler { try await work.value } onCancel: { work.cancel() }
        } catch {
            if expiry.fired.load(ordering: .relaxed), !Task.isCancelled { throw timedOut }
            throw error
        }
    }
}

/// Set when a ``AsyncHTTPClientTransport/within(_:on:orThrow:_:)`` timer fires.
private final class TimerExpiry: Sendable {
    let fired = Atomic<Bool>(false)
}
