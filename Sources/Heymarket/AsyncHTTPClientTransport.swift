import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// The production ``HTTPTransport``, over AsyncHTTPClient.
///
/// Redirects are not followed (a redirect would carry the `Authorization` header
/// to another host); bodies are capped at ``maximumBodySize``.
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
        configuration.decompression = .enabled(limit: .ratio(50))
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 16)
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
        do {
            let response = try await client.execute(outgoing, timeout: .milliseconds(Int64(request.timeout * 1000)))
            let body = try await response.body.collect(upTo: Self.maximumBodySize)
            return HTTPResponseData(
                status: Int(response.status.code),
                headers: response.headers.map { ($0.name, $0.value) },
                body: Array(buffer: body)
            )
        } catch let error as HTTPClientError {
            if Task.isCancelled { throw CancellationError() }
            if error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
                throw HeymarketError(.timeout, message: "no answer from \(Self.hostDescription(request.url)) within \(request.timeout) s")
            }
            throw HeymarketError(.transport, message: "\(Self.hostDescription(request.url)): \(error)")
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as HeymarketError {
            throw error
        } catch {
            if Task.isCancelled { throw CancellationError() }
            throw HeymarketError(.transport, message: "\(Self.hostDescription(request.url)): \(error)")
        }
    }

    private static func hostDescription(_ url: String) -> String {
        BaseURL.hostPart(of: url) ?? url
    }
}
