import Foundation
import HMQSyntax
import Heymarket

/// The finds of a script that share request settings: searched together, once.
struct PrefetchGroup {
    var values: [ChannelValue]
    var finds = 0
    var result: SearchResult?
}

extension Evaluator {
    /// Walks the script before running it and gathers the values of every `find`
    /// (by the request settings in effect there), so that the script's lookups
    /// go out as one batched search per group instead of one per statement.
    func prepareLookups(for script: Script) {
        guard !dryRun, client != nil else { return }
        var shadow = settings
        var groups: [[String]: PrefetchGroup] = [:]
        for statement in script.statements {
            let pipeline: Pipeline
            switch statement {
            case .set(let s):
                if let value = try? literalText(s.value) {
                    try? shadow.apply(s.name.name, value, range: s.value.range, nameRange: s.name.range)
                }
                continue
            case .explain: continue
            case .let(let l): pipeline = l.pipeline
            case .pipeline(let p): pipeline = p
            }
            guard case .find(let find) = pipeline.source, let values = try? channelValues(of: find) else { continue }
            groups[shadow.requestShape, default: PrefetchGroup(values: [])].values += values
            groups[shadow.requestShape]?.finds += 1
        }
        // A find alone in its group gains nothing from sharing: it searches by itself.
        prefetched = groups.filter { $0.value.finds > 1 }
    }

    /// The input values of a `find`, with files read and variables bound.
    func channelValues(of find: FindSource) throws(RuntimeError) -> [ChannelValue] {
        if let cached = findValues?[find.range] { return cached }
        var values: [ChannelValue] = []
        for item in find.items {
            let type = item.type?.name
            switch item.value {
            case .number(let s, _), .email(let s, _), .string(let s, _):
                values.append(ChannelValue(type: type, value: s))
            case .variable(let v):
                values.append(ChannelValue(type: type, value: try requireVariable(v)))
            case .file(let path, _):
                values += try ValueFiles.lines(path).map { ChannelValue(type: type, value: $0) }
            case .csv(let path, let column, _):
                values += try ValueFiles.csvColumn(path, column).map { ChannelValue(type: type, value: $0) }
            }
        }
        findValues?[find.range] = values
        return values
    }

    func currentClient() throws(RuntimeError) -> HeymarketClient {
        guard let client else {
            throw .at(SourceRange(start: 0, end: 0), "no API client: run with credentials or --sandbox (or use --dry-run)")
        }
        return client.with(options: settings.searchOptions)
    }

    /// Looks up a find's values, handing rows to `onRows` in input order as
    /// they settle; `onRows` returns false when it needs no more, which stops
    /// the lookup (batches not sent are never sent). With `wholeResult`, rows
    /// come only once every batch is in (so that `matched` is complete).
    func lookUp(_ find: FindSource, wholeResult: Bool, onRows: ([Row]) throws -> Bool) async throws -> SourceSummary {
        let values = try channelValues(of: find)
        let client = try currentClient()
        let plan = client.plan(values)
        for input in plan.inputs {
            if case .failure(let error) = input.normalized {
                let item = find.items.first { item in
                    if case .number(let s, _) = item.value, s == input.value.value { return true }
                    if case .string(let s, _) = item.value, s == input.value.value { return true }
                    if case .email(let s, _) = item.value, s == input.value.value { return true }
                    return false
                }
                if let item { throw RuntimeError.at(item.value.range, error.message) }
            }
        }
        let shape = settings.requestShape
        let normalizer = ChannelNormalizer(countryCode: settings.countryCode)
        do {
            let result: SearchResult
            if var group = prefetched[shape] {
                if group.result == nil {
                    group.result = try await client.search(group.values, progress: onProgress)
                    prefetched[shape] = group
                }
                result = Self.narrow(group.result!, to: plan, normalizer: normalizer)
            } else if wholeResult {
                result = try await client.search(plan: plan, progress: onProgress)
            } else {
                var assembler = SearchAssembler(plan: plan, normalizer: normalizer)
                var done = 0
                for try await outcome in client.batchOutcomes(plan: plan) {
                    assembler.add(outcome)
                    done += 1
                    onProgress?(done, plan.batches.count)
                    let settled = assembler.takeSettled().map { Row(fields: $0.contact.fields, matched: $0.matchedValues) }
                    if try !onRows(settled) { break }
                }
                // A cancelled task ends the stream early without an error: never pass that off as the result.
                try Task.checkCancellation()
                return Self.summary(of: assembler.finish())
            }
            _ = try onRows(result.matches.map { Row(fields: $0.contact.fields, matched: $0.matchedValues) })
            return Self.summary(of: result)
        } catch let error as HeymarketError {
            throw RuntimeError.api(error, range: find.range)
        }
    }

    /// The part of a shared search result that answers one find: its contacts in
    /// its input order, and the outcome of each of its values.
    static func narrow(_ shared: SearchResult, to plan: SearchPlan, normalizer: ChannelNormalizer) -> SearchResult {
        var outcomeOf: [NormalizedChannelValue: SearchResult.Outcome] = [:]
        for input in shared.inputs {
            if let n = input.normalized, outcomeOf[n] == nil { outcomeOf[n] = input.outcome }
        }
        var firstIndex: [NormalizedChannelValue: Int] = [:]
        var originals: [NormalizedChannelValue: [ChannelValue]] = [:]
        var inputs: [SearchResult.InputOutcome] = []
        var mayBeUnattributed = false
        for (i, input) in plan.inputs.enumerated() {
            switch input.normalized {
            case .failure(let e): inputs.append(.init(value: input.value, normalized: nil, outcome: .invalid(e)))
            case .success(let n):
                if firstIndex[n] == nil { firstIndex[n] = i }
                if !(originals[n]?.contains(input.value) ?? false) { originals[n, default: []].append(input.value) }
                if n.type != "phone", n.type != "email", n.type != nil { mayBeUnattributed = true }
                inputs.append(.init(value: input.value, normalized: n, outcome: outcomeOf[n] ?? .unmatched))
            }
        }
        var matches: [(Int, SearchResult.Match)] = []
        for (position, match) in shared.matches.enumerated() {
            let mine = match.matchedValues.compactMap { try? normalizer.normalize($0).get() }.filter { firstIndex[$0] != nil }
            if mine.isEmpty {
                if match.matchedValues.isEmpty, mayBeUnattributed { matches.append((Int.max - shared.matches.count + position, match)) }
                continue
            }
            var mineOriginals: [ChannelValue] = []
            for n in mine { for o in originals[n] ?? [] where !mineOriginals.contains(o) { mineOriginals.append(o) } }
            let key = mine.compactMap { firstIndex[$0] }.min() ?? Int.max
            matches.append((key, SearchResult.Match(contact: match.contact, matchedValues: mineOriginals)))
        }
        matches.sort { $0.0 < $1.0 }
        let myValues = Set(firstIndex.keys)
        let failures = shared.failures.filter { !Set($0.values).isDisjoint(with: myValues) }
        return SearchResult(matches: matches.map(\.1), inputs: inputs, failures: failures, requestCount: shared.requestCount)
    }

    /// The values that found no contact (a row each: type, value, reason) and the failed batches.
    static func summary(of result: SearchResult) -> SourceSummary {
        var unmatched: [Row] = []
        for input in result.inputs {
            let reason: String
            switch input.outcome {
            case .matched, .notSearched: continue
            case .unmatched: reason = "no contact"
            case .undetermined: reason = "undetermined: contacts came back that show no such field"
            case .invalid(let e): reason = "invalid: " + e.message
            case .failed(let e): reason = "failed: " + e.description
            }
            unmatched.append(Row(fields: JSONObject([
                .init(key: "type", value: input.value.type.map(JSONValue.string) ?? .null),
                .init(key: "value", value: .string(input.value.value)),
                .init(key: "reason", value: .string(reason)),
            ])))
        }
        return SourceSummary(unmatched: unmatched, failures: result.failures)
    }

    /// Writes the requests a pipeline would send (never the Authorization header).
    func explain(_ pipeline: Pipeline) throws {
        guard case .find(let find) = pipeline.source else {
            if case .variable(let v) = pipeline.source {
                try output.write("# $\(v.name) reuses a bound result: no request\n")
            }
            return
        }
        let values = try channelValues(of: find)
        let options = settings.searchOptions
        let base = client?.baseURL ?? BaseURL.production
        let planner = SearchPlanner(batchSize: options.batchSize, normalizer: ChannelNormalizer(countryCode: options.countryCode))
        let plan = planner.plan(values)
        var text = "# \(plan.inputs.count) value\(plan.inputs.count == 1 ? "" : "s"), \(plan.values.count) distinct, \(plan.batches.count) request\(plan.batches.count == 1 ? "" : "s") (batch \(options.batchSize), concurrency \(options.concurrency), \(options.rateLimit.map { "\($0) requests/minute" } ?? "no pacing"))\n"
        for input in plan.inputs {
            if case .failure(let e) = input.normalized { text += "# not sent: \(e.message)\n" }
        }
        for batch in plan.batches {
            let request = HeymarketClient.searchRequest(for: batch, baseURL: base, timeout: options.timeout)
            text += "\(request.method) \(request.url)\n"
            for header in request.headers { text += "\(header.name): \(header.value)\n" }
            text += "Authorization: Bearer <a fresh JWT, not shown>\n\n"
            text += String(decoding: request.body, as: UTF8.self) + "\n\n"
        }
        try output.write(text)
    }
}
