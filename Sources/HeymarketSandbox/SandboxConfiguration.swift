import Foundation

/// How a sandbox behaves: whom it accepts, how hard it limits, and which faults it injects.
public struct SandboxConfiguration: Sendable {
    /// A Secret ID and its Secret Key, as Heymarket issues them.
    public struct SecretPair: Sendable, Hashable {
        public var id: String
        public var key: String
        public init(id: String, key: String) {
            self.id = id
            self.key = key
        }
    }

    /// The demo credentials every sandbox accepts unless told otherwise (documented in the README).
    public static let demoSecret = SecretPair(id: "hmq-demo-0000-4000-8000-sandbox00001", key: "sk_demo_sandbox_not_a_real_key")
    /// The legacy API key every sandbox accepts unless told otherwise.
    public static let demoAPIKey = "hmq_demo_legacy_api_key"
    /// The credentials of API-NOTES.md's JWT test vector, so the documented token is accepted.
    public static let documentedTestVector = SecretPair(id: "74f80a77-9b3f-44ac-b3ad-ab68cfb548fa", key: "sk_test_4eC39HqLyjWDarjtT1zdp7dc")

    /// Accepted Secret ID + Secret Key pairs (JWT, the recommended scheme).
    public var secrets: [SecretPair]
    /// Accepted legacy API keys.
    public var apiKeys: [String]
    /// Requests allowed per key per window (Heymarket: 500 per minute).
    public var rateLimit: Int
    /// The rate-limit window (60 s; tests use a shorter one).
    public var rateWindow: Double
    /// A token is rejected when its `iat` is older than this many seconds (Heymarket: 5 minutes).
    public var tokenLifetime: Double
    /// A token whose `iat` is more than this many seconds in the future is rejected.
    public var clockSkew: Double
    /// Faults to inject.
    public var faults: FaultInjection
    /// The clock; tests fix it.
    public var now: @Sendable () -> Date

    public init(
        secrets: [SecretPair] = [demoSecret, documentedTestVector],
        apiKeys: [String] = [demoAPIKey],
        rateLimit: Int = 500,
        rateWindow: Double = 60,
        tokenLifetime: Double = 300,
        clockSkew: Double = 30,
        faults: FaultInjection = FaultInjection(),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.secrets = secrets
        self.apiKeys = apiKeys
        self.rateLimit = rateLimit
        self.rateWindow = rateWindow
        self.tokenLifetime = tokenLifetime
        self.clockSkew = clockSkew
        self.faults = faults
        self.now = now
    }
}

/// Faults the sandbox injects into search requests, for tests and benchmarks.
/// Rates are probabilities from 0 to 1, drawn from a generator seeded with ``seed``.
public struct FaultInjection: Sendable, Hashable {
    /// Added before every answer, in seconds.
    public var latency: Double
    /// Share of requests answered `500`.
    public var serverErrorRate: Double
    /// Share of requests answered `429` with `Retry-After: retryAfter`.
    public var throttleRate: Double
    /// The `Retry-After` seconds sent with injected 429s.
    public var retryAfter: Int
    /// Share of requests answered `200` with a truncated, unparseable body.
    public var malformedRate: Double
    /// Seed of the fault generator, so a run can be repeated.
    public var seed: UInt64

    public init(latency: Double = 0, serverErrorRate: Double = 0, throttleRate: Double = 0, retryAfter: Int = 1, malformedRate: Double = 0, seed: UInt64 = 1) {
        self.latency = latency
        self.serverErrorRate = serverErrorRate
        self.throttleRate = throttleRate
        self.retryAfter = retryAfter
        self.malformedRate = malformedRate
        self.seed = seed
    }

    /// True when any fault is on.
    public var isActive: Bool { latency > 0 || serverErrorRate > 0 || throttleRate > 0 || malformedRate > 0 }
}
