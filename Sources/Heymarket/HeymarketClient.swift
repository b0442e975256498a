import Foundation
import HMQJSON
import HMQSystem
import Logging
import Synchronization

/// The Heymarket contact-search client.
///
/// One client holds one set of credentials, one token cache and one request
/// pacer, so every search made through it shares the per-key rate budget.
///
/// ```swift
/// let client = try HeymarketClient(credentials: .fromEnvironment(ProcessInfo.processInfo.environment))
/// let result = try await client.search([.phone("14155551234"), .email("ada@example.com")])
/// for match in result.matches { print(match.contact.name ?? "-", match.matchedValues) }
/// print("no contact for:", result.unmatched)
/// ```
public struct HeymarketClient: Sendable {
    /// The search endpoint's path.
    public static let searchPath = "/v2/contacts/search"
    /// The documented cheap credential check.
    public static let inboxesPath = "/v1/inboxes"

    public let baseURL: BaseURL
    public private(set) var options: SearchOptions
    let tokens: TokenProvider
    let transport: any HTTPTransport
    private(set) var pacer: RequestPacer
    let logger: Logger
    let sentRequests = RequestCounter()
    let rateLimitedAnswers = RequestCounter()
    /// When the last announced wait of each kind ends, so that the workers waiting together are announced once:
    /// a spent rate window (429), a long wait before a retry, the window shared with other processes.
    let rateNotices = WaitNotices()
    let retryNotices = WaitNotices()
    let sharedNotices = WaitNotices()
    let checkpoints = CheckpointCache()
    /// Failed connections in a row, for every batch of this client and its copies.
    let connections = ConnectionBudget()
    /// The request size the server takes, once it refused a batch for its size.
    let batchLimit = BatchLimit()
    /// What the client tells its user while it works (a run resumed from a checkpoint); nil: nothing.
    public var notice: (@Sendable (String) -> Void)?
    /// Called when every worker starts waiting out a rate window (a 429 whose
    /// `Retry-After` is at least ``RateWindowWait/announced`` seconds), once per
    /// wait, not once per batch; nil: nothing.
    public var onWait: (@Sendable (RateWindowWait) -> Void)?
    /// The budget this key shares with every other hmq process on this server
    /// (see ``SharedRateBudget``); nil: this client paces itself alone.
    public var sharedBudget: SharedRateBudget?
    /// The server's name in a checkpoint, when not its URL (the embedded sandbox, on a new port each run).
    public var serverName: String?
    /// Where proven answers are kept, used when ``SearchOptions/cache`` is set; nil: nowhere.
    public var answerCache: AnswerCache?
    /// The clock for JWT `iat` and for `Retry-After` dates.
    let now: @Sendable () -> Date
    /// How exact attribution asks its questions (pooled across batches; tests compare one batch at a time).
    var attributionStrategy = AttributionStrategy.pooled

    /// - Parameters:
    ///   - credentials: a Secret ID + Secret Key (JWT) or a legacy API key.
    ///   - baseURL: production by default; the sandbox's URL in tests and demos.
    ///   - options: batching, concurrency, pacing, retries, timeout.
    ///   - transport: AsyncHTTPClient by default; tests may pass their own.
    ///   - logger: request and retry events at `debug`, bodies at `trace`. Never credentials.
    ///   - now: the clock for JWT `iat`.
    public init(
        credentials: Credentials,
        baseURL: BaseURL = .production,
        options: SearchOptions = SearchOptions(),
        transport: any HTTPTransport = AsyncHTTPClientTransport(),
        logger: Logger = Logger(label: "hmq.heymarket", factory: { _ in SwiftLogNoOpLogHandler() }),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.baseURL = baseURL
        self.options = options
        self.tokens = TokenProvider(credentials: credentials, now: now)
        self.now = now
        self.transport = transport
        self.pacer = RequestPacer(limit: options.rateLimit, window: options.rateWindow, pace: options.pace)
        self.logger = logger
    }

    /// A client with other options that shares this one's credentials, token
    /// cache, request count and (when the rate is unchanged) pacer.
    public func with(options newOptions: SearchOptions) -> HeymarketClient {
        var copy = self
        copy.options = newOptions
        if newOptions.rateLimit != options.rateLimit || newOptions.rateWindow != options.rateWindow || newOptions.pace != options.pace {
            copy.pacer = RequestPacer(limit: newOptions.rateLimit, window: newOptions.rateWindow, pace: newOptions.pace)
        }
        return copy
    }

    /// HTTP requests this client has sent so far (retries included).
    public var requestsSent: Int { sentRequests.value }

    /// 429 answers this client has had so far (each was waited out and retried, or ended its batch).
    public var rateLimitedCount: Int { rateLimitedAnswers.value }

    /// Text no search value may hold: this client's Secret Key or API key.
    public var secrets: [String] { tokens.secrets }

    /// The plan for `values` with this client's batch size and country code.
    public func plan(_ values: [ChannelValue]) -> SearchPlan { planner.plan(values) }

    /// How this client plans values: its batch size, country code, credentials (never sent) and answer cache.
    public var planner: SearchPlanner {
        SearchPlanner(batchSize: options.batchSize, normalizer: options.normalizer, forbidden: tokens.secrets, answers: answers)
    }

    /// The answer cache as the options use it (nil: off). Under `refresh` or a
    /// checkpoint it is written, not read.
    public var answers: AnswerCache.Use? {
        guard let answerCache, let age = options.cache else { return nil }
        return AnswerCache.Use(cache: answerCache, maximumAge: age, reads: !options.refresh && options.checkpoint == nil)
    }

    /// The request a batch sends, without its `Authorization` header (for `explain`).
    public func request(for batch: ChannelBatch) -> HTTPRequestData {
        Self.searchRequest(for: batch, baseURL: baseURL, timeout: options.timeout)
    }

    /// The search request for a batch at `baseURL`, without `Authorization`.
    public static func searchRequest(for batch: ChannelBatch, baseURL: BaseURL, timeout: Double = 30) -> HTTPRequestData {
        HTTPRequestData(
            method: "POST",
            url: baseURL.url(path: searchPath),
            headers: [("Content-Type", "application/json"), ("Accept", "application/json")],
            body: batch.body.bytes,
            timeout: timeout
        )
    }

    /// Lists the team's inboxes (`GET /v1/inboxes`): the documented credential check.
    public func inboxes() async throws -> JSONValue {
        let request = HTTPRequestData(
            method: "GET", url: baseURL.url(path: Self.inboxesPath),
            headers: [("Accept", "application/json")], timeout: options.timeout)
        var attempts = 0
        let response = try await send(request, label: "GET \(Self.inboxesPath)", attempts: &attempts)
        do {
            return try JSONParser.parse(response.body)
        } catch {
            throw HeymarketError(.malformedResponse, status: response.status, message: "\(error)", requestID: response.header("X-Request-Id"))
        }
    }

    /// Sends `request` with pacing and retries; returns a 200 response, or throws
    /// the last ``HeymarketError``. `attempts` counts the requests sent.
    ///
    /// The API answers 200: another 2xx (201, 204, 299) is not taken as an
    /// answer, whatever its body, and is not retried. 401 is retried once with a freshly signed token; 403 and other 4xx are not
    /// retried; 429, 5xx, network errors and timeouts are, with backoff. A failed
    /// connection (``HeymarketError/Code/unreachable``) is retried only while the
    /// client's run-wide ``ConnectionBudget`` lasts, with backoff that grows over the run.
    func send(
        _ request: HTTPRequestData,
        label: String,
        attempts attempt: inout Int,
        validate: (HTTPResponseData) throws(HeymarketError) -> Void = { _ throws(HeymarketError) in }
    ) async throws -> HTTPResponseData {
        var refreshedToken = false
        var waited = 0.0
        while true {
            try Task.checkCancellation()
            try await pacer.acquire()
            if let sharedBudget, let limit = options.rateLimit, options.pace == .window {
                try await sharedBudget.reserve(limit: limit, window: options.rateWindow / .seconds(1) * (1 + RateSchedule.margin),
                                               maximumWait: options.retry.maximumWait) { [onWait, sharedNotices] seconds in
                    // Every worker waits for the same window: said once.
                    guard sharedNotices.announce(until: ContinuousClock.now + .milliseconds(Int64(seconds * 1000))) else { return }
                    onWait?(RateWindowWait(seconds: seconds, status: nil, requestID: nil, byServer: false, shared: true))
                }
            }
            var outgoing = request
            outgoing.authorization = try await tokens.authorization()
            let secrets = SecretRedactor(tokens.secrets + [outgoing.authorization?.exposedValue.replacingAll("Bearer ", with: "") ?? ""])
            // Counted once it goes out: credentials unusable here send nothing.
            attempt += 1
            sentRequests.increment()
            logger.debug("\(label) attempt \(attempt)")
            let started = ContinuousClock.now
            var failure: HeymarketError
            var retryAfter: Double?
            var backoffStep = attempt
            do {
                let response = try await transport.send(outgoing)
                connections.connected()
                // A server may echo the token in its request id: the log never shows it.
                let requestID = response.header("X-Request-Id").map(secrets.text)
                logger.debug("\(label) -> HTTP \(response.status) in \(ContinuousClock.now - started) (request id \(requestID ?? "none"))")
                switch response.status {
                case 200:
                    do throws(HeymarketError) {
                        try validate(response)
                        return response
                    } catch {
                        failure = error
                    }
                case 401 where !refreshedToken && tokens.signsTokens:
                    refreshedToken = true
                    await tokens.invalidate()
                    logger.debug("\(label): 401, retrying once with a new token")
                    continue
                default:
                    failure = Self.error(for: response).redacting(secrets)
                    if failure.code == .rateLimited { rateLimitedAnswers.increment() }
                    retryAfter = RetryPolicy.parseRetryAfter(response.header("Retry-After"), now: now())
                    if !failure.isRetryable { throw failure }
                }
            } catch let error as HeymarketError where error.code == .transport || error.code == .timeout {
                // A transport's text may quote the request's headers: never the key or the token.
                failure = error.redacting(secrets)
            } catch let error as HeymarketError where error.code == .unreachable {
                // One budget for the whole run: an unreachable server stops it after a few attempts, not a few per batch.
                guard let failedInARow = connections.fail(limit: options.retry.connectionAttempts) else {
                    throw HeymarketError(.unreachable, message: error.message + " (\(options.retry.connectionAttempts) attempt\(options.retry.connectionAttempts == 1 ? "" : "s") in a row failed; the run stops; --connect-attempts N waits longer)")
                }
                failure = error
                backoffStep = failedInARow
            }
            let maximumWait = options.retry.maximumWait
            if let retryAfter, retryAfter > maximumWait {
                let asked = retryAfter < 1_000_000 ? RateWindowWait.exactly(retryAfter.rounded(.up)) : "more than 11 days"
                throw HeymarketError(failure.code, status: failure.status,
                                     message: failure.message + " (the server asks to wait \(asked), more than max_wait, \(RateWindowWait.exactly(maximumWait)))",
                                     requestID: failure.requestID)
            }
            guard attempt < options.retry.maximumAttempts else { throw failure }
            let wait = options.retry.delay(afterAttempt: backoffStep, retryAfter: retryAfter)
            guard waited + wait <= options.retry.waitBudget else {
                throw HeymarketError(failure.code, status: failure.status,
                                     message: failure.message + " (gave up after waiting \(Int(waited)) s between attempts; a batch waits at most 3 × max_wait, \(RateWindowWait.exactly(options.retry.waitBudget)), in all)",
                                     requestID: failure.requestID)
            }
            waited += wait
            // A 429 says the key's budget is spent: every worker waits, not only this one.
            if failure.code == .rateLimited {
                await pacer.pause(for: wait)
                sharedBudget?.pause(for: wait)
                // Announced once per wait: a later 429 of the same spent window moves the end by a little.
                if wait >= RateWindowWait.announced, rateNotices.announce(until: ContinuousClock.now + .milliseconds(Int64(wait * 1000))) {
                    onWait?(RateWindowWait(seconds: wait, status: failure.status, requestID: failure.requestID, byServer: retryAfter != nil))
                }
            } else if wait >= RateWindowWait.announcedRetry, retryNotices.announce(until: ContinuousClock.now + .milliseconds(Int64(wait * 1000))) {
                // A long wait before one batch's retry (a 503's Retry-After, a grown backoff): said once, so a cron log is never silent.
                onWait?(RateWindowWait(seconds: wait, status: failure.status, requestID: failure.requestID, byServer: retryAfter != nil,
                                       retrying: failure.description))
            }
            logger.debug("\(label): \(failure); retrying in \(String(format: "%.2f", wait)) s")
            try await Task.sleep(for: .milliseconds(Int64(wait * 1000)))
        }
    }

    /// The error for a response other than 200: its status, the server's message and request id.
    static func error(for response: HTTPResponseData) -> HeymarketError {
        let code: HeymarketError.Code
        switch response.status {
        case 200..<300:
            // Its body may well parse as contacts: it is not quoted, and not taken.
            return HeymarketError(.unexpectedStatus, status: response.status, message: "expected HTTP 200; a \(response.status) is not taken as an answer",
                                  requestID: response.header("X-Request-Id"))
        case 400: code = .badRequest
        case 401: code = .unauthorized
        case 403: code = .forbidden
        case 404: code = .notFound
        case 429: code = .rateLimited
        case 500..<600: code = .server
        default: code = .unexpectedStatus
        }
        return HeymarketError(code, status: response.status, message: serverMessage(response.body), requestID: response.header("X-Request-Id"))
    }

    /// The most of a server's message kept (in errors, answers and stderr), in characters.
    public static let serverMessageLimit = 1000

    /// JSON `message`, `error` and `error_code` when present, else the text (shortened;
    /// either is cut to ``serverMessageLimit`` characters).
    static func serverMessage(_ body: [UInt8]) -> String {
        if let json = try? JSONParser.parse(body), case .object(let object) = json {
            let parts = ["message", "error", "error_code"].compactMap { key -> String? in
                guard let value = object[key] else { return nil }
                return value.stringValue ?? JSONWriter().string(value)
            }
            if !parts.isEmpty {
                var unique: [String] = []
                for p in parts where !unique.contains(p) { unique.append(p) }
                return unique.joined(separator: " · ").clipped(to: serverMessageLimit)
            }
        }
        let text = String(decoding: body.prefix(300), as: UTF8.self).trimmingWhitespace()
        if text.isEmpty { return "(empty body)" }
        return body.count > 300 ? text + "…" : text
    }
}

/// A thread-safe count of requests sent.
/// The checkpoint journals a client (and its copies) has open, by path: one per run.
final class CheckpointCache: Sendable {
    private let open = Mutex<[String: SearchCheckpoint]>([:])
    func journal(at path: String) throws(HeymarketError) -> SearchCheckpoint {
        // One journal however the path is written (`x.ckpt`, `./x.ckpt`).
        let key = URL(fileURLWithPath: path).standardizedFileURL.path
        let result: Result<SearchCheckpoint, HeymarketError> = open.withLock { open in
            if let known = open[key] { return .success(known) }
            do throws(HeymarketError) {
                let journal = try SearchCheckpoint(path: path)
                open[key] = journal
                return .success(journal)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}

/// The end of the last wait announced, so that batches waiting together are announced once.
final class WaitNotices: Sendable {
    private let end = Mutex<ContinuousClock.Instant?>(nil)

    /// True (and remembered) when a wait ending at `until` ends a few seconds after the last one announced.
    func announce(until: ContinuousClock.Instant) -> Bool {
        end.withLock { end in
            if let known = end, until < known + .seconds(RateWindowWait.announced) { return false }
            end = until
            return true
        }
    }
}

final class RequestCounter: Sendable {
    private let count = Mutex(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}

