import Foundation

/// When to try a failed request again, and how long to wait first.
///
/// Retried: 429, 5xx, network errors, timeouts and malformed answers (search is
/// read-only, so a retry is always safe). Waits grow exponentially from
/// ``baseDelay`` with jitter, capped at ``maximumDelay``; a server's
/// `Retry-After` (RFC 9110: seconds, or an HTTP date) is honoured instead when
/// it is at most ``maximumWait`` (Heymarket's window is a minute, so a spent
/// budget asks for up to 60 s): a server asking for longer fails the batch at
/// once. A batch waits at most ``waitBudget`` seconds in all (three times
/// ``maximumWait`` unless given) before it is reported as failed.
public struct RetryPolicy: Sendable, Hashable {
    /// The default ``connectionAttempts``.
    public static let defaultConnectionAttempts = 6

    /// The default ``maximumWait``: two of the API's one-minute windows.
    public static let defaultMaximumWait = 120.0

    /// Attempts per batch, the first included (default 8).
    public var maximumAttempts: Int
    /// The first wait, in seconds (default 0.25).
    public var baseDelay: Double
    /// No computed wait is longer than this, in seconds (default 30, and never more than ``maximumWait``).
    public var maximumDelay: Double
    /// The longest `Retry-After` that is waited out (the `max_wait` setting, default 120 s); a longer one fails the batch.
    public var maximumWait: Double
    /// Seconds a batch may spend waiting between its attempts, in all (default 3 × ``maximumWait``).
    public var waitBudget: Double
    /// Failed connections in a row (refused, host not found, TLS) the whole run
    /// meets before it stops (the `connect_attempts` setting, default 6).
    public var connectionAttempts: Int

    public init(maximumAttempts: Int = 8, baseDelay: Double = 0.25, maximumDelay: Double = 30,
                maximumWait: Double = RetryPolicy.defaultMaximumWait, waitBudget: Double? = nil,
                connectionAttempts: Int = RetryPolicy.defaultConnectionAttempts) {
        self.maximumAttempts = max(1, maximumAttempts)
        self.connectionAttempts = max(1, connectionAttempts)
        self.baseDelay = baseDelay.isFinite ? max(0, baseDelay) : 0.25
        self.maximumWait = maximumWait.isFinite ? max(0, maximumWait) : Self.defaultMaximumWait
        self.maximumDelay = min(maximumDelay.isFinite ? max(0, maximumDelay) : 30, self.maximumWait)
        let budget = waitBudget ?? 3 * self.maximumWait
        self.waitBudget = budget.isFinite ? max(0, budget) : 3 * self.maximumWait
    }

    /// The wait before attempt `attempt + 1`, after attempt `attempt` (from 1)
    /// failed: the server's `Retry-After` when it gave one, else half the
    /// exponential step plus a random half ("equal jitter").
    public func delay(afterAttempt attempt: Int, retryAfter: Double? = nil) -> Double {
        let exponent = min(max(0, attempt - 1), 30)
        let step = min(maximumDelay, baseDelay * Double(1 << exponent))
        // A Retry-After is a floor: "0" (or a date gone by) still backs off rather than hammering.
        if let retryAfter { return min(max(retryAfter, step / 2), maximumWait) }
        return step / 2 + Double.random(in: 0...(step / 2))
    }

    /// A `Retry-After` header in seconds from `now`: delay-seconds (digits
    /// only: `120`, not `0x10` or `1e3`) or an HTTP date (IMF-fixdate, RFC 850,
    /// asctime). Nil for anything else; a date in the past is 0.
    public static func parseRetryAfter(_ header: String?, now: Date = Date()) -> Double? {
        guard let text = header?.trimmingWhitespace(), !text.isEmpty else { return nil }
        if text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            // Absurdly many digits are a wait longer than any cap (leading zeros are no digits of it).
            let digits = text.drop { $0 == "0" }
            return digits.count > 9 ? Double(1_000_000_000) : Double(digits.isEmpty ? "0" : String(digits))
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
