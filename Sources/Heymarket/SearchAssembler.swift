/// Turns batch outcomes, taken in batch order, into contacts in input order
/// and an outcome for every value.
///
/// Batches hold values in order of first appearance, so once batch `k` is in
/// (and every batch before it), the contacts it found that no earlier batch
/// found go right after those: in the order of the earliest input tied to
/// each, a contact tied to no value after its batch's last input. Nothing is
/// kept per input: a contact already handed out is known by its
/// ``Contact/Identity`` (the records of one id in an answer are one contact), and with
/// `retainingMatches` (a whole result) the matches are kept so that the
/// values of a contact found again are added to it.
struct SearchAssembler {
    private let matcher: ContactMatcher
    private let retains: Bool
    /// Where proven answers are stored (nil: nowhere).
    private let answers: AnswerCache.Use?
    private var handedOut = Set<Contact.Identity>()
    private var retainedIndex: [Contact.Identity: Int] = [:]
    /// With `retainingMatches`: every contact found, in input order.
    private(set) var matches: [SearchResult.Match] = []
    private(set) var failures: [BatchFailure] = []
    private(set) var attributionFailures: [BatchFailure] = []
    /// Requests sent, retries and exact attribution's included.
    private(set) var requests = 0
    /// Distinct values answered from the answer cache.
    private(set) var cachedCount = 0
    private var nextBatch = 0

    /// What one batch adds: its new contacts, and what became of each of its values.
    struct Step {
        var matches: [SearchResult.Match] = []
        var outcomes: [NormalizedChannelValue: SearchResult.Outcome] = [:]
        /// The contacts of the batch's answer each value is tied to (by a field, or
        /// proven by exact attribution), found before or not, in answer order.
        var ties: [NormalizedChannelValue: [Contact]] = [:]
    }

    /// `normalizer` must be the plan's. `answers`: where the values a batch
    /// settles are kept (see ``AnswerCache``).
    init(normalizer: ChannelNormalizer, retainingMatches: Bool = false, answers: AnswerCache.Use? = nil) {
        matcher = ContactMatcher(normalizer: normalizer)
        retains = retainingMatches
        self.answers = answers
    }

    /// Takes in the next batch's outcome (outcomes come in batch order).
    mutating func add(_ outcome: HeymarketClient.BatchOutcome) -> Step {
        precondition(outcome.batch.index == nextBatch, "batch outcomes are assembled in batch order")
        nextBatch += 1
        requests += outcome.attempts
        var step = Step()
        let batch = outcome.batch
        answers?.cache.count(hits: batch.cached.count, misses: batch.values.count + outcome.rejected.count)
        cachedCount += batch.cached.count
        // The batch's values, sent and then answered from the cache, with each one's contacts (``Step/ties``).
        let sent = batch.values.count
        let values = batch.values + batch.cached.map(\.value)
        let firstInputs = batch.firstInputs + batch.cached.map(\.firstInput)
        let writings = batch.writings + batch.cached.map(\.writings)
        var contacts: [Contact] = []
        var hits: [[Int]] = []
        var verdicts: [BatchAttribution.Verdict] = []
        /// The answer holds a contact no value sent is tied to (fast attribution).
        var untied = false
        switch outcome.result {
        case .failure(let failure):
            failures.append(failure)
            verdicts = Array(repeating: .undetermined, count: sent)
            for v in batch.values { step.outcomes[v] = .failed(failure.error) }
        case .success(let records):
            // One contact sent as several records is one contact, tied by all of them.
            let groups = Contact.grouped(records)
            contacts = groups.map { $0[0] }
            let attribution = BatchAttribution(
                // Matched once: exact attribution already did, when it looked at the answer.
                valueCount: sent, fieldHits: outcome.fieldHits ?? matcher.match(contacts: groups, values: batch.values), probe: outcome.findings)
            hits = attribution.hits
            verdicts = attribution.verdicts
            untied = hits.contains(where: \.isEmpty)
            if let findings = outcome.findings, let error = findings.failure {
                let unresolved = findings.unresolved.sorted().map { batch.values[$0] }
                attributionFailures.append(BatchFailure(batchIndex: batch.index, values: unresolved, error: error, attempts: findings.attempts))
            }
        }
        let sentContacts = contacts.count
        // The cached values' contacts join the answer's: one contact found both ways is one contact.
        var indexOf = Dictionary(contacts.enumerated().map { ($1.identity, $0) }, uniquingKeysWith: { first, _ in first })
        for (i, cached) in batch.cached.enumerated() {
            verdicts.append(cached.contacts.isEmpty ? .unmatched : .matched)
            for contact in cached.contacts {
                if let at = indexOf[contact.identity] {
                    hits[at].append(sent + i)
                } else {
                    indexOf[contact.identity] = contacts.count
                    contacts.append(contact)
                    hits.append([sent + i])
                }
            }
        }
        let batchEnd = firstInputs.max() ?? 0
        var contactsOfValue = [Int](repeating: 0, count: values.count)
        var new: [(key: Int, order: Int, match: SearchResult.Match)] = []
        for (contact, hitIndexes) in zip(contacts, hits) {
            for i in hitIndexes {
                contactsOfValue[i] += 1
                step.ties[values[i], default: []].append(contact)
            }
            // In input order, wherever the value came from (sent, or answered from the cache).
            let matched = Self.writings(of: batch.cached.isEmpty ? hitIndexes : hitIndexes.sorted { firstInputs[$0] < firstInputs[$1] }, in: writings)
            if !handedOut.insert(contact.identity).inserted {
                // Found before, so placed before: only its values can grow.
                if retains, let at = retainedIndex[contact.identity] {
                    let known = Set(matches[at].matchedValues)
                    matches[at].matchedValues += matched.filter { !known.contains($0) }
                }
                continue
            }
            let key: Int
            var candidates: [ChannelValue] = []
            if let first = hitIndexes.map({ firstInputs[$0] }).min() {
                key = first * 2
            } else {
                key = batchEnd * 2 + 1
                candidates = Self.writings(of: verdicts.indices.filter { $0 < sent && verdicts[$0] != .unmatched }, in: writings)
            }
            new.append((key, new.count, SearchResult.Match(contact: contact, matchedValues: matched, candidates: candidates)))
        }
        new.sort { $0.key != $1.key ? $0.key < $1.key : $0.order < $1.order }
        step.matches = new.map(\.match)
        if case .success = outcome.result {
            for (i, value) in batch.values.enumerated() {
                switch (contactsOfValue[i], verdicts[i]) {
                case (let n, _) where n > 0: step.outcomes[value] = .matched(contactCount: n)
                case (_, .undetermined): step.outcomes[value] = .undetermined
                default: step.outcomes[value] = .unmatched
                }
            }
            // Only an answer the server just gave is kept as new (not one journaled before: it is as old as that),
            // and only when it settled every value.
            // A contact no value is tied to (fast attribution) may be any value's: nothing is known whole or together.
            if let answers, outcome.replayedLine == nil, outcome.rejected.isEmpty, outcome.findings?.failure == nil,
               !verdicts.prefix(sent).contains(.undetermined), !untied {
                keep(batch.values.indices.map { (batch.values[$0], verdicts[$0], contactsOfValue[$0]) }, contactsInAnswer: sentContacts, ties: step.ties, in: answers.cache)
            }
        }
        for (i, cached) in batch.cached.enumerated() {
            step.outcomes[cached.value] = contactsOfValue[sent + i] > 0 ? .matched(contactCount: contactsOfValue[sent + i]) : .unmatched
        }
        // Values the server refused alone (the batch was asked again in parts): invalid, and a failure of the run.
        for (value, error) in outcome.rejected {
            step.outcomes[value] = .invalid(error)
            failures.append(BatchFailure(batchIndex: batch.index, values: [value], error: error, attempts: 1))
        }
        if retains {
            for match in step.matches {
                retainedIndex[match.contact.identity] = matches.count
                matches.append(match)
            }
        }
        return step
    }

    /// Keeps what a batch's answer settled: a value that found no contact, whole;
    /// the values that found one, with their group (all of them), each whole
    /// when every contact of the answer is its own (see ``AnswerCache``).
    private func keep(_ values: [(NormalizedChannelValue, BatchAttribution.Verdict, contacts: Int)], contactsInAnswer: Int,
                      ties: [NormalizedChannelValue: [Contact]], in cache: AnswerCache) {
        let matched = values.filter { $0.1 == .matched }.map(\.0)
        let group = matched.isEmpty ? nil : AnswerCache.group(of: matched)
        for (value, verdict, contacts) in values {
            if verdict == .unmatched {
                cache.store(value, contacts: [], whole: true, group: nil)
            } else {
                cache.store(value, contacts: ties[value] ?? [], whole: contacts == contactsInAnswer, group: group)
            }
        }
    }

    /// Every writing of the values at `indexes`, each once, in order.
    private static func writings(of indexes: [Int], in writings: [[ChannelValue]]) -> [ChannelValue] {
        var out: [ChannelValue] = []
        var seen = Set<ChannelValue>()
        for i in indexes { for w in writings[i] where seen.insert(w).inserted { out.append(w) } }
        return out
    }
}

/// Walks the input a second time, beside the batches, and says what became
/// of each input value as soon as its batch is in: in input order, with
/// repeats and invalid values in their places. It holds the outcomes of the
/// values of batches in but not yet walked past, and of repeated values.
struct OutcomeCursor {
    private let reader: any InputReader
    private let planner: SearchPlanner
    private let repeated: [ValueFingerprint: [ChannelValue]]
    private var known: [NormalizedChannelValue: SearchResult.Outcome] = [:]
    private var held: (input: InputValue, normalized: Result<NormalizedChannelValue, HeymarketError>)?
    private var ended = false

    init(reader: any InputReader, planner: SearchPlanner, census: PlanCensus) {
        self.reader = reader
        self.planner = planner
        self.repeated = census.repeated
    }

    /// Outcomes of the values of a batch now in.
    mutating func learn(_ outcomes: [NormalizedChannelValue: SearchResult.Outcome]) {
        known.merge(outcomes) { _, new in new }
    }

    /// Hands over, in input order, the inputs whose outcome is known, up to
    /// the first that is not (all of them with `toTheEnd`: values never
    /// searched, since the lookup stopped, are ``SearchResult/Outcome/notSearched``).
    mutating func advance(toTheEnd: Bool = false, _ body: (InputValue, NormalizedChannelValue?, SearchResult.Outcome) throws -> Void) throws {
        while true {
            if held == nil {
                guard !ended, let input = try reader.next() else {
                    ended = true
                    return
                }
                held = (input, planner.normalize(input.value))
            }
            guard let (input, normalized) = held else { return }
            switch normalized {
            case .failure(let error):
                try body(input, nil, .invalid(error))
            case .success(let n):
                if let outcome = known[n] {
                    if !repeated.isEmpty, repeated[ValueFingerprint(n)] != nil {
                        // Met again later: keep what became of it.
                    } else {
                        known.removeValue(forKey: n)
                    }
                    try body(input, n, outcome)
                } else if toTheEnd {
                    try body(input, n, .notSearched)
                } else {
                    return
                }
            }
            held = nil
        }
    }
}
