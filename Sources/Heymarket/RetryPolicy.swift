/// When to try a failed request again, and how long to wait first.
///
/// Retried: 429, 5xx, network errors, timeouts and malformed answers (search is
/// read-only, so a retry is always safe). Waits grow exponentially from
/// ``baseDelay`` with jitter, capped at ``maximumDelay``; a `Retry-After` from the
/// server is honoured instead (up to ``maximumRetryAfter``).
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts per batch, the first included (default 8).
    public var maximumAttempts: Int
    /// The first wait, in seconds (default 0.25).
    public var baseDelay: Double
    /// No computed wait is longer than this, in seconds (default 30).
    public var maximumDelay: Double
    /// A longer `Retry-After` is not waited out; the batch fails instead.
    public var maximumRetryAfter: Double

    public init(maximumAttempts: Int = 8, baseDelay: Double = 0.25, maximumDelay: Double = 30, maximumRetryAfter: Double = 300) {
        self.maximumAttempts = max(1, maximumAttempts)
        self.baseDelay = baseDelay
        self.maximumDelay = maximumDelay
        self.maximumRetryAfter = maximumRetryAfter
    }

    /// The wait before attempt `attempt + 1`, after attempt `attempt` (from 1)
    /// failed: half the exponential step plus a random half ("equal jitter").
    public func delay(afterAttempt attempt: Int, retryAfter: Double? = nil) -> Double {
        if let retryAfter { return min(max(0, retryAfter), maximumRetryAfter) }
        let exponent = min(attempt - 1, 30)
        let step = min(maximumDelay, baseDelay * Double(1 << exponent))
        return step / 2 + Double.random(in: 0...(step / 2))
    }

    /// Parses a `Retry-After` header: delta-seconds (HTTP dates are not used by this API).
    public static func parseRetryAfter(_ header: String?) -> Double? {
        guard let header = header?.trimmingWhitespace(), let seconds = Double(header), seconds >= 0 else { return nil }
        return seconds
    }
}
