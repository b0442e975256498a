import HMQSystem

/// An error from talking to Heymarket: what kind, the HTTP status when there
/// was one, the server's own message, and the `X-Request-Id` to quote to support.
///
/// A public struct over a private enum, so new kinds do not break callers.
public struct HeymarketError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case badRequest = "bad request"
            case unauthorized
            case forbidden
            case notFound = "not found"
            case rateLimited = "rate limited"
            case server = "server error"
            case unexpectedStatus = "unexpected status"
            case transport = "network error"
            case unreachable = "cannot connect"
            case timeout
            case malformedResponse = "malformed response"
            case missingCredentials = "missing credentials"
            case invalidBaseURL = "invalid base URL"
            case invalidValue = "invalid value"
            case credentialInValue = "credential in a value"
            case checkpoint
            case temporaryFile = "temporary file"
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// 400: the request was malformed (`bad_data`). Not retried.
        public static let badRequest = Code(.badRequest)
        /// 401: missing, invalid or expired credentials.
        public static let unauthorized = Code(.unauthorized)
        /// 403: valid credentials without access.
        public static let forbidden = Code(.forbidden)
        /// 404: no such endpoint at the base URL.
        public static let notFound = Code(.notFound)
        /// 429 after every retry.
        public static let rateLimited = Code(.rateLimited)
        /// 5xx after every retry.
        public static let server = Code(.server)
        /// Any other status, a success other than 200 (201, 204, 299) included: the API answers 200. Not retried.
        public static let unexpectedStatus = Code(.unexpectedStatus)
        /// The connection failed.
        public static let transport = Code(.transport)
        /// No connection could be made (refused, host not found, TLS failed): retried
        /// a few times for the whole run, then the run stops (``HeymarketError/stopsTheRun``).
        public static let unreachable = Code(.unreachable)
        /// The request took longer than the timeout.
        public static let timeout = Code(.timeout)
        /// A 200 answer whose body is not the documented JSON.
        public static let malformedResponse = Code(.malformedResponse)
        /// No usable credentials were configured.
        public static let missingCredentials = Code(.missingCredentials)
        /// The base URL is not https (or http on loopback).
        public static let invalidBaseURL = Code(.invalidBaseURL)
        /// A channel value that cannot be searched (e.g. a phone number with letters).
        public static let invalidValue = Code(.invalidValue)
        /// A channel value holding the client's own Secret Key or API key: never sent, never shown.
        public static let credentialInValue = Code(.credentialInValue)
        /// A `--checkpoint` file that cannot be used: unreadable, damaged, or made for another run.
        public static let checkpoint = Code(.checkpoint)
        /// A temporary file a lookup needs (to find repeated values) cannot be made or written.
        public static let temporaryFile = Code(.temporaryFile)

        public var description: String { base.rawValue }
    }

    public var code: Code
    /// The HTTP status, when a response arrived.
    public var status: Int?
    /// The server's message (JSON `message`/`error`/`error_code`, else its text), or ours.
    public var message: String
    /// The response's `X-Request-Id`, when a response arrived.
    public var requestID: String?

    public init(_ code: Code, status: Int? = nil, message: String, requestID: String? = nil) {
        self.code = code
        self.status = status
        self.message = message
        self.requestID = requestID
    }

    /// True for failures caused by credentials (401/403 or none configured).
    public var isAuthentication: Bool {
        code == .unauthorized || code == .forbidden || code == .missingCredentials
    }

    /// True when a server refused the credentials (401, 403, with its status and
    /// request id); false when they were found unusable here and nothing was sent.
    public var isServerRefusal: Bool {
        isAuthentication && status != nil
    }

    /// True when no further batch should be sent after it: the credentials were
    /// refused, or the server cannot be reached at all. The batches not sent
    /// fail with it, so every value still has an outcome.
    public var stopsTheRun: Bool {
        isAuthentication || code == .unreachable
    }

    /// This error with what `redactor` hides (the session's secrets, whole or in part)
    /// replaced by `****`: a server that echoes the Authorization header must not print our token.
    public func redacting(_ redactor: SecretRedactor) -> HeymarketError {
        var copy = self
        copy.message = redactor.text(copy.message)
        // A server may echo the key or the token anywhere, its request id included.
        copy.requestID = copy.requestID.map(redactor.text)
        return copy
    }

    /// How a value is shown beside this error: as it is, unless it holds a
    /// credential of this session (``Code/credentialInValue``), which is never shown.
    public func shownValue(_ value: String) -> String {
        code == .credentialInValue ? "(not shown: it holds a credential)" : value
    }

    /// True when retrying the same request may succeed (429, 5xx, network, timeout,
    /// malformed body; a failed connection too, within the run's few attempts).
    public var isRetryable: Bool {
        [.rateLimited, .server, .transport, .unreachable, .timeout, .malformedResponse].contains(code)
    }

    /// One line: `HTTP 401 unauthorized: invalid token (request id req_12)`.
    public var description: String {
        var text = ""
        if let status { text += "HTTP \(status) " }
        text += "\(code): \(message)"
        if let requestID { text += " (request id \(requestID))" }
        return text
    }
}
