/// What a sandbox has served so far, for tests and benchmarks.
public struct SandboxStatistics: Sendable, Hashable {
    /// Every request answered, whatever the status.
    public var requests = 0
    /// `POST /v2/contacts/search` requests answered, whatever the status.
    public var searchRequests = 0
    /// Answers by status code.
    public var byStatus: [Int: Int] = [:]
    /// Channel ids received in search bodies that were accepted (200).
    public var idsSearched = 0
    /// Unix time of the first and last request, for rates.
    public var firstRequestAt: Double?
    public var lastRequestAt: Double?

    public init() {}

    /// Answers with this status.
    public func count(status: Int) -> Int { byStatus[status, default: 0] }
}
