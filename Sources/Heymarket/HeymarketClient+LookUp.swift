import HMQJSON

/// What a lookup reports as it goes (see ``HeymarketClient/lookUp(_:planner:census:retainingMatches:settlesRestWhenStopped:readerMayStop:_:)``), in this order:
/// `planned` once; `progress` with nothing done yet (when there is a batch to
/// send, so a slow first answer is not silence); then for each batch, in batch order, `progress`, `batch`,
/// the `outcome` of every input value it settled (in input order) and `settled`;
/// at the end the `outcome` of each value never searched.
public enum LookupEvent: Sendable {
    /// The first pass is done: counts, invalid values, repeats. Nothing is sent yet.
    case planned(PlanCensus)
    /// Where the lookup is, as a batch comes in.
    case progress(LookupProgress)
    /// A batch is in.
    case batch(LookupBatch)
    /// One input value's outcome, in input order.
    case outcome(InputValue, NormalizedChannelValue?, SearchResult.Outcome)
    /// Every outcome the last batch settled has been handed over.
    case settled
}

/// What one batch added to a lookup.
public struct LookupBatch: Sendable {
    /// The contacts it found that no earlier batch did, in input order.
    public var matches: [SearchResult.Match]
    /// The contacts of its answer each of its values is tied to (by a field, or
    /// proven by exact attribution), found before or not, in answer order.
    public var ties: [NormalizedChannelValue: [Contact]]
    /// Its exact attribution, when it could not finish (its values stay undetermined).
    public var attributionFailure: BatchFailure?
}

extension HeymarketClient {
    /// The one lookup every front end runs: the values `open` reads are
    /// normalised and counted (a census pass, unless `census` is given), sent
    /// in batches (paced, retried, ``SearchOptions/concurrency`` at once) and
    /// assembled in order, and every input value gets its outcome in input
    /// order, with a pass of its own beside the batches: memory depends on
    /// batch × concurrency and on the values repeated, not on the input.
    ///
    /// `onEvent` hears each ``LookupEvent`` and returns false to stop (heard
    /// after `planned`, `batch` and `settled`): no batch is sent after that.
    /// At the end, or when stopped and `settlesRestWhenStopped`, the values never
    /// searched are handed over as ``SearchResult/Outcome/notSearched``.
    /// With `retainingMatches`, the summary holds every contact found (a whole result).
    /// `readerMayStop`: the reader may stop before the end (a `limit`; see ``batchOutcomes(_:readerMayStop:)``).
    ///
    /// Authentication failures and an unreachable server stop the batches
    /// (those not sent fail with that error); they end in the summary, as every
    /// failed batch does. A cancelled task throws `CancellationError`.
    public nonisolated(nonsending) func lookUp(_ open: InputOpener, planner: SearchPlanner, census: PlanCensus? = nil, retainingMatches: Bool = false,
                                               settlesRestWhenStopped: Bool = true, readerMayStop: Bool = false,
                                               _ onEvent: (LookupEvent) throws -> Bool) async throws -> LookupSummary {
        let census = try census ?? planner.census(open)
        var summary = LookupSummary()
        var stopped = try !onEvent(.planned(census))
        var cursor = OutcomeCursor(reader: try open(), planner: planner, census: census)
        func handOver(toTheEnd: Bool) throws {
            try cursor.advance(toTheEnd: toTheEnd) { input, normalized, outcome in
                summary.count(input, outcome, normalized)
                _ = try onEvent(.outcome(input, normalized, outcome))
            }
        }
        if !stopped {
            let source = try planner.batches(open, census: census)
            var assembler = SearchAssembler(normalizer: planner.normalizer, retainingMatches: retainingMatches, answers: planner.answers)
            var counter = ProgressCounter(census: census, client: self)
            if census.batchCount > 0 { _ = try onEvent(.progress(counter.progress)) }
            for try await outcome in batchOutcomes(source, readerMayStop: readerMayStop) {
                let failuresBefore = assembler.attributionFailures.count
                let step = assembler.add(outcome)
                cursor.learn(step.outcomes)
                _ = try onEvent(.progress(counter.add(outcome)))
                let batch = LookupBatch(matches: step.matches, ties: step.ties, attributionFailure: assembler.attributionFailures.dropFirst(failuresBefore).first)
                guard try onEvent(.batch(batch)) else { stopped = true; break }
                try handOver(toTheEnd: false)
                guard try onEvent(.settled) else { stopped = true; break }
            }
            summary.matches = assembler.matches
            summary.failures = assembler.failures
            summary.attributionFailures = assembler.attributionFailures
            summary.requestCount = assembler.requests
            summary.cachedCount = assembler.cachedCount
        }
        // A cancelled task ends the stream early without an error: never pass that off as the result.
        try Task.checkCancellation()
        summary.ranToTheEnd = !stopped
        if !stopped || settlesRestWhenStopped { try handOver(toTheEnd: true) }
        return summary
    }
}

extension SearchPlanner {
    /// Hands `body` the batches a lookup of the input `census` was taken of
    /// would send, one at a time and in order, without sending them (`explain`).
    public func forEachBatch(_ open: InputOpener, census: PlanCensus, _ body: (ChannelBatch) throws -> Void) throws {
        let source = try batches(open, census: census)
        while let batch = try source.next() { try body(batch) }
    }
}
