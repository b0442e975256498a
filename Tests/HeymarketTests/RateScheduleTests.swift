import Heymarket
import Testing
import TestSupport

/// The rate limiter on simulated time: workers that each send a request, wait
/// for its answer (a random latency) and send the next.
@Suite struct RateScheduleTests {
    /// Simulates `requests` requests from `workers` workers; returns the starts in order.
    static func simulate(_ schedule: inout RateSchedule, requests: Int, workers: Int, latency: ClosedRange<Double>, seed: UInt64,
                         pauses: [Int: Double] = [:]) -> [Double] {
        var random = SeededGenerator(seed: seed)
        var ready = Array(repeating: 0.0, count: workers)
        var starts: [Double] = []
        for k in 0..<requests {
            // The worker free soonest asks next.
            let w = ready.indices.min { ready[$0] < ready[$1] }!
            let start = schedule.reserve(now: ready[w])
            starts.append(start)
            if let pause = pauses[k] { schedule.pause(until: start + pause) }
            ready[w] = start + Double.random(in: latency, using: &random)
        }
        return starts
    }

    /// The most starts in any interval of `window` seconds (the server's count, wherever its window begins).
    static func busiestWindow(_ starts: [Double], window: Double) -> Int {
        let sorted = starts.sorted()
        var most = 0, lo = 0
        for hi in sorted.indices {
            while sorted[hi] - sorted[lo] >= window { lo += 1 }
            most = max(most, hi - lo + 1)
        }
        return most
    }

    @Test(arguments: [(500, 60.0, 16), (500, 6.0, 64), (10, 1.0, 3), (1, 0.5, 4)])
    func neverMoreThanTheLimitInAnyWindow(limit: Int, window: Double, workers: Int) {
        var schedule = RateSchedule(limit: limit, window: window)
        let starts = Self.simulate(&schedule, requests: 10_000, workers: workers, latency: 0.001...0.4, seed: UInt64(limit * workers))
        #expect(Self.busiestWindow(starts, window: window) <= limit)
        #expect(zip(starts, starts.dropFirst()).allSatisfy { $0 <= $1 }, "starts never go backwards")
        // And the budget is spent: 10,000 requests take about 10,000 / limit - 1 windows (a little
        // more when the workers' latency, not the limit, is what holds them back), never twice that.
        let windows = (starts.last! - starts.first!) / (window * (1 + RateSchedule.margin))
        #expect(windows <= Double(10_000 / limit) * 1.02)
    }

    @Test func aFreshBudgetIsABurst() {
        var schedule = RateSchedule(limit: 500, window: 60)
        let starts = (0..<500).map { _ in schedule.reserve(now: 3) }
        #expect(starts.allSatisfy { $0 == 3 })
        // The 501st waits for the first to leave the window (plus the margin).
        #expect(schedule.reserve(now: 3) == 3 + 60 * (1 + RateSchedule.margin))
    }

    @Test func evenPaceSpacesEveryRequest() {
        var schedule = RateSchedule(limit: 500, window: 60, pace: .even)
        let starts = (0..<5).map { _ in schedule.reserve(now: 0) }
        let step = 60 * (1 + RateSchedule.margin) / 500
        for (k, start) in starts.enumerated() { #expect(abs(start - Double(k) * step) < 1e-9) }
        var random = SeededGenerator(seed: 3)
        var even = RateSchedule(limit: 50, window: 6, pace: .even)
        let many = Self.simulate(&even, requests: 2_000, workers: 8, latency: 0.01...0.3, seed: random.next())
        #expect(Self.busiestWindow(many, window: 6) <= 50)
    }

    @Test func aPauseHoldsEveryWorker() {
        var schedule = RateSchedule(limit: 100, window: 1)
        // Request 10 gets a 429 asking for 5 s: nothing starts in those 5 s, whichever worker asks.
        let starts = Self.simulate(&schedule, requests: 50, workers: 4, latency: 0.01...0.02, seed: 9, pauses: [10: 5])
        let pausedAt = starts[10]
        #expect(starts[11...].allSatisfy { $0 >= pausedAt + 5 })
        #expect(starts[..<11].allSatisfy { $0 < pausedAt + 5 })
    }

    @Test func withNoLimitOnlyAPauseHoldsRequests() {
        var schedule = RateSchedule.unlimited
        // rate off: 10,000 requests at once...
        #expect((0..<10_000).allSatisfy { _ in schedule.reserve(now: 2) == 2 })
        // ...but a 429 still holds every worker until its Retry-After is over.
        schedule.pause(until: 42)
        #expect(schedule.reserve(now: 3) == 42)
        #expect(schedule.reserve(now: 50) == 50)
    }

    @Test func retryAfterIsWaitedUpToMaxWaitAndABatchWaitsAtMostThreeTimesIt() {
        let standard = RetryPolicy()
        #expect(standard.maximumWait == 120)
        #expect(standard.waitBudget == 360)
        #expect(standard.delay(afterAttempt: 1, retryAfter: 46) == 46)
        #expect(standard.delay(afterAttempt: 1, retryAfter: 500) == 120)
        let short = RetryPolicy(maximumWait: 10)
        #expect(short.waitBudget == 30)
        // hmq's own backoff never waits longer than max_wait either.
        #expect(short.maximumDelay == 10)
        #expect((1...20).allSatisfy { short.delay(afterAttempt: $0) <= 10 })
        #expect(RetryPolicy(maximumWait: .infinity).maximumWait == RetryPolicy.defaultMaximumWait)
        // Retry-After: 0 is a floor, not a licence to hammer: the backoff still grows.
        #expect(standard.delay(afterAttempt: 5, retryAfter: 0) >= 1)
        #expect(RetryPolicy.parseRetryAfter("0000000005") == 5)
        #expect(RetryPolicy.parseRetryAfter("00") == 0)
    }
}
