import HMQJSON

extension HeymarketClient {
    /// What one batch came to: its contacts, or a failure holding its values.
    struct BatchOutcome: Sendable {
        var batch: ChannelBatch
        var result: Result<[Contact], BatchFailure>
        /// Requests this batch sent, retries included (exact attribution's too).
        var attempts: Int
        /// What exact attribution learned by asking again (nil: it did not run).
        var findings: AttributionProbe.Findings?
        /// Values the server refused alone (400) when the batch, refused whole, was
        /// asked again in parts (see ``HeymarketClient/answerInParts(_:refusedWith:label:attempts:)``),
        /// each with the server's error. They are not in ``batch``, which holds the values answered.
        var rejected: [(value: NormalizedChannelValue, error: HeymarketError)] = []
        /// The checkpoint line it was replayed from, when it was.
        var replayedLine: Int?
        /// For each contact of the answer (one per id), the values its fields show, once
        /// exact attribution has matched them: the assembler takes them rather than matching again.
        var fieldHits: [[Int]]?

        init(batch: ChannelBatch, result: Result<[Contact], BatchFailure>, attempts: Int) {
            self.batch = batch
            self.result = result
            self.attempts = attempts
        }
    }

    /// Searches for `values`: normalised, de-duplicated, batched, paced and retried.
    ///
    /// A batch that fails after its retries does not stop the others; it is in
    /// ``SearchResult/failures`` with every value it held. Authentication failures
    /// (401 after a fresh token, 403) stop the whole search and are thrown, since
    /// every other batch would fail the same way.
    public func search(_ values: [ChannelValue], progress: ProgressHandler? = nil) async throws -> SearchResult {
        try await search(plan: plan(values), progress: progress)
    }

    /// Runs a plan made by ``plan(_:)``: the events of ``lookUp(_:planner:census:retainingMatches:settlesRestWhenStopped:readerMayStop:_:)``,
    /// collected. `progress` is called with a ``LookupProgress`` as each batch finishes, in batch order.
    ///
    /// When the credentials are refused (401 after a fresh token, 403) or the
    /// server cannot be reached (``HeymarketError/stopsTheRun``), no further
    /// batch is sent and those not sent fail with that error, so every value
    /// still has an outcome and what was found is kept: see ``SearchResult/refusal``.
    public func search(plan: SearchPlan, progress: ProgressHandler? = nil) async throws -> SearchResult {
        let values = plan.inputs.map(\.value)
        // The plan's batch size, and this client's credentials and answer cache.
        var planner = self.planner
        planner.batchSize = plan.census.batchSize
        var collector = SearchResult.Collector(progress: progress)
        let summary = try await lookUp({ ArrayInputReader(values) }, planner: planner, census: plan.census, retainingMatches: true) { event in
            collector.hear(event)
            return true
        }
        return collector.result(summary)
    }

    /// Why a batch replayed from a checkpoint does not settle every value under
    /// exact attribution (a journal only holds batches that did: its findings
    /// were edited or cut); nil when it does.
    func unsettled(_ outcome: BatchOutcome) -> String? {
        guard options.attribution == .exact, case .success(let contacts) = outcome.result, !contacts.isEmpty else { return nil }
        let groups = Contact.grouped(contacts)
        let fieldHits = ContactMatcher(normalizer: options.normalizer).match(contacts: groups, values: outcome.batch.values)
        let open = BatchAttribution(valueCount: outcome.batch.values.count, fieldHits: fieldHits, probe: outcome.findings).verdicts.filter { $0 == .undetermined }.count
        guard open > 0 else { return nil }
        return "batch \(outcome.batch.index + 1) was journaled as settled, yet its attribution findings leave \(open) of its values undetermined"
    }

    /// Sends one batch with retries. Throws only for cancellation; a refusal of
    /// the credentials or an unreachable server is a failure like any other (and stops the search).
    /// A batch of several values refused with a 400 (or 413) is asked again in
    /// parts, so that the values the server rejects do not sink the others, and
    /// once the server has shown the request size it takes, batches are sent in parts that size.
    func run(_ whole: ChannelBatch, of total: Int) async throws -> BatchOutcome {
        let label = "POST \(Self.searchPath) batch \(whole.index + 1)/\(total) (\(whole.values.count) ids)"
        var contacts: [Contact] = []
        var attempts = 0
        do {
            var parts: PartAnswers?
            if let limit = batchLimit.current, whole.values.count > limit {
                parts = try await answerInParts(whole, refusedWith: nil, label: label, attempts: &attempts)
            } else {
                do {
                    _ = try await send(request(for: whole), label: label, attempts: &attempts) { response throws(HeymarketError) in
                        contacts = try Self.decodeContacts(response)
                    }
                } catch let error as HeymarketError where Self.refusesRequest(error) && whole.values.count > 1 {
                    parts = try await answerInParts(whole, refusedWith: error, label: label, attempts: &attempts)
                }
            }
            if let parts { contacts = parts.contacts }
            // What the server answered for: the whole batch, or the parts it accepted.
            let batch = parts.map { whole.subset($0.answered) } ?? whole
            logger.trace("\(label): \(contacts.count) contacts")
            var outcome = BatchOutcome(batch: batch, result: .success(contacts), attempts: attempts)
            outcome.rejected = parts?.rejected ?? []
            if options.attribution == .exact, attributionStrategy == .perBatch {
                try await probeAlone(&outcome, label: label)
            }
            return outcome
        } catch let error as HeymarketError {
            logger.debug("\(label) failed: \(error)")
            return BatchOutcome(
                batch: whole,
                result: .failure(BatchFailure(batchIndex: whole.index, values: whole.values, error: error, attempts: attempts)),
                attempts: attempts)
        }
    }

    /// Exact attribution for one batch on its own (``AttributionStrategy/perBatch``):
    /// its questions asked one after the other, each in requests of its own.
    private func probeAlone(_ outcome: inout BatchOutcome, label: String) async throws {
        guard case .success(let contacts) = outcome.result else { return }
        let batch = outcome.batch
        // Contact indexes are those of the answer's contacts, one per id (see ``Contact/grouped(_:)``).
        let groups = Contact.grouped(contacts)
        let fieldHits = ContactMatcher(normalizer: options.normalizer).match(contacts: groups, values: batch.values)
        outcome.fieldHits = fieldHits
        guard AttributionProbe.isNeeded(valueCount: batch.values.count, fieldHits: fieldHits) else { return }
        let findings = try await AttributionProbe(contacts: groups.map { $0[0] }, fieldHits: fieldHits, valueCount: batch.values.count) { indexes in
            var attempts = 0
            do {
                let answer = try await ask(indexes.map { batch.values[$0] }, batchIndex: batch.index, label: "\(label): attribution", attempts: &attempts)
                return (answer, attempts)
            } catch let error as HeymarketError where !error.stopsTheRun {
                throw AttributionProbe.SubSearchFailed(error: error, attempts: attempts)
            }
        }.run()
        if let failure = findings.failure { logger.debug("\(label): exact attribution stopped: \(failure)") }
        outcome.attempts += findings.attempts
        outcome.findings = findings
    }

    /// Asks the server again about `values` (exact attribution's questions): the
    /// contacts of the answer. Search is a union: more values than the size the
    /// server was found to take are asked in parts of that size, and their answers joined.
    func ask(_ values: [NormalizedChannelValue], batchIndex: Int, label: String, attempts: inout Int) async throws -> [Contact] {
        let size = max(1, batchLimit.current ?? values.count)
        var answer: [Contact] = []
        for start in stride(from: 0, to: values.count, by: size) {
            let part = ChannelBatch(index: batchIndex, values: Array(values[start..<min(start + size, values.count)]))
            _ = try await send(request(for: part), label: "\(label), \(part.values.count) ids", attempts: &attempts) { response throws(HeymarketError) in
                answer += try Self.decodeContacts(response)
            }
        }
        return answer
    }

    /// What asking again in parts made of a batch the server refused whole.
    struct PartAnswers {
        /// Indexes (into the batch's values) of the values whose part was answered, in order.
        var answered: [Int] = []
        /// The contacts of those answers, each id once.
        var contacts: [Contact] = []
        /// The values refused alone, in batch order, with the server's error.
        var rejected: [(value: NormalizedChannelValue, error: HeymarketError)] = []
    }

    /// True for an answer refusing the request itself (400 `bad_data`, 413),
    /// which asking about fewer values at once may get past.
    static func refusesRequest(_ error: HeymarketError) -> Bool {
        error.code == .badRequest || error.status == 413
    }

    /// Asks about a batch in parts: after the server refused it whole
    /// (`refusal`), in halves, and halves of the halves it refuses, until each
    /// value it rejects is alone; or, with no `refusal`, in parts of the
    /// ``BatchLimit`` learned. The values it accepts are answered, and each it
    /// rejects alone carries its refusal (message, request id). A refused
    /// batch costs at most `2 × values − 1` requests in all (retries aside).
    ///
    /// When both halves of the first split are refused with the batch's very
    /// message, a quarter tells a limit on the request's size (it is answered:
    /// the rest goes in parts that size) from a cause every value shares, such
    /// as a malformed body (it is refused too: `refusal` is thrown, splitting
    /// further would only spend requests). When no value was rejected, the
    /// largest part answered is the size the server takes: the run's
    /// ``BatchLimit`` is lowered to it, and the client's ``notice`` says so once.
    /// Any error other than a refusal of the request that a part meets is
    /// thrown (the batch then fails whole, as before).
    func answerInParts(_ batch: ChannelBatch, refusedWith refusal: HeymarketError?, label: String,
                       attempts: inout Int) async throws -> PartAnswers {
        var answers = PartAnswers()
        var rejected: [(index: Int, error: HeymarketError)] = []
        var ids = Set<Int64>()
        var sent = 0
        var largestAnswered = 0
        defer { attempts += sent }
        /// Sends one part: nil when it was answered (its contacts kept), else the server's refusal.
        func ask(_ part: Range<Int>) async throws -> HeymarketError? {
            var found: [Contact] = []
            do {
                let request = request(for: batch.subset(Array(part)))
                _ = try await send(request, label: "\(label): \(part.count) of its ids", attempts: &sent) { response throws(HeymarketError) in
                    found = try Self.decodeContacts(response)
                }
            } catch let error as HeymarketError where Self.refusesRequest(error) {
                return error
            }
            answers.answered += part
            answers.contacts += found.filter { contact in contact.id.map { ids.insert($0).inserted } ?? true }
            largestAnswered = max(largestAnswered, part.count)
            return nil
        }
        func halves(_ part: Range<Int>) -> (Range<Int>, Range<Int>) {
            let middle = part.lowerBound + part.count / 2
            return (part.lowerBound..<middle, middle..<part.upperBound)
        }
        /// A part to ask (no refusal yet), or one refused (to be halved, or rejected when alone).
        typealias Part = (part: Range<Int>, refusal: HeymarketError?)
        func parts(_ range: Range<Int>, of size: Int) -> [Part] {
            stride(from: range.lowerBound, to: range.upperBound, by: size).map { ($0..<min($0 + size, range.upperBound), nil) }
        }
        let all = 0..<batch.values.count
        var queue: [Part]
        if let refusal {
            let (first, second) = halves(all)
            let (a, b) = (try await ask(first), try await ask(second))
            if let a, let b, a.message == refusal.message, b.message == refusal.message {
                let (quarter, rest) = halves(first)
                guard first.count > 1, try await ask(quarter) == nil else {
                    logger.debug("\(label): both halves refused alike (\(refusal.message)); not split further")
                    throw refusal
                }
                queue = parts(rest.lowerBound..<all.upperBound, of: quarter.count)
            } else {
                queue = [(first, a), (second, b)].filter { $0.refusal != nil }
            }
        } else {
            queue = parts(all, of: batchLimit.current ?? all.count)
        }
        while !queue.isEmpty {
            let (part, refused) = queue.removeFirst()
            if let refused {
                if part.count == 1 {
                    rejected.append((part.lowerBound, refused))
                } else {
                    let (a, b) = halves(part)
                    queue.insert(contentsOf: [Part(a, nil), Part(b, nil)], at: 0)
                }
            } else if let error = try await ask(part) {
                queue.insert((part, error), at: 0)
            }
        }
        if rejected.isEmpty, largestAnswered < all.count, batchLimit.lower(to: largestAnswered) {
            notice?("the server refused \(batch.values.count) ids in one request (\(refusal?.message ?? "again")); "
                    + "asking at most \(largestAnswered) at a time for the rest of the run")
        }
        answers.answered.sort()
        answers.rejected = rejected.sorted { $0.index < $1.index }.map { (batch.values[$0.index], $0.error) }
        return answers
    }

    /// The contacts of a search answer: a JSON array of objects.
    static func decodeContacts(_ response: HTTPResponseData) throws(HeymarketError) -> [Contact] {
        let requestID = response.header("X-Request-Id")
        let json: JSONValue
        do {
            json = try JSONParser.parse(response.body)
        } catch {
            throw HeymarketError(.malformedResponse, status: response.status, message: "the answer is not JSON (\(error))", requestID: requestID)
        }
        guard case .array(let elements) = json else {
            throw HeymarketError(.malformedResponse, status: response.status, message: "expected a JSON array of contacts", requestID: requestID)
        }
        var contacts: [Contact] = []
        contacts.reserveCapacity(elements.count)
        for element in elements {
            guard let contact = Contact(json: element) else {
                throw HeymarketError(.malformedResponse, status: response.status, message: "a contact in the answer is not a JSON object", requestID: requestID)
            }
            contacts.append(contact)
        }
        return contacts
    }

}
