/// Puts batch outcomes back in input order as they arrive, and says what
/// became of every input value.
///
/// Rows can be taken early: a contact whose earliest matching input comes
/// before every input of the batches still out can no longer move, and no
/// contact found later can come before it, so ``takeSettled()`` hands it out
/// while the rest of the search goes on. The order is exactly that of
/// ``finish()``; only the matched values of a contact taken early may still
/// grow (a later batch can match it again by another value).
public struct SearchAssembler {
    private let plan: SearchPlan
    private let matcher: ContactMatcher
    // For each distinct value: its first input position and the inputs that normalised to it.
    private var firstInputOfValue: [NormalizedChannelValue: Int] = [:]
    private var originalsOfValue: [NormalizedChannelValue: [ChannelValue]] = [:]
    // The earliest input position each batch holds, for batches not yet in.
    private var outstanding: [Int: Int] = [:]
    // For each distinct value: the contacts that carry it, or why it has none.
    private var contactsOfValue: [NormalizedChannelValue: [Int]] = [:]
    private var failureOfValue: [NormalizedChannelValue: HeymarketError] = [:]
    private var undeterminedValues = Set<NormalizedChannelValue>()
    // Each contact found, the values tied to it, and the last input position of
    // the batch that first returned it (a contact tied to no value comes after that batch's rows).
    private var found: [(contact: Contact, values: [NormalizedChannelValue], batchEnd: Int, candidates: [NormalizedChannelValue])] = []
    private var batchEnd: [Int: Int] = [:]
    private var indexOfID: [Int64: Int] = [:]
    private var pending: [Int] = []
    private var failures: [BatchFailure] = []
    private var attributionFailures: [BatchFailure] = []
    private var requests = 0

    /// An assembler for the outcomes of `plan`'s batches; `normalizer` must be the plan's.
    public init(plan: SearchPlan, normalizer: ChannelNormalizer) {
        self.plan = plan
        self.matcher = ContactMatcher(normalizer: normalizer)
        for (index, input) in plan.inputs.enumerated() {
            guard case .success(let n) = input.normalized else { continue }
            if firstInputOfValue[n] == nil { firstInputOfValue[n] = index }
            if !(originalsOfValue[n]?.contains(input.value) ?? false) { originalsOfValue[n, default: []].append(input.value) }
        }
        for batch in plan.batches {
            let firsts = batch.values.compactMap { firstInputOfValue[$0] }
            outstanding[batch.index] = firsts.min() ?? Int.max
            batchEnd[batch.index] = firsts.max() ?? Int.max
        }
    }

    /// Takes in one batch's outcome (in any order).
    public mutating func add(_ outcome: HeymarketClient.BatchOutcome) {
        outstanding.removeValue(forKey: outcome.batch.index)
        requests += outcome.attempts
        switch outcome.result {
        case .failure(let failure):
            failures.append(failure)
            for v in failure.values { failureOfValue[v] = failure.error }
        case .success(let contacts):
            let values = outcome.batch.values
            let attribution = BatchAttribution(
                valueCount: values.count, fieldHits: matcher.match(contacts: contacts, values: values), probe: outcome.findings)
            for (contact, hitIndexes) in zip(contacts, attribution.hits) {
                let position: Int
                if let id = contact.id, let existing = indexOfID[id] {
                    position = existing
                } else {
                    position = found.count
                    found.append((contact, [], batchEnd[outcome.batch.index] ?? Int.max, []))
                    pending.append(position)
                    if let id = contact.id { indexOfID[id] = position }
                }
                for i in hitIndexes {
                    found[position].values.append(values[i])
                    contactsOfValue[values[i], default: []].append(position)
                }
                if hitIndexes.isEmpty, found[position].values.isEmpty {
                    found[position].candidates += zip(values, attribution.verdicts).filter { $0.1 != .unmatched }.map(\.0)
                }
            }
            for (value, verdict) in zip(values, attribution.verdicts) where verdict == .undetermined {
                undeterminedValues.insert(value)
            }
            if let findings = outcome.findings, let error = findings.failure {
                let unresolved = findings.unresolved.sorted().map { values[$0] }
                attributionFailures.append(BatchFailure(batchIndex: outcome.batch.index, values: unresolved, error: error, attempts: findings.attempts))
            }
        }
    }

    /// The contacts whose place in the final order is settled and that were
    /// not taken before, in that order.
    public mutating func takeSettled() -> [SearchResult.Match] {
        let frontier = outstanding.values.min().map { $0 * 2 } ?? Int.max
        var settled: [(key: Int, position: Int)] = []
        var rest: [Int] = []
        for position in pending {
            let key = self.key(of: position)
            if key < frontier || frontier == Int.max { settled.append((key, position)) } else { rest.append(position) }
        }
        pending = rest
        settled.sort { $0.key != $1.key ? $0.key < $1.key : $0.position < $1.position }
        return settled.map { match(at: $0.position) }
    }

    /// The whole result. Values of batches that never came in (the search was
    /// stopped early) are ``SearchResult/Outcome/notSearched``.
    public func finish() -> SearchResult {
        var inputs: [SearchResult.InputOutcome] = []
        inputs.reserveCapacity(plan.inputs.count)
        var unsent = Set<NormalizedChannelValue>()
        for batch in plan.batches where outstanding[batch.index] != nil { unsent.formUnion(batch.values) }
        for input in plan.inputs {
            switch input.normalized {
            case .failure(let error):
                inputs.append(.init(value: input.value, normalized: nil, outcome: .invalid(error)))
            case .success(let n):
                let outcome: SearchResult.Outcome
                if let error = failureOfValue[n] {
                    outcome = .failed(error)
                } else if let positions = contactsOfValue[n] {
                    outcome = .matched(contactCount: Set(positions).count)
                } else if unsent.contains(n) {
                    outcome = .notSearched
                } else if undeterminedValues.contains(n) {
                    outcome = .undetermined
                } else {
                    outcome = .unmatched
                }
                inputs.append(.init(value: input.value, normalized: n, outcome: outcome))
            }
        }
        // Input order: by the earliest input a contact matched; one tied to no value after its batch's rows.
        let ordered = found.indices.sorted { a, b in
            let (ka, kb) = (key(of: a), key(of: b))
            return ka != kb ? ka < kb : a < b
        }
        return SearchResult(matches: ordered.map(match(at:)), inputs: inputs, failures: failures, requestCount: requests,
                            attributionFailures: attributionFailures)
    }

    /// Where a contact goes in input order, in half steps: `2 × input` for the
    /// earliest input tied to it, else `2 × (its batch's last input) + 1`.
    private func key(of position: Int) -> Int {
        if let first = found[position].values.compactMap({ firstInputOfValue[$0] }).min() { return first * 2 }
        let end = found[position].batchEnd
        return end == Int.max ? Int.max : end * 2 + 1
    }

    private func match(at position: Int) -> SearchResult.Match {
        var originals: [ChannelValue] = []
        for v in found[position].values {
            for original in originalsOfValue[v] ?? [] where !originals.contains(original) { originals.append(original) }
        }
        var candidates: [ChannelValue] = []
        if originals.isEmpty {
            for v in found[position].candidates {
                for original in originalsOfValue[v] ?? [] where !candidates.contains(original) { candidates.append(original) }
            }
        }
        return SearchResult.Match(contact: found[position].contact, matchedValues: originals, candidates: candidates)
    }
}
