import Foundation
import Synchronization

/// A clock tests set and move by hand, so nothing depends on the time of day:
/// give its `now` to the sandbox (`SandboxConfiguration.now`) and the client
/// (`HeymarketClient(now:)`).
public final class ManualClock: Sendable {
    private let seconds: Mutex<Double>

    /// Starts at `date` (a fixed moment; 2024-04-16 00:00:00 UTC by default).
    public init(_ date: Date = Date(timeIntervalSince1970: 1_713_225_600)) { seconds = Mutex(date.timeIntervalSince1970) }

    public var now: Date { Date(timeIntervalSince1970: seconds.withLock { $0 }) }

    /// The closure form, for `now:` parameters.
    public var function: @Sendable () -> Date { { self.now } }

    public func advance(by interval: Double) { seconds.withLock { $0 += interval } }
}
