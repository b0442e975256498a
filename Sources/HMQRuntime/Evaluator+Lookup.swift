import Foundation
import HMQSyntax
import Heymarket

/// The finds of a script that share request settings: searched together, once.
struct PrefetchGroup {
    var values: [ChannelValue]
    var finds = 0
    var result: SearchResult?
}

/// The values of one `find`, read once (files included), with where each came from.
struct FindValues {
    var values: [ChannelValue] = []
    /// For each value: the index of its find item, and its line in a file (0: not from a file).
    var origins: [(item: Int32, line: Int32)] = []

    mutating func append(_ value: ChannelValue, item: Int, line: Int = 0) {
        values.append(value)
        origins.append((Int32(truncatingIfNeeded: item), Int32(truncatingIfNeeded: line)))
    }
}

extension Evaluator {
    /// Walks the script before running it: gathers the values of every `find`
    /// (by the request settings in effect there), so that the script's lookups
    /// go out as one batched search per group instead of one per statement, and
    /// finds every invalid input value (with `set invalid error`, the default)
    /// and unset variable before anything is sent. Returns those errors.
    func prepareLookups(for script: Script) -> [RuntimeError] {
        var shadow = settings
        var groups: [[String]: PrefetchGroup] = [:]
        var errors: [RuntimeError] = []
        for statement in script.statements {
            let pipeline: Pipeline
            switch statement {
            case .set(let s):
                if let value = try? literals.text(s.value) { try? shadow.apply(s.name.name, value) }
                continue
            case .explain(let e): pipeline = e.pipeline
            case .let(let l): pipeline = l.pipeline
            case .pipeline(let p): pipeline = p
            }
            guard case .find(let find) = pipeline.source else { continue }
            // An unset $1 or --var fails the same way now as later: say so before anything is sent.
            var unset = false
            for item in find.items {
                guard case .variable(let v) = item.value, literals.text(v) == nil else { continue }
                do { _ = try literals.require(v) } catch { errors.append(error) }
                unset = true
            }
            // A file a statement before this one writes is read when the find runs.
            guard !unset, let found = try? findValues(of: find) else { continue }
            let plan = planner(for: shadow).plan(found.values)
            if shadow.invalid == .error, let error = invalidValuesError(find, found, plan: plan) {
                errors.append(error)
                continue
            }
            if case .explain = statement { continue }
            groups[shadow.requestShape, default: PrefetchGroup(values: [])].values += found.values
            groups[shadow.requestShape]?.finds += 1
        }
        // A find alone in its group gains nothing from sharing: it searches by itself.
        prefetched = errors.isEmpty && !dryRun && client != nil ? groups.filter { $0.value.finds > 1 } : [:]
        return errors
    }

    /// The input values of a `find`, with files read and variables bound.
    func findValues(of find: FindSource) throws(RuntimeError) -> FindValues {
        if let cached = findValuesCache?[find.range] { return cached }
        var found = FindValues()
        for (index, item) in find.items.enumerated() {
            let type = item.type?.name
            switch item.value {
            case .number(let s, _), .email(let s, _), .string(let s, _):
                found.append(ChannelValue(type: type, value: s), item: index)
            case .variable(let v):
                found.append(ChannelValue(type: type, value: try literals.require(v)), item: index)
            case .file(let path, _):
                for (value, line) in try ValueFiles.lines(try resolve(path)) { found.append(ChannelValue(type: type, value: value), item: index, line: line) }
            case .csv(let path, let column, _):
                for (value, line) in try ValueFiles.csvColumn(try resolve(path), column).values {
                    found.append(ChannelValue(type: type, value: value), item: index, line: line)
                }
            }
        }
        findValuesCache?[find.range] = found
        return found
    }

    /// Where value `index` of a find came from: `phones.txt:12`, `leads.csv:4, column "Email"`, `$1`, `--var who`.
    func origin(of index: Int, in find: FindSource, _ found: FindValues) -> String? {
        let (item, line) = found.origins[index]
        guard find.items.indices.contains(Int(item)) else { return nil }
        switch find.items[Int(item)].value {
        case .number, .email, .string: return nil
        case .variable(let v):
            if v.position != nil || v.environmentName != nil { return "$" + v.name }
            return "--var \(v.name)"
        case .file(let path, _): return "\(shown(path)):\(line)"
        case .csv(let path, let column, _):
            switch column {
            case .name(let name): return "\(shown(path)):\(line), column \"\(name.value)\""
            case .position(let n, _): return "\(shown(path)):\(line), column \(n)"
            }
        }
    }

    /// The path a `file` or `csv` reads, with a variable bound (`file $1`).
    func resolve(_ path: PathExpression) throws(RuntimeError) -> StringLiteral {
        switch path {
        case .literal(let s): return s
        case .variable(let v): return StringLiteral(value: try literals.require(v), range: v.range)
        }
    }

    /// The path as a message names it: `stdin` for `-`.
    func shown(_ path: PathExpression) -> String {
        let value = (try? resolve(path).value) ?? ""
        return ValueFiles.isStandardInput(value) ? "stdin" : value
    }

    /// The error for a find's invalid values (nil when there are none): each
    /// named with where it came from (the first 20, then a count).
    func invalidValuesError(_ find: FindSource, _ found: FindValues, plan: SearchPlan) -> RuntimeError? {
        var invalid: [(index: Int, error: HeymarketError)] = []
        for (index, input) in plan.inputs.enumerated() {
            if case .failure(let error) = input.normalized { invalid.append((index, error)) }
        }
        guard let first = invalid.first else { return nil }
        let items = Set(invalid.map { found.origins[$0.index].item })
        let range = items.count == 1 ? items.first.map { find.items[Int($0)].value.range } ?? find.range : find.range
        let hint = "fix \(invalid.count == 1 ? "it" : "them"), or leave invalid values out with 'set invalid skip' (--skip-invalid)"
        if invalid.count == 1, origin(of: first.index, in: find, found) == nil {
            return .diagnostic(Diagnostic(id: .runtime, range: range, message: first.error.message + "; nothing was sent", suggestion: hint))
        }
        var notes = invalid.prefix(20).map { entry in
            (origin(of: entry.index, in: find, found).map { $0 + ": " } ?? "") + entry.error.message
        }
        if invalid.count > 20 { notes.append("… and \(invalid.count - 20) more") }
        return .diagnostic(Diagnostic(id: .runtime, range: range,
                                      message: "\(invalid.count) invalid value\(invalid.count == 1 ? "" : "s"); nothing was sent",
                                      suggestion: hint, notes: notes))
    }

    /// How values are planned under `settings`: as the client plans them (its
    /// own credentials never sent as a value), or without a client (`--dry-run`).
    func planner(for settings: Settings) -> SearchPlanner {
        SearchPlanner(batchSize: settings.batch, normalizer: ChannelNormalizer(countryCode: settings.countryCode), forbidden: client?.secrets ?? [])
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
        let found = try findValues(of: find)
        let client = try currentClient()
        let plan = client.plan(found.values)
        if settings.invalid == .error, let error = invalidValuesError(find, found, plan: plan) { throw error }
        let shape = settings.requestShape
        do {
            let result: SearchResult
            if var group = prefetched[shape] {
                let shared: SearchResult
                if let done = group.result {
                    shared = done
                } else {
                    shared = try await client.search(group.values, progress: events.progress)
                    group.result = shared
                    prefetched[shape] = group
                }
                result = shared.restricted(to: plan)
            } else if wholeResult {
                result = try await client.search(plan: plan, progress: events.progress)
            } else {
                var assembler = SearchAssembler(plan: plan, normalizer: ChannelNormalizer(countryCode: settings.countryCode))
                var counter = ProgressCounter(plan: plan, client: client)
                for try await outcome in client.batchOutcomes(plan: plan) {
                    assembler.add(outcome)
                    let now = counter.add(outcome)
                    events.progress?(now)
                    if try !onRows(assembler.takeSettled().map(Row.init(match:))) { break }
                }
                // A cancelled task ends the stream early without an error: never pass that off as the result.
                try Task.checkCancellation()
                return summary(of: assembler.finish(), find: find, found)
            }
            _ = try onRows(result.matches.map(Row.init(match:)))
            return summary(of: result, find: find, found)
        } catch let error as HeymarketError {
            throw RuntimeError.api(error, range: find.range)
        }
    }

    /// What became of the values that found no contact (a row each: type,
    /// value, reason, detail), and the failed batches.
    func summary(of result: SearchResult, find: FindSource, _ found: FindValues) -> SourceSummary {
        var rows: [Row] = []
        var attributionError: [NormalizedChannelValue: HeymarketError] = [:]
        for failure in result.attributionFailures { for value in failure.values { attributionError[value] = failure.error } }
        for (index, input) in result.inputs.enumerated() {
            let reason: SourceSummary.Reason
            var detail: String?
            switch input.outcome {
            case .matched, .notSearched: continue
            case .unmatched: reason = .noContact
            case .undetermined:
                reason = .undetermined
                if let error = input.normalized.flatMap({ attributionError[$0] }) {
                    detail = "exact attribution could not finish: \(error)"
                } else {
                    detail = "its batch's answer holds a contact no field ties to any input value; 'set attribution exact' asks the server which"
                }
            case .invalid(let e):
                reason = .invalid
                detail = (index < found.origins.count ? origin(of: index, in: find, found).map { $0 + ": " } : nil).map { $0 + e.message } ?? e.message
            case .failed(let e):
                reason = .failed
                detail = e.description
            }
            // A value holding this session's credential is never shown.
            var hidden = false
            if case .invalid(let e) = input.outcome, e.code == .credentialInValue { hidden = true }
            rows.append(Row(fields: JSONObject([
                .init(key: "type", value: input.value.type.map(JSONValue.string) ?? .null),
                .init(key: "value", value: .string(hidden ? "(not shown: it holds a credential)" : input.value.value)),
                .init(key: "reason", value: .string(reason.rawValue)),
                .init(key: "detail", value: detail.map(JSONValue.string) ?? .null),
            ])))
        }
        return SourceSummary(unmatched: rows, failures: result.failures, attributionFailures: result.attributionFailures)
    }

    /// Writes the requests a pipeline would send (never the Authorization header).
    func explain(_ pipeline: Pipeline) throws {
        guard case .find(let find) = pipeline.source else {
            if case .variable(let v) = pipeline.source {
                try output.write("# $\(v.name) reuses a bound result: no request\n")
            }
            return
        }
        let found = try findValues(of: find)
        let options = settings.searchOptions
        let base = client?.baseURL ?? BaseURL.production
        let plan = planner(for: settings).plan(found.values)
        if settings.invalid == .error, let error = invalidValuesError(find, found, plan: plan) { throw error }
        let pacing = settings.rate.map { "at most \($0.requests) requests per \($0.window == 60 ? "minute" : "\($0.description.split(separator: "/")[1])")" } ?? "no pacing"
        let invalidCount = plan.inputs.filter { if case .failure = $0.normalized { true } else { false } }.count
        var text = "# \(plan.inputs.count) value\(plan.inputs.count == 1 ? "" : "s")\(invalidCount > 0 ? " (\(invalidCount) invalid)" : ""), \(plan.values.count) distinct, \(plan.batches.count) request\(plan.batches.count == 1 ? "" : "s") (batch \(options.batchSize), concurrency \(options.concurrency), \(pacing))\n"
        if settings.attribution == .exact {
            let bound = plan.batches.reduce(0) { $0 + AttributionMode.extraRequestBound(values: $1.values.count) }
            text += "# attribution exact: up to \(bound) more request\(bound == 1 ? "" : "s") (2 × values − 2 per batch, retries aside), only for batches whose answer holds contacts no field ties to a value\n"
        }
        for (index, input) in plan.inputs.enumerated() {
            if case .failure(let e) = input.normalized {
                text += "# not sent (invalid): " + (origin(of: index, in: find, found).map { $0 + ": " } ?? "") + e.message + "\n"
            }
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

extension Row {
    /// A contact found by a search, with the values tied to it.
    init(match: SearchResult.Match) {
        self.init(fields: match.contact.fields, matched: match.matchedValues)
    }
}
