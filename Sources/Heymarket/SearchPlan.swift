/// What a search will send: every input value normalised (or rejected), the
/// distinct values, and the batches (one request each).
public struct SearchPlan: Sendable {
    /// One input value and what normalisation made of it.
    public struct Input: Sendable {
        public var value: ChannelValue
        public var normalized: Result<NormalizedChannelValue, HeymarketError>
    }

    /// Every input in the order given, duplicates included.
    public var inputs: [Input]
    /// The distinct normalised values, grouped by type in order of first appearance.
    public var values: [NormalizedChannelValue]
    /// The requests to send.
    public var batches: [ChannelBatch]
}

/// One request's worth of values.
public struct ChannelBatch: Sendable, Hashable {
    /// Position in the plan, from 0.
    public var index: Int
    /// The distinct normalised values this request carries.
    public var values: [NormalizedChannelValue]
    /// The request body for them.
    public var body: SearchRequestBody { SearchRequestBody(values: values) }
}

/// Normalises, de-duplicates, groups by type and packs values into batches.
public struct SearchPlanner: Sendable {
    /// At most this many ids per request.
    public var batchSize: Int
    public var normalizer: ChannelNormalizer
    /// Text no value may hold (the client's own credentials): such a value is
    /// refused, never sent, and its text never shown.
    public var forbidden: [String]

    public init(batchSize: Int = 100, normalizer: ChannelNormalizer = ChannelNormalizer(), forbidden: [String] = []) {
        self.batchSize = max(1, batchSize)
        self.normalizer = normalizer
        self.forbidden = forbidden.filter { $0.count >= 8 }
    }

    /// The plan for `values`. Values of a type stay together, so a batch holds as
    /// few `contact_channels` entries as possible; a batch may span two types, so
    /// the request count is `ceil(distinct values / batchSize)`.
    public func plan(_ values: [ChannelValue]) -> SearchPlan {
        var inputs: [SearchPlan.Input] = []
        inputs.reserveCapacity(values.count)
        var seen = Set<NormalizedChannelValue>()
        var typeOrder: [String?] = []
        var byType: [String?: [NormalizedChannelValue]] = [:]
        for value in values {
            let normalized = forbidden.contains(where: { value.value.contains($0) })
                ? .failure(HeymarketError(.credentialInValue, message: "\(value.type ?? "value") holding a credential of this session (not shown): hmq never sends it"))
                : normalizer.normalize(value)
            inputs.append(.init(value: value, normalized: normalized))
            guard case .success(let n) = normalized, seen.insert(n).inserted else { continue }
            if byType[n.type] == nil { typeOrder.append(n.type) }
            byType[n.type, default: []].append(n)
        }
        let distinct = typeOrder.flatMap { byType[$0] ?? [] }
        var batches: [ChannelBatch] = []
        var start = 0
        while start < distinct.count {
            let end = min(start + batchSize, distinct.count)
            batches.append(ChannelBatch(index: batches.count, values: Array(distinct[start..<end])))
            start = end
        }
        return SearchPlan(inputs: inputs, values: distinct, batches: batches)
    }
}
