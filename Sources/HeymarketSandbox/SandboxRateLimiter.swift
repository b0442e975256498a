import Synchronization

/// Heymarket's limit: at most `limit` requests per key in the current window
/// (fixed windows aligned to the clock, like "the current minute").
final class SandboxRateLimiter: Sendable {
    private struct State {
        var window: Int64 = .min
        var counts: [String: Int] = [:]
    }

    private let limit: Int
    private let window: Double
    private let state = Mutex(State())

    init(limit: Int, window: Double) {
        self.limit = limit
        self.window = window
    }

    /// Counts a request for `key` at `now` (unix seconds). Returns nil when allowed,
    /// else the seconds until the window ends (for `Retry-After`).
    func admit(key: String, now: Double) -> Double? {
        let current = Int64((now / window).rounded(.down))
        return state.withLock { state in
            if state.window != current {
                state.window = current
                state.counts = [:]
            }
            let used = state.counts[key, default: 0]
            if used >= limit {
                return Double(current + 1) * window - now
            }
            state.counts[key] = used + 1
            return nil
        }
    }
}
