extension HeymarketClient {
    /// How exact attribution asks its questions (see ``ProbeQuestions``).
    enum AttributionStrategy: Sendable {
        /// The questions of many batches share requests (``AttributionPool``). The default.
        case pooled
        /// Each batch's questions in requests of their own, as soon as its answer is in
        /// (kept to measure the pool against: it never sends fewer requests).
        case perBatch
    }

    /// Runs the batches of `source`, up to ``SearchOptions/concurrency``
    /// requests at once, and yields their outcomes in batch order. Batches
    /// start as outcomes are asked for (never more than `concurrency` ahead of
    /// the reader; with exact attribution, while a batch waits for others'
    /// values to share its questions' requests, up to ``pooledBatches`` more),
    /// so a reader that stops early stops the search: no batch past those is
    /// sent. Cancelling the reading task cancels the requests in flight.
    ///
    /// - Parameter readerMayStop: the reader may stop before the last outcome
    ///   (a `limit`): exact attribution then starts no batch beyond
    ///   `concurrency` ahead of it to share requests with, since those would
    ///   be sent for nothing when it stops.
    func batchOutcomes(_ source: BatchSource, readerMayStop: Bool = false) -> BatchOutcomes {
        BatchOutcomes(client: self, source: source, readerMayStop: readerMayStop)
    }

    /// How many batches exact attribution may hold beyond `concurrency` while
    /// they wait to share requests: `batch` of them, and no more than 10,000
    /// values (but always one).
    var pooledBatches: Int { max(1, min(options.batchSize, 10_000 / options.batchSize)) }

    /// The outcomes of a plan's batches, in batch order (see ``batchOutcomes(_:)``).
    struct BatchOutcomes: AsyncSequence, Sendable {
        typealias Element = BatchOutcome
        let client: HeymarketClient
        let source: BatchSource
        let readerMayStop: Bool

        func makeAsyncIterator() -> Iterator { Iterator(client: client, source: source, readerMayStop: readerMayStop) }

        /// What the requests in flight report back.
        enum Event: Sendable {
            /// A batch's answer (`attribution`: what exact attribution must ask about, when anything).
            case answered(position: Int, Result<(BatchOutcome, attribution: Attribution?), any Error>)
            /// An answer to a request of exact attribution's pool, or its failure after retries.
            case probed(id: Int, Result<[Contact], HeymarketError>, attempts: Int)
            /// A request of the pool that ended without an answer (cancelled).
            case probeThrew(id: Int, any Error)
        }

        /// A batch's contacts, one per id, and the values each one's fields show.
        struct Attribution: Sendable {
            var contacts: [Contact]
            var fieldHits: [[Int]]
        }

        final class Iterator: AsyncIteratorProtocol {
            private let client: HeymarketClient
            private let source: BatchSource
            private let readerMayStop: Bool
            /// The checkpoint journal and this lookup's number in it, once the first outcome is asked for.
            private var journal: (checkpoint: SearchCheckpoint, lookup: Int)?
            private var begun = false
            /// Set once the credentials are refused or the server is unreachable: no request is sent after that.
            private var stopped: HeymarketError?
            /// Batches taken from the source, and outcomes handed out.
            private var started = 0
            private var yielded = 0
            private var sourceEnded = false
            /// Outcomes in hand, by position, not handed out yet.
            private var arrived: [Int: BatchOutcome] = [:]
            private var answering: [Int: Task<Void, Never>] = [:]
            private var probing: [Int: (probe: AttributionPool.Probe, task: Task<Void, Never>)] = [:]
            /// Exact attribution's questions, pooled across batches (nil: fast, or one batch at a time).
            private var pool: AttributionPool?
            /// Requests of the pool not yet counted in an outcome handed out.
            private var uncounted = 0
            private let post: AsyncStream<Event>.Continuation
            private var events: AsyncStream<Event>.AsyncIterator

            init(client: HeymarketClient, source: BatchSource, readerMayStop: Bool) {
                self.client = client
                self.source = source
                self.readerMayStop = readerMayStop
                let (stream, post) = AsyncStream.makeStream(of: Event.self)
                self.post = post
                events = stream.makeAsyncIterator()
            }

            private var inFlight: Int { answering.count + probing.count }

            func next() async throws -> BatchOutcome? {
                if !begun {
                    begun = true
                    if let path = client.options.checkpoint {
                        let checkpoint = try client.checkpoints.journal(at: path)
                        let lookup = try checkpoint.begin(source.census, server: client.serverName ?? client.baseURL.description, attribution: client.options.attribution,
                                                       credentials: client.tokens.credentials)
                        journal = (checkpoint, lookup)
                        if let (done, of) = checkpoint.progress(ofLookup: lookup), done > 0 {
                            client.notice?("resuming from checkpoint '\(path)': \(done) of \(of) batch\(of == 1 ? "" : "es") \(done == 1 ? "was answered before and is" : "were answered before and are") not sent again"
                                           + (done == of ? " (these answers are as old as the checkpoint; delete it for fresh ones)" : ""))
                        }
                    }
                    if client.options.attribution == .exact, client.attributionStrategy == .pooled {
                        pool = AttributionPool(capacity: client.options.batchSize)
                    }
                }
                while true {
                    if let failure = journal?.checkpoint.writeFailure { throw failure }
                    switch try head() {
                    case .ready(let outcome): return outcome
                    case .ended: return nil
                    case .waiting: break
                    }
                    try launch()
                    if inFlight == 0 {
                        // Nothing out, and the next outcome waits for its attribution: it cannot go on (never expected).
                        guard var outcome = arrived[yielded], pool?.holds(yielded) == true else { continue }
                        outcome.findings = AttributionProbe.Findings()
                        outcome.findings?.failure = HeymarketError(.malformedResponse, message: "exact attribution found nothing to ask (an internal error)")
                        outcome.findings?.unresolved = Set(0..<outcome.batch.values.count)
                        pool?.remove(yielded)
                        arrived[yielded] = outcome
                        continue
                    }
                    let tasks = answering.values.map { $0 } + probing.values.map(\.task)
                    let event = await withTaskCancellationHandler {
                        await events.next()
                    } onCancel: {
                        for task in tasks { task.cancel() }
                    }
                    guard let event else { throw CancellationError() }
                    try take(event)
                }
            }

            private enum Head {
                case ready(BatchOutcome)
                case waiting
                case ended
            }

            /// The next outcome, when it is in hand and settled.
            private func head() throws -> Head {
                guard var outcome = arrived[yielded] else {
                    if answering[yielded] != nil { return .waiting }
                    if let stopped {
                        // Never sent: it fails with the error that stopped the search.
                        guard let batch = try source.next() else { return .ended }
                        started += 1
                        yielded += 1
                        return .ready(BatchOutcome(batch: batch, result: .failure(BatchFailure(batchIndex: batch.index, values: batch.values, error: stopped, attempts: 0)),
                                                   attempts: 0))
                    }
                    return sourceEnded && started == yielded ? .ended : .waiting
                }
                if let pool, pool.holds(yielded) {
                    guard let findings = pool.findings(at: yielded) else { return .waiting }
                    outcome.findings = findings
                    self.pool?.remove(yielded)
                    if let failure = findings.failure { client.logger.debug("batch \(outcome.batch.index + 1): exact attribution stopped: \(failure)") }
                    if let journal { journal.checkpoint.record(outcome, lookup: journal.lookup) }
                }
                arrived.removeValue(forKey: yielded)
                yielded += 1
                outcome.attempts += uncounted
                uncounted = 0
                if case .failure(let failure) = outcome.result, failure.error.stopsTheRun, stopped == nil { stop(failure.error) }
                return .ready(outcome)
            }

            /// Sends what may be sent: a request of the pool when one is full,
            /// else the next batch while the reader is not too far behind, else
            /// (when no batch is on its way to add values, and no request of the
            /// pool is out whose answer would let the next carry more) the pool's next request as it is.
            private func launch() throws {
                guard stopped == nil else { return }
                pool?.capacity = Swift.min(client.options.batchSize, client.batchLimit.current ?? client.options.batchSize)
                while inFlight < client.options.concurrency {
                    if let probe = pool?.nextProbe(fullOnly: true) {
                        send(probe)
                    } else if mayStartBatch, let position = try startBatch() {
                        if arrived[position] != nil { continue }  // replayed from the checkpoint, or answered from the cache: nothing was sent
                    } else if answering.isEmpty, probing.isEmpty, let probe = pool?.nextProbe(fullOnly: false) {
                        send(probe)
                    } else {
                        break
                    }
                }
            }

            /// True while another batch may start: up to `concurrency` ahead of the
            /// reader, and (unless the reader may stop early) up to
            /// ``HeymarketClient/pooledBatches`` more while a batch waits for
            /// values to share its attribution's requests.
            private var mayStartBatch: Bool {
                guard !sourceEnded else { return false }
                let ahead = started - yielded
                return ahead < client.options.concurrency
                    || (!readerMayStop && pool?.isWaiting == true && ahead < client.options.concurrency + client.pooledBatches)
            }

            /// Starts the next batch (or takes its journaled outcome); its position, nil after the last.
            private func startBatch() throws -> Int? {
                guard let batch = try source.next() else {
                    sourceEnded = true
                    return nil
                }
                let position = started
                started += 1
                let (client, total, journal, post) = (self.client, source.census.batchCount, self.journal, self.post)
                if let journal, let done = journal.checkpoint.outcome(of: batch, lookup: journal.lookup) {
                    // Journaled as settled: under exact attribution its findings must settle every value.
                    if let problem = client.unsettled(done) {
                        throw journal.checkpoint.damaged(line: done.replayedLine ?? 0, problem)
                    }
                    arrived[position] = done
                    return position
                }
                if !batch.cached.isEmpty {
                    client.logger.debug("batch \(batch.index + 1): \(batch.cached.count) value\(batch.cached.count == 1 ? "" : "s") answered from the cache")
                }
                if batch.values.isEmpty {
                    // Every value answered from the cache: nothing to send.
                    arrived[position] = BatchOutcome(batch: batch, result: .success([]), attempts: 0)
                    return position
                }
                let pooled = pool != nil
                answering[position] = Task {
                    let result: Result<(BatchOutcome, attribution: Attribution?), any Error>
                    do {
                        var outcome = try await client.run(batch, of: total)
                        let attribution = pooled ? client.attribution(of: &outcome) : nil
                        // Settled now (nothing to ask): journaled before it counts as done.
                        if attribution == nil, let journal { journal.checkpoint.record(outcome, lookup: journal.lookup) }
                        result = .success((outcome, attribution))
                    } catch {
                        result = .failure(error)
                    }
                    post.yield(.answered(position: position, result))
                }
                return position
            }

            /// Sends one request of the pool.
            private func send(_ probe: AttributionPool.Probe) {
                var values: [NormalizedChannelValue] = []
                for group in probe.groups {
                    guard let batch = arrived[group.position]?.batch else { continue }
                    values += group.values.map { batch.values[$0] }
                }
                let batches = probe.groups.map { String($0.position + 1) }.joined(separator: ", ")
                let label = "POST \(HeymarketClient.searchPath) attribution (\(values.count) ids of batch\(probe.groups.count == 1 ? "" : "es") \(batches))"
                let (client, post, id, index) = (self.client, self.post, probe.id, probe.groups[0].position)
                probing[id] = (probe, Task {
                    var attempts = 0
                    do {
                        let answer = try await client.ask(values, batchIndex: index, label: label, attempts: &attempts)
                        post.yield(.probed(id: id, .success(answer), attempts: attempts))
                    } catch let error as HeymarketError {
                        post.yield(.probed(id: id, .failure(error), attempts: attempts))
                    } catch {
                        post.yield(.probeThrew(id: id, error))
                    }
                })
            }

            private func take(_ event: Event) throws {
                switch event {
                case .answered(let position, let result):
                    answering.removeValue(forKey: position)
                    let (outcome, attribution) = try result.get()
                    arrived[position] = outcome
                    if let attribution {
                        if let stopped {
                            // Nothing more is asked: it fails as it would have on asking.
                            arrived[position] = Self.failed(outcome, with: stopped)
                        } else {
                            _ = pool?.add(position: position, contacts: attribution.contacts, fieldHits: attribution.fieldHits, valueCount: outcome.batch.values.count)
                        }
                    }
                    if case .failure(let failure) = outcome.result, failure.error.stopsTheRun, stopped == nil { stop(failure.error) }
                case .probed(let id, let result, let attempts):
                    guard let (probe, _) = probing.removeValue(forKey: id) else { return }
                    uncounted += attempts
                    switch result {
                    case .success(let answer): pool?.receive(probe, answer: answer, attempts: attempts)
                    case .failure(let error):
                        if error.stopsTheRun, stopped == nil { stop(error) }
                        pool?.fail(probe, error: error, attempts: attempts)
                    }
                case .probeThrew(let id, let error):
                    probing.removeValue(forKey: id)
                    throw error
                }
            }

            /// The credentials were refused or the server is unreachable: nothing
            /// more is sent, and the batches waiting for their attribution fail
            /// with that error, as a batch whose own request met it does.
            private func stop(_ error: HeymarketError) {
                stopped = error
                guard let waiting = pool?.waitingPositions else { return }
                for position in waiting {
                    pool?.remove(position)
                    if let outcome = arrived[position] { arrived[position] = Self.failed(outcome, with: error) }
                }
            }

            /// A batch answered but whose attribution `error` stopped, failed whole.
            private static func failed(_ outcome: BatchOutcome, with error: HeymarketError) -> BatchOutcome {
                let batch = outcome.batch
                return BatchOutcome(batch: batch, result: .failure(BatchFailure(batchIndex: batch.index, values: batch.values, error: error, attempts: outcome.attempts)),
                                    attempts: outcome.attempts)
            }

            deinit {
                for task in answering.values { task.cancel() }
                for (_, task) in probing.values { task.cancel() }
                post.finish()
            }
        }
    }

    /// What exact attribution must ask about an answered batch: its contacts,
    /// one per id, and the values each one's fields show; nil when nothing.
    /// The outcome keeps the values its fields show (``BatchOutcome/fieldHits``), so they are matched once.
    func attribution(of outcome: inout BatchOutcome) -> BatchOutcomes.Attribution? {
        guard options.attribution == .exact, case .success(let contacts) = outcome.result else { return nil }
        // Contact indexes are those of the answer's contacts, one per id (see ``Contact/grouped(_:)``).
        let groups = Contact.grouped(contacts)
        let fieldHits = ContactMatcher(normalizer: options.normalizer).match(contacts: groups, values: outcome.batch.values)
        outcome.fieldHits = fieldHits
        guard AttributionProbe.isNeeded(valueCount: outcome.batch.values.count, fieldHits: fieldHits) else { return nil }
        return BatchOutcomes.Attribution(contacts: groups.map { $0[0] }, fieldHits: fieldHits)
    }
}
