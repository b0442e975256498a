import HMQJSON

/// What a lookup came to, once it ended: how many input values ended in each
/// outcome, the batches that failed, the exact attributions that could not
/// finish, and the requests sent. Every front end judges and writes a lookup
/// from this one value (`hmq search`, `--report`, the MCP tools, the notes).
public struct LookupSummary: Sendable {
    /// An outcome without its detail, as counts and JSON keys name it.
    public enum OutcomeKind: String, CaseIterable, Sendable {
        case matched, unmatched, undetermined, invalid, failed
        case notSearched = "not_searched"

        public init(_ outcome: SearchResult.Outcome) {
            switch outcome {
            case .matched: self = .matched
            case .unmatched: self = .unmatched
            case .undetermined: self = .undetermined
            case .invalid: self = .invalid
            case .failed: self = .failed
            case .notSearched: self = .notSearched
            }
        }
    }

    /// Input values (repeats included) by outcome.
    public internal(set) var counts: [OutcomeKind: Int] = [:]
    /// Batches that failed after their retries (and values the server refused alone).
    public internal(set) var failures: [BatchFailure] = []
    /// Batches whose exact attribution could not finish: their values stay undetermined.
    public internal(set) var attributionFailures: [BatchFailure] = []
    /// HTTP requests sent, retries and exact attribution's included.
    public internal(set) var requestCount = 0
    /// Distinct values answered from the ``AnswerCache`` (not sent).
    public internal(set) var cachedCount = 0
    /// With `retainingMatches`: every contact found, in input order.
    public internal(set) var matches: [SearchResult.Match] = []
    /// False when the reader stopped the lookup before its end.
    public internal(set) var ranToTheEnd = true
    /// Values the server refused alone (an invalid outcome with an HTTP status).
    private var refusedAlone = Set<NormalizedChannelValue>()

    init() {}

    /// A summary whose outcomes are yet to be counted (none, for a failed run's judgement alone).
    public init(failures: [BatchFailure], attributionFailures: [BatchFailure], requestCount: Int = 0) {
        self.failures = failures
        self.attributionFailures = attributionFailures
        self.requestCount = requestCount
    }

    /// Counts one input value's outcome.
    mutating func count(_ outcome: SearchResult.Outcome, _ normalized: NormalizedChannelValue?) {
        counts[OutcomeKind(outcome), default: 0] += 1
        if case .invalid(let error) = outcome, error.status != nil, let normalized { refusedAlone.insert(normalized) }
    }

    /// The failed batches as a report lists them: every value is in one list,
    /// so a value the server refused alone is listed as invalid, not here again.
    public var failedBatches: [BatchFailure] {
        failures.filter { f in !(f.error.status == 400 && f.values.allSatisfy(refusedAlone.contains)) }
    }

    /// The server's refusal of the credentials (401, 403), when it stopped the lookup.
    public var refusal: HeymarketError? { failures.first { $0.error.isAuthentication }?.error }

    /// True when every batch was answered and every exact attribution finished.
    public var isComplete: Bool { failures.isEmpty && attributionFailures.isEmpty }

    /// True when every value sent failed: nothing was looked up (an empty list of contacts would read as "no contacts").
    public var nothingLookedUp: Bool {
        !failures.isEmpty && (counts[.matched] ?? 0) + (counts[.unmatched] ?? 0) + (counts[.undetermined] ?? 0) == 0
    }

    /// The summary as JSON, the one encoding every front end writes (`--report`
    /// and the MCP `lookup` hold its members): `{"failed": [batch…],
    /// "attribution_failed": [batch…], "requests": n, "from_cache": n, "outcomes": {"matched": n, …}}`.
    public var json: JSONObject {
        JSONObject([
            .init(key: "failed", value: .array(failedBatches.map(\.json))),
            .init(key: "attribution_failed", value: .array(attributionFailures.map(\.json))),
            .init(key: "requests", value: .integer(Int64(requestCount))),
            .init(key: "from_cache", value: .integer(Int64(cachedCount))),
            .init(key: "outcomes", value: .object(JSONObject(OutcomeKind.allCases.map { .init(key: $0.rawValue, value: .integer(Int64(counts[$0] ?? 0))) }))),
        ])
    }

    /// What is said when invalid values stop a lookup before it sends anything.
    public static func nothingSent(invalid count: Int) -> String {
        "\(count) invalid value\(count == 1 ? "" : "s"); nothing was sent"
    }
}

extension BatchFailure {
    /// The failure as JSON, the one encoding every front end writes: `batch`
    /// (from 1), `status`, `error`, `request_id`, `attempts`, `values`.
    public var json: JSONValue {
        .object(JSONObject([
            .init(key: "batch", value: .integer(Int64(batchIndex + 1))),
            .init(key: "status", value: error.status.map { .integer(Int64($0)) } ?? .null),
            .init(key: "error", value: .string(error.message)),
            .init(key: "request_id", value: error.requestID.map(JSONValue.string) ?? .null),
            .init(key: "attempts", value: .integer(Int64(attempts))),
            .init(key: "values", value: .array(values.map { .string($0.value) })),
        ]))
    }
}
