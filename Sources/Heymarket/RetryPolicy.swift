import Foundation

/// When to try a failed request again, and how long to wait first.
///
/// Retried: 429, 5xx, network errors, timeouts and malformed answers (search is
/// read-only, so a retry is always safe). Waits grow exponentially from
/// ``baseDelay`` with jitter, capped at ``maximumDelay``; a server's
/// `Retry-After` (RFC 9110: seconds, or an HTTP date) is honoured instead, up
/// to ``maximumRetryAfter``: a server asking for longer fails the batch at once.
/// A batch waits at most ``waitBudget`` seconds in all before it is reported as failed.
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts per batch, the first included (default 8).
    public var maximumAttempts: Int
    /// The first wait, in seconds (default 0.25).
    public var baseDelay: Double
    /// No computed wait is longer than this, in seconds (default 30).
    public var maximumDelay: Double
    /// A longer `Retry-After` is not waited out; the batch fails instead (default 30 s).
    public var maximumRetryAfter: Double
    /// Seconds a batch may spend waiting between its attempts, in all (default 120).
    public var waitBudget: Double

    public init(maximumAttempts: Int = 8, baseDelay: Double = 0.25, maximumDelay: Double = 30, maximumRetryAfter: Double = 30, waitBudget: Double = 120) {
        self.maximumAttempts = max(1, maximumAttempts)
        self.baseDelay = baseDelay.isFinite ? max(0, baseDelay) : 0.25
        self.maximumDelay = maximumDelay.isFinite ? max(0, maximumDelay) : 30
        self.maximumRetryAfter = maximumRetryAfter.isFinite ? max(0, maximumRetryAfter) : 30
        self.waitBudget = waitBudget.isFinite ? max(0, waitBudget) : 120
    }

    /// The wait before attempt `attempt + 1`, after attempt `attempt` (from 1)
    /// failed: the server's `Retry-After` when it gave one, else half the
    /// exponential step plus a random half ("equal jitter").
    public func delay(afterAttempt attempt: Int, retryAfter: Double? = nil) -> Double {
        if let retryAfter { return min(max(0, retryAfter), maximumRetryAfter) }
        let exponent = min(max(0, attempt - 1), 30)
        let step = min(maximumDelay, baseDelay * Double(1 << exponent))
        return step / 2 + Double.random(in: 0...(step / 2))
    }

    /// A `Retry-After` header in seconds from `now`: delay-seconds (digits
    /// only: `120`, not `0x10` or `1e3`) or an HTTP date (IMF-fixdate, RFC 850,
    /// asctime). Nil for anything else; a date in the past is 0.
    public static func parseRetryAfter(_ header: String?, now: Date = Date()) -> Double? {
        guard let text = header?.trimmingWhitespace(), !text.isEmpty else { return nil }
        if text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            // Absurdly many digits are a wait longer than any cap.
            return text.count > 9 ? Double(1_000_000_000) : Double(text)
        }
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return max(0, date.timeIntervalSince(now)) }
        }
        return nil
    }
}
