/// How requests are spread over a rate limit's window.
public enum Pace: String, Sendable, Hashable, CaseIterable {
    /// A sliding window: never more than N requests in any window-long interval,
    /// sent as soon as that allows (a fresh budget is spent at once, as fast as
    /// `concurrency` lets). Safe against fixed and sliding server windows alike.
    case window
    /// One request every window/N: for a key shared with other integrations,
    /// which need part of the budget at any moment.
    case even
}

/// When each request may start, so that a bulk lookup spends a rate limit
/// (Heymarket: 500 requests per 60 s per key) and never exceeds it. Pure
/// arithmetic on seconds, so the schedule is tested with simulated time.
///
/// With ``Pace/window`` the start of request k is at least the start of request
/// k - N plus the window: then no window-long interval holds more than N starts,
/// wherever the server's window begins. The window is widened by ``margin`` so
/// that network jitter between starts and arrivals cannot squeeze N + 1 requests
/// into the server's window.
public struct RateSchedule: Sendable {
    /// The window is taken 2% longer than the server's.
    public static let margin = 0.02

    public let limit: Int
    /// Seconds, margin included.
    public let window: Double
    public let pace: Pace
    /// The starts of the last `limit` requests, oldest at `oldest` once full.
    private var recent: [Double] = []
    private var oldest = 0
    private var nextEven = -Double.infinity
    /// No request starts before this (a 429's `Retry-After`).
    public private(set) var pausedUntil = -Double.infinity

    /// With no limit only a pause holds requests back.
    private var paced: Bool

    /// At most `limit` requests per `window` seconds.
    public init(limit: Int, window: Double, pace: Pace = .window) {
        self.limit = max(1, limit)
        self.window = max(0, window) * (1 + Self.margin)
        self.pace = pace
        paced = true
    }

    /// No limit: requests start at once, unless a 429 paused them (`rate off`).
    public static var unlimited: RateSchedule {
        var schedule = RateSchedule(limit: 1, window: 0)
        schedule.paced = false
        return schedule
    }

    /// Reserves the next request's start, at or after `now` (seconds on any
    /// steady clock). Starts never go backwards.
    public mutating func reserve(now: Double) -> Double {
        var start = max(now, pausedUntil)
        guard paced else { return start }
        switch pace {
        case .window:
            if recent.count == limit {
                start = max(start, recent[oldest] + window)
                recent[oldest] = start
                oldest = (oldest + 1) % limit
            } else {
                if let last = recent.last { start = max(start, last) }
                recent.append(start)
            }
        case .even:
            start = max(start, nextEven)
            nextEven = start + window / Double(limit)
        }
        return start
    }

    /// Holds every request not yet started until `time` (a 429 with `Retry-After`).
    public mutating func pause(until time: Double) {
        pausedUntil = max(pausedUntil, time)
    }
}

/// The ``RateSchedule`` shared by every worker of a client: each request waits
/// for its start; a 429 pauses them all. With no limit (`rate off`) nothing is
/// paced, but a 429 still pauses every worker.
actor RequestPacer {
    private var schedule: RateSchedule
    private let clock = ContinuousClock()
    private let origin: ContinuousClock.Instant

    /// At most `limit` requests per `window`; nil: no limit (only pauses).
    init(limit: Int?, window: Duration = .seconds(60), pace: Pace = .window) {
        schedule = limit.map { RateSchedule(limit: $0, window: window / .seconds(1), pace: pace) } ?? .unlimited
        origin = clock.now
    }

    private var now: Double { (clock.now - origin) / .seconds(1) }

    /// Waits for this caller's start. Throws `CancellationError` if cancelled while waiting.
    func acquire() async throws {
        let start = schedule.reserve(now: now)
        if start - now > 0 {
            try await Task.sleep(until: origin + .nanoseconds(Int64(start * 1_000_000_000)), clock: clock)
        }
    }

    /// No request starts in the next `seconds` (every worker waits, not only
    /// the one that got the 429): the key's budget is taken as spent until then.
    func pause(for seconds: Double) {
        guard seconds > 0, seconds.isFinite else { return }
        schedule.pause(until: now + seconds)
    }
}
