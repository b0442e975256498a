/// Every worker of a client waiting out a rate window: a 429 answered with a
/// `Retry-After` (or a backoff) long enough to tell the user about.
public struct RateWindowWait: Sendable, Hashable {
    /// Waits shorter than this (seconds) are not announced.
    public static let announced = 3.0

    /// How long every worker waits, in seconds.
    public var seconds: Double
    /// The status that asked for it (429).
    public var status: Int?
    /// The server's `X-Request-Id` of that answer.
    public var requestID: String?
    /// True when the server named the wait (`Retry-After`); false for hmq's own backoff.
    public var byServer: Bool
    /// What failed when it is not the rate window (a 503, a timeout): only that batch waits, before its retry.
    public var retrying: String?
    /// True when the wait is the budget this key shares with other hmq processes (they spent the window, or met a 429).
    public var shared: Bool

    /// Waits shorter than this (seconds) before one batch's retry are not announced.
    public static let announcedRetry = 10.0

    public init(seconds: Double, status: Int?, requestID: String?, byServer: Bool, retrying: String? = nil, shared: Bool = false) {
        self.shared = shared
        self.seconds = seconds
        self.status = status
        self.requestID = requestID
        self.byServer = byServer
        self.retrying = retrying
    }

    /// "waiting 46 s for the rate window (the server answered HTTP 429 with Retry-After 46 s); every request waits",
    /// or "waiting 12 s before retrying (HTTP 503 server error: down)".
    public var description: String {
        if let retrying { return "waiting \(Self.seconds(seconds)) before retrying (\(retrying))" }
        if shared { return "waiting \(Self.seconds(seconds)) for the rate window this key shares with other hmq processes" }
        let cause = byServer ? "HTTP \(status ?? 429) with Retry-After \(Self.seconds(seconds))" : "HTTP \(status ?? 429) without Retry-After"
        return "waiting \(Self.seconds(seconds)) for the rate window (the server answered \(cause)); every request waits"
    }

    /// Seconds as a countdown shows them, rounded up: 45.3 → "46 s", 0.2 → "1 s".
    public static func seconds(_ value: Double) -> String {
        "\(max(1, Int(min(value, 1e9).rounded(.up)))) s"
    }

    /// Seconds as a setting holds them: 120 → "120 s", 1.5 → "1.5 s".
    public static func exactly(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e9 ? "\(Int(value)) s" : "\(value) s"
    }
}
