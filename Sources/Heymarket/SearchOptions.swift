/// The knobs of a bulk search. Every one is a setting in the language and the CLI.
public struct SearchOptions: Sendable, Hashable {
    /// Ids per request (default 100).
    public var batchSize: Int
    /// Requests in flight at once (default 4).
    public var concurrency: Int
    /// Client-side pacing: at most this many requests per ``rateWindow``
    /// (default 500 per minute); nil turns pacing off.
    public var rateLimit: Int?
    /// The window ``rateLimit`` counts in (default 60 s).
    public var rateWindow: Duration
    /// How requests spread over the window (default ``Pace/window``: as soon as the limit allows).
    public var pace: Pace
    /// Prepended to 10-digit national phone numbers (default `1`).
    public var countryCode: String
    /// A phone number written with an extension: refused (the default), or searched without it.
    public var extensions: PhoneExtensions
    /// Retries and backoff.
    public var retry: RetryPolicy
    /// Seconds to wait for one response (default 30).
    public var timeout: Double
    /// How values are tied to the contacts found (default ``AttributionMode/exact``).
    public var attribution: AttributionMode
    /// A journal of finished batches to resume from (see ``SearchCheckpoint``); nil: none.
    public var checkpoint: String?
    /// How old (seconds) an answer of the client's ``HeymarketClient/answerCache`` may be and still
    /// answer a value; nil: the cache is neither read nor written.
    public var cache: Double?
    /// Ask the server about every value even when the cache holds it (the answers are stored all the same).
    public var refresh: Bool

    public init(
        batchSize: Int = 100,
        concurrency: Int = 4,
        rateLimit: Int? = 500,
        rateWindow: Duration = .seconds(60),
        pace: Pace = .window,
        countryCode: String = "1",
        extensions: PhoneExtensions = .refuse,
        retry: RetryPolicy = RetryPolicy(),
        timeout: Double = 30,
        attribution: AttributionMode = .exact,
        checkpoint: String? = nil,
        cache: Double? = nil,
        refresh: Bool = false
    ) {
        self.batchSize = max(1, batchSize)
        self.concurrency = max(1, concurrency)
        self.rateLimit = rateLimit
        self.rateWindow = rateWindow
        self.pace = pace
        self.countryCode = countryCode
        self.extensions = extensions
        self.retry = retry
        self.timeout = timeout
        self.attribution = attribution
        self.checkpoint = checkpoint
        self.cache = cache
        self.refresh = refresh
    }

    /// How these options read input values (country code, extensions).
    public var normalizer: ChannelNormalizer { ChannelNormalizer(countryCode: countryCode, extensions: extensions) }
}
