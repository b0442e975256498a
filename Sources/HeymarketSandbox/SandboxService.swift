import Foundation
import Synchronization

/// A request as the sandbox sees it, independent of the HTTP server.
public struct SandboxRequest: Sendable {
    public var method: String
    public var path: String
    public var authorization: String?
    public var body: [UInt8]
    public init(method: String, path: String, authorization: String?, body: [UInt8]) {
        self.method = method
        self.path = path
        self.authorization = authorization
        self.body = body
    }
}

/// A response as the sandbox produces it.
public struct SandboxResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
}

/// The sandbox's behaviour, apart from the HTTP server that carries it: auth,
/// validation, rate limiting, fault injection, search, and statistics.
public final class SandboxService: Sendable {
    public let configuration: SandboxConfiguration
    public let store: SandboxContactStore
    private let verifier: SandboxJWTVerifier
    private let limiter: SandboxRateLimiter
    private let stats = Mutex(SandboxStatistics())
    private let random: Mutex<SplitMix64>

    public init(configuration: SandboxConfiguration = SandboxConfiguration(), store: SandboxContactStore = .demo) {
        self.configuration = configuration
        self.store = store
        self.verifier = SandboxJWTVerifier(configuration: configuration)
        self.limiter = SandboxRateLimiter(limit: configuration.rateLimit, window: configuration.rateWindow)
        self.random = Mutex(SplitMix64(seed: configuration.faults.seed))
    }

    /// What has been served so far.
    public var statistics: SandboxStatistics { stats.withLock { $0 } }

    /// Answers one request. Every answer carries `X-Request-Id`.
    public func handle(_ request: SandboxRequest) async -> SandboxResponse {
        let now = configuration.now().timeIntervalSince1970
        var response = await route(request, now: now)
        let hex = String(random.withLock { $0.next() }, radix: 16)
        let requestID = "req_" + String(repeating: "0", count: 16 - hex.count) + hex
        response.headers.append(("X-Request-Id", requestID))
        response.headers.append(("Content-Type", "application/json; charset=utf-8"))
        stats.withLock { s in
            s.requests += 1
            if request.path == "/v2/contacts/search" { s.searchRequests += 1 }
            s.byStatus[response.status, default: 0] += 1
            if s.firstRequestAt == nil { s.firstRequestAt = now }
            s.lastRequestAt = now
        }
        return response
    }

    private func route(_ request: SandboxRequest, now: Double) async -> SandboxResponse {
        let path = request.path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? request.path
        switch (request.method, path) {
        case ("POST", "/v2/contacts/search"):
            return await search(request, now: now)
        case ("GET", "/v1/inboxes"):
            switch verifier.verify(authorization: request.authorization) {
            case .rejected(let why): return Self.error(401, "unauthorized", why)
            case .accepted(let key):
                if let wait = limiter.admit(key: key, now: now) { return Self.throttled(wait) }
                return SandboxResponse(status: 200, headers: [], body: Array(Self.inboxes.utf8))
            }
        case (_, "/v2/contacts/search"), (_, "/v1/inboxes"):
            return Self.error(405, "method_not_allowed", "\(request.method) is not allowed on \(path)")
        default:
            return Self.error(404, "not_found", "no route for \(request.method) \(path)")
        }
    }

    private func search(_ request: SandboxRequest, now: Double) async -> SandboxResponse {
        let key: String
        switch verifier.verify(authorization: request.authorization) {
        case .rejected(let why): return Self.error(401, "unauthorized", why)
        case .accepted(let k): key = k
        }
        if let wait = limiter.admit(key: key, now: now) { return Self.throttled(wait) }
        let faults = configuration.faults
        if faults.latency > 0 { try? await Task.sleep(for: .milliseconds(Int(faults.latency * 1000))) }
        let (serverError, throttle, malformed) = random.withLock { rng in
            (rng.chance(faults.serverErrorRate), rng.chance(faults.throttleRate), rng.chance(faults.malformedRate))
        }
        if serverError { return Self.error(500, "internal_error", "injected server error") }
        if throttle {
            var r = Self.error(429, "rate_limited", "injected rate limit")
            r.headers.append(("Retry-After", String(faults.retryAfter)))
            return r
        }
        let channels: [(type: String?, ids: [String])]
        switch Self.parseSearchBody(request.body) {
        case .failure(let bad): return Self.error(400, "bad_data", bad.message)
        case .success(let c): channels = c
        }
        var matched = Set<Int>()
        for channel in channels {
            for id in channel.ids { matched.formUnion(store.lookup(type: channel.type, value: id)) }
        }
        var body = Data("[".utf8)
        for (n, index) in matched.sorted().enumerated() {
            if n > 0 { body.append(UInt8(ascii: ",")) }
            body.append(store.entries[index].json)
        }
        body.append(UInt8(ascii: "]"))
        let idCount = channels.reduce(0) { $0 + $1.ids.count }
        stats.withLock { $0.idsSearched += idCount }
        if malformed {
            return SandboxResponse(status: 200, headers: [], body: Array(body.prefix(max(1, body.count / 2))) + Array("<!-- truncated".utf8))
        }
        return SandboxResponse(status: 200, headers: [], body: Array(body))
    }

    /// Validates a search body as Heymarket documents it; the message says what is wrong.
    static func parseSearchBody(_ body: [UInt8]) -> Result<[(type: String?, ids: [String])], BadData> {
        guard !body.isEmpty else { return .failure(BadData("request body is empty; expected {\"contact_channels\": [...]}")) }
        guard let json = try? JSONSerialization.jsonObject(with: Data(body)) else {
            return .failure(BadData("request body is not valid JSON"))
        }
        guard let object = json as? [String: Any] else { return .failure(BadData("request body must be a JSON object")) }
        guard let rawChannels = object["contact_channels"] else { return .failure(BadData("contact_channels is required")) }
        guard let channels = rawChannels as? [Any], !channels.isEmpty else {
            return .failure(BadData("contact_channels must be a non-empty array"))
        }
        var result: [(type: String?, ids: [String])] = []
        for (i, element) in channels.enumerated() {
            guard let entry = element as? [String: Any] else { return .failure(BadData("contact_channels[\(i)] must be an object")) }
            var type: String?
            if let rawType = entry["channel_type"], !(rawType is NSNull) {
                guard let t = rawType as? String, !t.isEmpty else {
                    return .failure(BadData("contact_channels[\(i)].channel_type must be a non-empty string"))
                }
                type = t.lowercased()
            }
            guard let ids = entry["channel_ids"] as? [Any], !ids.isEmpty else {
                return .failure(BadData("contact_channels[\(i)].channel_ids must be a non-empty array of strings"))
            }
            var strings: [String] = []
            for (j, id) in ids.enumerated() {
                guard let s = id as? String else {
                    return .failure(BadData("contact_channels[\(i)].channel_ids[\(j)] must be a string"))
                }
                strings.append(s)
            }
            result.append((type, strings))
        }
        return .success(result)
    }

    struct BadData: Error {
        var message: String
        init(_ message: String) { self.message = message }
    }

    static func error(_ status: Int, _ code: String, _ message: String) -> SandboxResponse {
        let body = try? JSONSerialization.data(withJSONObject: ["error": code, "message": message], options: [.sortedKeys])
        return SandboxResponse(status: status, headers: [], body: Array(body ?? Data()))
    }

    static func throttled(_ wait: Double) -> SandboxResponse {
        var r = error(429, "rate_limited", "more than the allowed requests in the current window")
        r.headers.append(("Retry-After", String(Int(wait.rounded(.up)))))
        return r
    }

    static let inboxes = """
        [{"id":501,"name":"Support","phone":"14155550100","team_id":42,"team_name":"hmq Demo Team"},\
        {"id":502,"name":"Sales","phone":"14155550101","team_id":42,"team_name":"hmq Demo Team"}]
        """
}

/// A small, fast, seedable generator, so fault injection can be replayed.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func chance(_ p: Double) -> Bool {
        p > 0 && Double(next() >> 11) / Double(1 << 53) < p
    }
}
