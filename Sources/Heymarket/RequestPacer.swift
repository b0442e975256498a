/// Spaces requests evenly so a bulk lookup stays under the server's limit
/// (Heymarket: 500 requests per minute per key) instead of provoking 429s.
///
/// Each ``acquire()`` reserves the next free slot and sleeps until it. Slots are
/// `window / limit` apart, widened by ``headroom`` so that small scheduling and
/// network jitter cannot push one window over the limit.
public actor RequestPacer {
    /// The fraction of the limit left unused as a safety margin (2%).
    public static let headroom = 0.02

    private let interval: Duration
    private let clock = ContinuousClock()
    private var nextSlot: ContinuousClock.Instant?

    /// At most `limit` requests per `window`.
    public init(limit: Int, window: Duration = .seconds(60)) {
        let seconds = window / Duration.seconds(1) / Double(max(1, limit)) * (1 + Self.headroom)
        self.interval = .nanoseconds(Int64(seconds * 1_000_000_000))
    }

    /// The spacing between two requests.
    public var spacing: Duration { interval }

    /// Waits for this caller's slot. Throws `CancellationError` if cancelled while waiting.
    public func acquire() async throws {
        let now = clock.now
        let slot = max(now, nextSlot ?? now)
        nextSlot = slot + interval
        if slot > now {
            try await Task.sleep(until: slot, clock: clock)
        }
    }
}
