/// One HTTP request as the client sends it.
public struct HTTPRequestData: Sendable {
    public var method: String
    public var url: String
    /// Header names and values. The `Authorization` value is a ``Secret``, kept
    /// apart so no code path can print it with the rest.
    public var headers: [(name: String, value: String)]
    public var authorization: Secret?
    public var body: [UInt8]
    /// Give up after this many seconds.
    public var timeout: Double

    public init(method: String, url: String, headers: [(name: String, value: String)] = [], authorization: Secret? = nil, body: [UInt8] = [], timeout: Double = 30) {
        self.method = method
        self.url = url
        self.headers = headers
        self.authorization = authorization
        self.body = body
        self.timeout = timeout
    }
}

/// One HTTP response.
public struct HTTPResponseData: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of a header, compared case-insensitively.
    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first(where: { $0.name.lowercased() == lower })?.value
    }
}

/// Sends HTTP requests. The client talks only to this protocol, so tests can
/// swap in an in-memory transport; the real one is ``AsyncHTTPClientTransport``.
///
/// A transport throws ``HeymarketError`` with code `.transport` or `.timeout` when
/// no response arrives, and `CancellationError` when the task is cancelled.
public protocol HTTPTransport: Sendable {
    func send(_ request: HTTPRequestData) async throws -> HTTPResponseData
}
