extension SearchResult {
    /// The part of this result that answers `plan` (whose values were searched
    /// with others): its contacts in its input order, and the outcome of each of
    /// its values. Several finds of a script are searched together this way.
    public func restricted(to plan: SearchPlan) -> SearchResult {
        let shared = self
        var outcomeOf: [NormalizedChannelValue: SearchResult.Outcome] = [:]
        var normalizedOf: [ChannelValue: NormalizedChannelValue] = [:]
        for input in shared.inputs {
            guard let n = input.normalized else { continue }
            if outcomeOf[n] == nil { outcomeOf[n] = input.outcome }
            normalizedOf[input.value] = n
        }
        var firstIndex: [NormalizedChannelValue: Int] = [:]
        var originals: [NormalizedChannelValue: [ChannelValue]] = [:]
        var inputs: [SearchResult.InputOutcome] = []
        for (i, input) in plan.inputs.enumerated() {
            switch input.normalized {
            case .failure(let e): inputs.append(.init(value: input.value, normalized: nil, outcome: .invalid(e)))
            case .success(let n):
                if firstIndex[n] == nil { firstIndex[n] = i }
                if !(originals[n]?.contains(input.value) ?? false) { originals[n, default: []].append(input.value) }
                inputs.append(.init(value: input.value, normalized: n, outcome: outcomeOf[n] ?? .notSearched))
            }
        }
        func mine(_ values: [ChannelValue]) -> (key: [Int], originals: [ChannelValue]) {
            var keys: [Int] = []
            var mineOriginals: [ChannelValue] = []
            for value in values {
                guard let n = normalizedOf[value], let index = firstIndex[n] else { continue }
                keys.append(index)
                for o in originals[n] ?? [] where !mineOriginals.contains(o) { mineOriginals.append(o) }
            }
            return (keys, mineOriginals)
        }
        // Keys in half steps, as the assembler orders them: a contact tied to no
        // value comes after the last of this find's values that may have found it.
        var matches: [(Int, SearchResult.Match)] = []
        for match in shared.matches {
            let tied = mine(match.matchedValues)
            if let first = tied.key.min() {
                matches.append((first * 2, SearchResult.Match(contact: match.contact, matchedValues: tied.originals)))
            } else if match.matchedValues.isEmpty {
                let possible = mine(match.candidates)
                if let last = possible.key.max() {
                    matches.append((last * 2 + 1, SearchResult.Match(contact: match.contact, matchedValues: [], candidates: possible.originals)))
                }
            }
        }
        matches.sort { $0.0 < $1.0 }
        let myValues = Set(firstIndex.keys)
        let failures = shared.failures.filter { !Set($0.values).isDisjoint(with: myValues) }
        let attributionFailures = shared.attributionFailures.filter { !Set($0.values).isDisjoint(with: myValues) }
        return SearchResult(matches: matches.map(\.1), inputs: inputs, failures: failures, requestCount: shared.requestCount,
                            attributionFailures: attributionFailures)
    }
}
