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
    /// Input values (repeats included) of each kind a note speaks of, and the first of them.
    private var noted: [NoteKind: Noted] = [:]

    init() {}

    /// A summary whose outcomes are yet to be counted (none, for a failed run's judgement alone).
    public init(failures: [BatchFailure], attributionFailures: [BatchFailure], requestCount: Int = 0) {
        self.failures = failures
        self.attributionFailures = attributionFailures
        self.requestCount = requestCount
    }

    /// Counts one input value's outcome (and names it, among the first of its kind, for the notes).
    mutating func count(_ input: InputValue, _ outcome: SearchResult.Outcome, _ normalized: NormalizedChannelValue?) {
        counts[OutcomeKind(outcome), default: 0] += 1
        let kind: NoteKind
        switch outcome {
        case .unmatched: kind = .unmatched
        case .undetermined: kind = .undetermined
        case .invalid(let error) where error.status != nil:
            if let normalized { refusedAlone.insert(normalized) }
            kind = .refused
        case .invalid: kind = .invalid
        case .matched, .failed, .notSearched: return
        }
        noted[kind, default: Noted()].add(input, outcome)
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

    /// What is said of the values that found no contact, worded as `wording`
    /// says (each front end's own spelling of what lists them and what settles
    /// them): for each kind, how many and the first ``namedValues`` of them.
    /// Every front end's notes come from here: `find` (CLI, REPL, library, the
    /// MCP `query` tool) and `hmq search`.
    public func notes(_ wording: NoteWording) -> [LookupNote] {
        var notes: [LookupNote] = []
        func add(_ kind: NoteKind, _ message: (Int) -> String, _ suggestion: String?, separator: String = ", ", _ name: (Noted.Entry) -> String) {
            guard let noted = noted[kind], noted.count > 0 else { return }
            let names = noted.first.map(name)
            let listed = names.joined(separator: separator) + (noted.count > names.count ? "\(separator)… (\(noted.count - names.count) more)" : "")
            notes.append(LookupNote(kind: kind, message: message(noted.count) + ": " + listed, suggestion: suggestion))
        }
        func value(_ entry: Noted.Entry) -> String { wording.typed ? entry.input.value.description : entry.input.value.value }
        func reason(_ entry: Noted.Entry) -> String {
            guard case .invalid(let error) = entry.outcome else { return value(entry) }
            // A value refused by the server gives the status and request id; one found invalid here, why.
            return (wording.origin(entry.input).map { $0 + ": " } ?? "") + (error.status == nil ? error.message : error.description)
        }
        func values(_ n: Int) -> String { "\(n) value\(n == 1 ? "" : "s")" }
        if let lists = wording.listsUnmatched { add(.unmatched, { values($0) + " matched no contact" }, lists, value) }
        let settles = wording.attribution == .exact ? "exact attribution could not settle them: see the error" : wording.asksExact + " asks the server which"
        add(.undetermined, { values($0) + " undetermined (a contact came back that no field ties to an input value)" }, settles, value)
        add(.invalid, { "\($0) invalid value\($0 == 1 ? "" : "s") left out" }, wording.listsInvalid, separator: "; ", reason)
        add(.refused, { values($0) + ($0 == 1 ? " was" : " were") + " refused by the server, alone (the others of its batch were answered)" },
            wording.listsInvalid, separator: "; ", reason)
        return notes
    }

    /// What is said when invalid values stop a lookup before it sends anything.
    public static func nothingSent(invalid count: Int) -> String {
        "\(count) invalid value\(count == 1 ? "" : "s"); nothing was sent"
    }
}

extension LookupSummary {
    /// What a note speaks of: values that matched no contact, undetermined ones,
    /// those found invalid before sending, and those the server refused alone.
    public enum NoteKind: Sendable, CaseIterable {
        case unmatched, undetermined, invalid, refused
    }

    /// How many values a note names before it says how many more.
    public static let namedValues = 10

    /// How many input values of one kind there were, and the first of them.
    struct Noted: Sendable {
        struct Entry: Sendable {
            var input: InputValue
            var outcome: SearchResult.Outcome
        }
        var count = 0
        var first: [Entry] = []

        mutating func add(_ input: InputValue, _ outcome: SearchResult.Outcome) {
            count += 1
            if first.count < LookupSummary.namedValues { first.append(Entry(input: input, outcome: outcome)) }
        }
    }
}

/// How a front end words the notes of a lookup (``LookupSummary/notes(_:)``):
/// its own spelling of what lists the values and what settles them.
public struct NoteWording: Sendable {
    /// Values named with their type (`phone:14155550000`), for input that mixes
    /// types unseen (`hmq search`); else as written (a `find` names the type itself).
    public var typed: Bool
    /// What lists every value that matched no contact; nil when the output lists them (no note).
    public var listsUnmatched: String?
    /// The attribution the lookup ran with, and how this front end spells asking
    /// for exact attribution (`--attribution exact`): what settles undetermined values.
    public var attribution: AttributionMode
    public var asksExact: String
    /// What lists the invalid values with their reasons, if anything.
    public var listsInvalid: String?
    /// Where an input value came from (`stdin:12`, `leads.csv:3`), to name an invalid one by.
    public var origin: @Sendable (InputValue) -> String?

    public init(typed: Bool, listsUnmatched: String?, attribution: AttributionMode, asksExact: String, listsInvalid: String?,
                origin: @escaping @Sendable (InputValue) -> String? = { _ in nil }) {
        self.typed = typed
        self.listsUnmatched = listsUnmatched
        self.attribution = attribution
        self.asksExact = asksExact
        self.listsInvalid = listsInvalid
        self.origin = origin
    }
}

/// One note on a lookup's values: what it says, and what to do about it.
public struct LookupNote: Sendable, Equatable {
    public var kind: LookupSummary.NoteKind
    public var message: String
    public var suggestion: String?

    /// The note on one line: the message, then the suggestion in parentheses.
    public var line: String { message + (suggestion.map { " (\($0))" } ?? "") }
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
