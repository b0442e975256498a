/// The answer to a bulk search: the contacts in input order, what became of
/// every input value, and any batch that failed with the values it held.
public struct SearchResult: Sendable {
    /// A contact and the input values it matched.
    public struct Match: Sendable, Hashable {
        public var contact: Contact
        /// The input values (as the user gave them) known to have found this
        /// contact: a field of the contact shows them, or exact attribution
        /// proved it. Empty when no value can be tied to it (it was found by a
        /// channel none of its fields show): the contact is still returned,
        /// and ``candidates`` says which values may have found it.
        public var matchedValues: [ChannelValue]
        /// When ``matchedValues`` is empty: the values of its batch that may have found it.
        public var candidates: [ChannelValue]

        public init(contact: Contact, matchedValues: [ChannelValue], candidates: [ChannelValue] = []) {
            self.contact = contact
            self.matchedValues = matchedValues
            self.candidates = candidates
        }
    }

    /// What happened to one input value.
    public enum Outcome: Sendable, Hashable {
        /// Found these contacts (by id, where the contact has one).
        case matched(contactCount: Int)
        /// The server answered and no contact of the answer can be this value's
        /// (every contact is tied to another value by a field, or the answer is empty).
        case unmatched
        /// Its batch's answer holds a contact that no field ties to any input
        /// value, so this value may have found it: hmq cannot tell without
        /// asking again (``AttributionMode/exact`` does).
        case undetermined
        /// Not sent: the value is not valid for its type.
        case invalid(HeymarketError)
        /// Sent, but its batch failed after every retry.
        case failed(HeymarketError)
        /// Never sent: the search was stopped early because the rest was not
        /// needed (a `limit` was reached).
        case notSearched
    }

    /// An input value and its outcome.
    public struct InputOutcome: Sendable, Hashable {
        public var value: ChannelValue
        public var normalized: NormalizedChannelValue?
        public var outcome: Outcome

        public init(value: ChannelValue, normalized: NormalizedChannelValue?, outcome: Outcome) {
            self.value = value
            self.normalized = normalized
            self.outcome = outcome
        }
    }

    /// Matching contacts, de-duplicated by id, ordered by the first input value they matched.
    public var matches: [Match]
    /// Every input value in the order given, with its outcome.
    public var inputs: [InputOutcome]
    /// Batches that failed after their retries.
    public var failures: [BatchFailure]
    /// Batches whose exact attribution could not finish (a sub-search failed, or
    /// the server's answers disagreed): their `values` stay undetermined.
    public var attributionFailures: [BatchFailure]
    /// HTTP requests sent, retries included.
    public var requestCount: Int
    /// Distinct values answered from the ``AnswerCache`` (not sent).
    public var cachedCount = 0

    public init(matches: [Match], inputs: [InputOutcome], failures: [BatchFailure], requestCount: Int, attributionFailures: [BatchFailure] = []) {
        self.matches = matches
        self.inputs = inputs
        self.failures = failures
        self.requestCount = requestCount
        self.attributionFailures = attributionFailures
    }

    /// Just the contacts.
    public var contacts: [Contact] { matches.map(\.contact) }

    /// Input values that matched no contact (the server answered, nothing carried them).
    public var unmatched: [ChannelValue] {
        inputs.compactMap { if case .unmatched = $0.outcome { return $0.value } else { return nil } }
    }

    /// Input values that were not sent because they are invalid.
    public var invalid: [(value: ChannelValue, error: HeymarketError)] {
        inputs.compactMap { if case .invalid(let e) = $0.outcome { return ($0.value, e) } else { return nil } }
    }

    /// Input values whose outcome hmq cannot tell (see ``Outcome/undetermined``).
    public var undetermined: [ChannelValue] {
        inputs.compactMap { if case .undetermined = $0.outcome { return $0.value } else { return nil } }
    }

    /// The server's refusal of the credentials (401, 403), when it stopped the search.
    public var refusal: HeymarketError? { failures.first { $0.error.isAuthentication }?.error }

    /// True when every batch succeeded.
    public var isComplete: Bool { failures.isEmpty }
}

/// A batch that still failed after its retries, with every value it held, so
/// nothing is lost silently.
public struct BatchFailure: Error, Sendable, Hashable, CustomStringConvertible {
    public var batchIndex: Int
    public var values: [NormalizedChannelValue]
    public var error: HeymarketError
    public var attempts: Int

    public var description: String {
        let ids = values.map(\.value).joined(separator: ", ")
        let what = attempts == 0 ? "was not sent" : "failed after \(attempts) attempt\(attempts == 1 ? "" : "s")"
        return "batch \(batchIndex + 1) \(what): \(error); its \(values.count) value\(values.count == 1 ? "" : "s"): \(ids)"
    }
}

extension SearchResult {
    /// Gathers the events of a lookup that retains its matches into a whole result.
    public struct Collector {
        private let progress: ProgressHandler?
        private var inputs: [InputOutcome] = []

        /// `progress` hears the lookup's progress events.
        public init(progress: ProgressHandler? = nil) { self.progress = progress }

        public mutating func hear(_ event: LookupEvent) {
            switch event {
            case .progress(let now): progress?(now)
            case .outcome(let input, let normalized, let outcome): inputs.append(.init(value: input.value, normalized: normalized, outcome: outcome))
            case .planned, .batch, .settled: break
            }
        }

        /// The result, once the lookup has ended with `summary`.
        public func result(_ summary: LookupSummary) -> SearchResult {
            var result = SearchResult(matches: summary.matches, inputs: inputs, failures: summary.failures, requestCount: summary.requestCount,
                                      attributionFailures: summary.attributionFailures)
            result.cachedCount = summary.cachedCount
            return result
        }
    }

    /// The summary of this result's lookup (see ``LookupSummary``).
    public var summary: LookupSummary { summary(of: inputs.map { InputValue($0.value) }) }

    /// The summary of this result's lookup, whose input values (with where each
    /// came from, for the notes) were `values`, one per ``inputs`` entry.
    public func summary(of values: [InputValue]) -> LookupSummary {
        var summary = LookupSummary(failures: failures, attributionFailures: attributionFailures, requestCount: requestCount)
        summary.cachedCount = cachedCount
        for (value, input) in zip(values, inputs) { summary.count(value, input.outcome, input.normalized) }
        return summary
    }
}
