/// Where a lookup is, as a progress line shows it: batches and values done,
/// and the 429 answers met on the way.
public struct LookupProgress: Sendable, Equatable {
    public var batchesDone: Int
    public var batchesTotal: Int
    public var valuesDone: Int
    public var valuesTotal: Int
    /// 429 answers the client has had so far (waited out and retried).
    public var rateLimited: Int
    /// Of ``valuesDone``, those whose batches came from a checkpoint, or answered from the cache (no request: not part of the speed).
    public var valuesReplayed: Int

    public init(batchesDone: Int, batchesTotal: Int, valuesDone: Int, valuesTotal: Int, rateLimited: Int = 0, valuesReplayed: Int = 0) {
        self.valuesReplayed = valuesReplayed
        self.batchesDone = batchesDone
        self.batchesTotal = batchesTotal
        self.valuesDone = valuesDone
        self.valuesTotal = valuesTotal
        self.rateLimited = rateLimited
    }

    public var isFinished: Bool { batchesDone >= batchesTotal }
}

/// Called as a lookup's batches finish, in batch order.
public typealias ProgressHandler = @Sendable (LookupProgress) -> Void

/// Counts a plan's batches and values as their outcomes arrive.
struct ProgressCounter: Sendable {
    private let client: HeymarketClient
    private(set) var progress: LookupProgress

    init(census: PlanCensus, client: HeymarketClient) {
        self.client = client
        progress = LookupProgress(batchesDone: 0, batchesTotal: census.batchCount, valuesDone: 0, valuesTotal: census.distinctCount)
    }

    /// The progress once `outcome` is in.
    mutating func add(_ outcome: HeymarketClient.BatchOutcome) -> LookupProgress {
        // A batch answered from the cache alone sent no request: not one of the batches counted.
        if !outcome.batch.values.isEmpty || !outcome.rejected.isEmpty { progress.batchesDone += 1 }
        progress.batchesTotal = max(progress.batchesTotal, progress.batchesDone)
        progress.valuesDone += outcome.batch.values.count + outcome.rejected.count + outcome.batch.cached.count
        if outcome.attempts == 0, case .success = outcome.result { progress.valuesReplayed += outcome.batch.values.count }
        progress.valuesReplayed += outcome.batch.cached.count
        progress.rateLimited = client.rateLimitedCount
        return progress
    }
}
