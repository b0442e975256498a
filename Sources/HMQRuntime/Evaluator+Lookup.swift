import Foundation
import HMQJSON
import HMQSyntax
import Heymarket

/// The finds of a script that share request settings: searched together, once.
struct PrefetchGroup {
    var values: [ChannelValue]
    var finds = 0
    var result: SearchResult?
}

/// The items of one `find`, resolved (variables bound, files named), to be
/// read as often as a lookup needs: files are streamed, never held.
struct FindInput: Sendable {
    enum Item: Sendable {
        case value(ChannelValue)
        case file(ValueFiles.Opened, type: String?)
        /// One column (by index) of a CSV file: its non-empty cells.
        case csv(ValueFiles.CSVFile, column: Int, type: String?)
    }
    var items: [Item]
    /// A records source's records (``items`` is then empty).
    var records: RecordsInput?

    /// Reads the values from the first item, each with its origin (``FindInput/origin(item:line:)``;
    /// a records source's: ``RecordsInput/origin(line:key:)``).
    var opener: InputOpener {
        if let records { return records.opener }
        let items = items
        return { Reader(items) }
    }

    /// Every value, read whole (for a script's shared lookups).
    func values() throws -> [InputValue] {
        let reader = try opener()
        var all: [InputValue] = []
        while let next = try reader.next() { all.append(next) }
        return all
    }

    /// A find item and a file line, packed.
    static func origin(item: Int, line: Int) -> UInt64 { UInt64(UInt32(truncatingIfNeeded: item)) << 32 | UInt64(UInt32(truncatingIfNeeded: line)) }

    final class Reader: InputReader {
        private let items: [Item]
        private var item = 0
        private var file: ValueFiles.LineReader?
        private var csv: ValueFiles.CSVRecordReader?

        init(_ items: [Item]) { self.items = items }

        func next() throws -> InputValue? {
            while item < items.count {
                switch items[item] {
                case .value(let value):
                    item += 1
                    return InputValue(value, origin: FindInput.origin(item: item - 1, line: 0))
                case .file(let path, let type):
                    if file == nil { file = ValueFiles.LineReader(path) }
                    if let (value, line) = try file?.next() {
                        return InputValue(ChannelValue(type: type, value: value), origin: FindInput.origin(item: item, line: line))
                    }
                    file = nil
                    item += 1
                case .csv(let file, let column, let type):
                    if csv == nil { csv = try file.records() }
                    if let (fields, line) = try csv?.next() {
                        // Empty cells, and records too short to have the column, are skipped.
                        guard column < fields.count else { continue }
                        let value = fields[column].trimmingCharacters(in: .whitespaces)
                        if value.isEmpty { continue }
                        return InputValue(ChannelValue(type: type, value: value), origin: FindInput.origin(item: item, line: line))
                    }
                    csv = nil
                    item += 1
                }
            }
            return nil
        }
    }
}

extension Evaluator {
    /// Walks the script before running it: gathers the finds that share
    /// request settings (so that the script's lookups go out as one batched
    /// search per group instead of one per statement), and, when the script
    /// looks values up more than once, finds every invalid input value (with
    /// `set invalid error`, the default) and unset variable before anything
    /// is sent. Returns those errors.
    func prepareLookups(for script: Script) -> [RuntimeError] {
        var shadow = settings
        var finds: [(shape: [String], find: FindSource)] = []
        var errors: [RuntimeError] = []
        let lookups = script.statements.filter { statement in
            let pipeline: Pipeline
            switch statement {
            case .set: return false
            case .explain(let e): pipeline = e.pipeline
            case .let(let l): pipeline = l.pipeline
            case .pipeline(let p): pipeline = p
            }
            if case .find = pipeline.source { return true }
            return false
        }.count
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
            guard case .find(let find) = pipeline.source, find.records == nil else { continue }
            // An unset $1 or --var fails the same way now as later: say so before anything is sent.
            var unset = false
            for item in find.items {
                guard case .variable(let v) = item.value, literals.text(v) == nil else { continue }
                do { _ = try literals.require(v) } catch { errors.append(error) }
                unset = true
            }
            // A file a statement before this one writes is read when the find runs.
            guard !unset, let input = try? findInput(of: find) else { continue }
            // A lone lookup checks its values itself, before it sends anything.
            if lookups > 1, shadow.invalid == .error, let census = try? planner(for: shadow).census(input.opener),
               let error = invalidValuesError(find, census) {
                errors.append(error)
                continue
            }
            if case .explain = statement { continue }
            finds.append((shadow.requestShape, find))
        }
        // A find alone in its group gains nothing from sharing: it searches by itself.
        var groups: [[String]: PrefetchGroup] = [:]
        guard errors.isEmpty, !dryRun, client != nil else {
            prefetched = [:]
            return errors
        }
        let counts = Dictionary(finds.map { ($0.shape, 1) }, uniquingKeysWith: +)
        for (shape, find) in finds where counts[shape, default: 0] > 1 {
            guard let values = try? findInput(of: find).values() else { continue }
            groups[shape, default: PrefetchGroup(values: [])].values += values.map(\.value)
            groups[shape]?.finds += 1
        }
        prefetched = groups.filter { $0.value.finds > 1 }
        return errors
    }

    /// A find's items with variables bound and CSV columns read.
    func findInput(of find: FindSource) throws -> FindInput {
        if let records = find.records { return FindInput(items: [], records: try recordsInput(records)) }
        var items: [FindInput.Item] = []
        for item in find.items {
            let type = item.type?.name
            switch item.value {
            case .number(let s, _), .email(let s, _), .string(let s, _):
                items.append(.value(ChannelValue(type: type, value: s)))
            case .variable(let v):
                items.append(.value(ChannelValue(type: type, value: try literals.require(v))))
            case .file(let path, _):
                // Opened once for every pass: a missing file is an error before anything is sent.
                items.append(.file(try ValueFiles.open(try resolve(path)), type: type))
            case .csv(let path, let column, _):
                let file = try ValueFiles.CSVFile(try resolve(path))
                items.append(.csv(file, column: try file.index(of: column), type: type))
            }
        }
        return FindInput(items: items)
    }

    /// Where a value of a find came from (its ``InputValue/origin``): `phones.txt:12`,
    /// `leads.csv:4, column "Email"`, `$1`, `--var who`; nil for a value written in the find.
    func origin(_ origin: UInt64, in find: FindSource) -> String? { originNamer(for: find)(origin) }

    /// Names the origins of a find's values (see ``origin(_:in:)``), with the
    /// paths resolved once: a lookup names its values without the evaluator.
    func originNamer(for find: FindSource) -> @Sendable (UInt64) -> String? {
        if let records = find.records {
            let name = shown(records.path)
            let columns = records.keys.map { ", " + (records.format == .csv ? "column " : "field ") + ASTPrinter().print($0.column) }
            return { origin in
                let (line, key) = RecordsInput.unpack(origin)
                return "\(name):\(line)\(columns.indices.contains(key) ? columns[key] : "")"
            }
        }
        /// Per item: what comes before the line number and after it (no line: a variable's name alone), or nil.
        let items: [(before: String, after: String?)?] = find.items.map { item in
            switch item.value {
            case .number, .email, .string: return nil
            case .variable(let v):
                return (v.position != nil || v.environmentName != nil ? "$" + v.name : "--var \(v.name)", nil)
            case .file(let path, _): return ("\(shown(path)):", "")
            case .csv(let path, let column, _):
                switch column {
                case .name(let name): return ("\(shown(path)):", ", column \"\(name.value)\"")
                case .position(let n, _): return ("\(shown(path)):", ", column \(n)")
                }
            }
        }
        return { origin in
            let (item, line) = (Int(origin >> 32), Int(origin & 0xFFFF_FFFF))
            guard items.indices.contains(item), let named = items[item] else { return nil }
            return named.after.map { named.before + "\(line)" + $0 } ?? named.before
        }
    }

    /// The path a `file` or `csv` reads, with a variable bound (`file $1`),
    /// once the confinement allows reading it.
    func resolve(_ path: PathExpression) throws(RuntimeError) -> StringLiteral {
        let literal: StringLiteral
        switch path {
        case .literal(let s): literal = s
        case .variable(let v): literal = StringLiteral(value: try literals.require(v), range: v.range)
        }
        switch inputs.confinement.resolved(toRead: literal.value) {
        case .success(let real): return StringLiteral(value: real, range: literal.range)
        case .failure(let refusal): throw .at(literal.range, .notPermitted, refusal.message)
        }
    }

    /// The path as a message names it: `stdin` for `-`.
    func shown(_ path: PathExpression) -> String {
        let value = (try? resolve(path).value) ?? ""
        return ValueFiles.isStandardInput(value) ? "stdin" : value
    }

    /// The error for a find's invalid values (nil when there are none): each
    /// named with where it came from (the first 20, then a count).
    func invalidValuesError(_ find: FindSource, _ census: PlanCensus) -> RuntimeError? {
        guard let first = census.invalid.first else { return nil }
        let count = census.invalidCount
        let items = Set(census.invalid.map { Int($0.input.origin >> 32) })
        let range = items.count == 1 && count == census.invalid.count
            ? items.first.flatMap { find.items.indices.contains($0) ? find.items[$0].value.range : nil } ?? find.range : find.range
        let hint = "fix \(count == 1 ? "it" : "them"), or leave invalid values out with 'set invalid skip' (--skip-invalid)"
        if count == 1, origin(first.input.origin, in: find) == nil {
            return .diagnostic(Diagnostic(id: .invalidValues, range: range, message: first.error.message + "; nothing was sent", suggestion: hint))
        }
        var notes = census.invalid.map { entry in
            (origin(entry.input.origin, in: find).map { $0 + ": " } ?? "") + entry.error.message
        }
        if count > notes.count { notes.append("… and \(count - notes.count) more") }
        return .diagnostic(Diagnostic(id: .invalidValues, range: range,
                                      message: LookupSummary.nothingSent(invalid: count),
                                      suggestion: hint, notes: notes))
    }

    /// How values are planned under `settings`: as the client plans them (its
    /// own credentials never sent as a value, its answer cache), or without a client (`--dry-run`).
    func planner(for settings: Settings) -> SearchPlanner {
        client?.with(options: lookupOptions(settings)).planner
            ?? SearchPlanner(batchSize: settings.batch, normalizer: settings.searchOptions.normalizer)
    }

    func currentClient() throws(RuntimeError) -> HeymarketClient {
        guard let client else {
            throw .at(SourceRange(start: 0, end: 0), .noClient, "no API client: run with credentials or --sandbox (or use --dry-run)")
        }
        return client.with(options: lookupOptions(settings))
    }

    /// The search options of `settings`; while `.watch` runs, every answer is fresh (it is there to see changes).
    private func lookupOptions(_ settings: Settings) -> SearchOptions {
        var options = settings.searchOptions
        if watching != nil { options.refresh = true }
        return options
    }

    /// Where this session's proven answers are kept (nil: no client).
    public nonisolated var answerCache: AnswerCache? { client?.answerCache }

    /// Values answered from the answer cache so far (this session).
    public nonisolated var valuesFromCache: Int { answerCache?.statistics.hits ?? 0 }

    /// Looks up a find's values, handing rows to `onRows` in input order as
    /// they settle; `onRows` returns false when it needs no more, which stops
    /// the lookup (batches not sent are never sent). With `wholeResult`, rows
    /// come only once every batch is in (so that `matched` is complete).
    /// The rows of values that found no contact (`| unmatched`) go to
    /// `onOutcomes` as they settle with `streamsOutcomes` (it returns false when it
    /// needs no more, which stops the lookup too); the summary keeps them all
    /// only with `keepOutcomes` (the summary's notes count and name the first).
    ///
    /// Values stream: a census pass (counts, invalid values, repeats), the
    /// batches, and a pass beside them for each value's outcome, so memory
    /// does not grow with the input (only with repeated values and contacts found).
    /// `readerMayStop`: the stages may want no more rows before the end (see
    /// ``HeymarketClient/lookUp(_:planner:census:retainingMatches:settlesRestWhenStopped:readerMayStop:_:)``).
    func lookUp(_ find: FindSource, wholeResult: Bool, keepOutcomes: Bool, readerMayStop: Bool = false, onRows: ([Row]) throws -> Bool,
                streamsOutcomes: Bool = false, onOutcomes: ([Row]) throws -> Bool = { _ in true }) async throws -> SourceSummary {
        let input = try findInput(of: find)
        let client = try currentClient()
        let planner = planner(for: settings)
        var collector = OutcomeCollector(keepRows: keepOutcomes, streams: streamsOutcomes)
        /// False when `onOutcomes` needs no more (`| unmatched | limit 3`).
        @discardableResult func flush() throws -> Bool {
            let rows = collector.take()
            if rows.isEmpty { return true }
            return try onOutcomes(rows)
        }
        do {
            if let group = prefetched[settings.requestShape] {
                let summary = try await lookUp(find, input: input, sharing: group, with: client, collector: &collector, onRows: onRows)
                try flush()
                return summary
            }
            let census = try planner.census(input.opener)
            if settings.invalid == .error, let error = invalidValuesError(find, census) { throw error }
            noteDroppedExtensions(census, of: find)
            let progress = events.progress
            let originOf = originNamer(for: find)
            let summary = try await client.lookUp(input.opener, planner: planner, census: census, retainingMatches: wholeResult,
                                                  readerMayStop: readerMayStop && !wholeResult) { event in
                switch event {
                case .planned: break
                case .progress(let now): progress?(now)
                case .batch(let batch):
                    collector.learn(batch.attributionFailure)
                    if wholeResult { return true }
                    return try onRows(batch.matches.map(Row.init(match:)))
                case .outcome(let value, let normalized, let outcome):
                    collector.add(value.value, normalized, outcome, origin: originOf(value.origin))
                case .settled: return try flush()
                }
                return true
            }
            try flush()
            if wholeResult { _ = try onRows(summary.matches.map(Row.init(match:))) }
            return collector.summary(summary)
        } catch let error as HeymarketError {
            throw RuntimeError.api(error, range: find.range)
        }
    }

    /// A find whose values the script searches together with other finds':
    /// the shared result, restricted to this find's values.
    private func lookUp(_ find: FindSource, input: FindInput, sharing group: PrefetchGroup, with client: HeymarketClient,
                        collector: inout OutcomeCollector, onRows: ([Row]) throws -> Bool) async throws -> SourceSummary {
        let values = try input.values()
        let plan = client.plan(values.map(\.value))
        if settings.invalid == .error {
            var census = plan.census
            census.invalid = census.invalid.map { (values[Int($0.input.origin)], $0.error) }
            if let error = invalidValuesError(find, census) { throw error }
        }
        noteDroppedExtensions(plan.census, of: find)
        var group = group
        let shared: SearchResult
        if let done = group.result {
            shared = done
        } else {
            shared = try await client.search(group.values, progress: events.progress)
            group.result = shared
            prefetched[settings.requestShape] = group
        }
        let result = shared.restricted(to: plan)
        _ = try onRows(result.matches.map(Row.init(match:)))
        for failure in result.attributionFailures { collector.learn(failure) }
        let originOf = originNamer(for: find)
        for (input, outcome) in zip(values, result.inputs) {
            collector.add(outcome.value, outcome.normalized, outcome.outcome, origin: originOf(input.origin))
        }
        return collector.summary(result.summary(of: values))
    }

    /// Writes the requests a pipeline would send (never the Authorization header), a batch at a time.
    func explain(_ pipeline: Pipeline) throws {
        guard case .find(let find) = pipeline.source else {
            if case .variable(let v) = pipeline.source {
                try output.write("# $\(v.name) reuses a bound result: no request\n")
            }
            return
        }
        let input = try findInput(of: find)
        let masker = self.masker
        let options = lookupOptions(settings)
        let base = client?.baseURL ?? BaseURL.production
        let planner = planner(for: settings)
        let census = try planner.census(input.opener)
        // A records source's unreadable cell is that record's outcome, not a reason to stop.
        if settings.invalid == .error, find.records == nil, let error = invalidValuesError(find, census) { throw error }
        let pacing = settings.rate.map { "at most \($0.requests) requests per \($0.window == 60 ? "minute" : "\($0.description.split(separator: "/")[1])")" } ?? "no pacing"
        let (count, invalidCount, batches) = (census.inputCount, census.invalidCount, census.batchCount)
        var text = "# \(count) value\(count == 1 ? "" : "s")\(invalidCount > 0 ? " (\(invalidCount) invalid)" : ""), \(census.distinctCount) distinct, \(batches) request\(batches == 1 ? "" : "s") (batch \(options.batchSize), concurrency \(options.concurrency), \(pacing))\n"
        let cached = census.cachedCount
        if let age = options.cache {
            if client == nil {
                text += "# the answer cache is not read without a connection (--dry-run): every request is shown\n"
            } else if planner.answers?.reads != true {
                text += "# the answer cache is not read: " + (options.checkpoint != nil ? "a checkpoint's batches must be the same ones when it resumes" : "refresh is on") + "\n"
            } else if cached > 0 {
                text += "# \(cached) value\(cached == 1 ? "" : "s") answered from the cache (answers younger than \(Settings.shownDuration(age))): not sent; 'set refresh on' asks anyway\n"
            }
        }
        if settings.attribution == .exact {
            // Every batch is full but the last.
            let sent = census.distinctCount - cached
            let full = sent / options.batchSize, rest = sent % options.batchSize
            let bound = full * AttributionMode.extraRequestBound(values: options.batchSize) + AttributionMode.extraRequestBound(values: rest)
            text += "# attribution exact: up to \(bound) more request\(bound == 1 ? "" : "s") (2 × values − 2 per batch, retries aside), only for batches whose answer holds contacts no field ties to a value; "
                + "batches share them, so usually about one per \(options.batchSize) such values, and a few more per value found only through a channel no field shows\n"
        }
        if invalidCount > 0 {
            let originOf = originNamer(for: find)
            let reader = try input.opener()
            while let next = try reader.next() {
                guard case .failure(let e) = planner.normalize(next.value) else { continue }
                text += "# not sent (invalid): " + (originOf(next.origin).map { $0 + ": " } ?? "") + e.message + "\n"
                if text.utf8.count > 1 << 16 { try output.write(masker.text(text)); text = "" }
            }
        }
        if let note = census.droppedExtensionsNote { text += "# \(note)\n" }
        try planner.forEachBatch(input.opener, census: census) { batch in
            // Answered from the cache: no request.
            if batch.values.isEmpty { return }
            let request = HeymarketClient.searchRequest(for: batch, baseURL: base, timeout: options.timeout)
            text += "\(request.method) \(request.url)\n"
            for header in request.headers { text += "\(header.name): \(header.value)\n" }
            text += "Authorization: Bearer <a fresh JWT, not shown>\n\n"
            text += String(decoding: request.body, as: UTF8.self) + "\n\n"
            if text.utf8.count > 1 << 16 { try output.write(masker.text(text)); text = "" }
        }
        try output.write(masker.text(text))
    }
}

/// Gathers what became of the values that found no contact, one at a time in
/// input order, as rows for `| unmatched` (handed on as they come, or kept);
/// the notes come from the lookup's ``LookupSummary``.
struct OutcomeCollector {
    let keepRows: Bool
    let streams: Bool
    private var pending: [Row] = []
    private var kept: [Row] = []
    private var attributionError: [NormalizedChannelValue: HeymarketError] = [:]

    init(keepRows: Bool, streams: Bool) {
        self.keepRows = keepRows
        self.streams = streams
    }

    /// A batch whose exact attribution could not finish (its values' detail says so).
    mutating func learn(_ failure: BatchFailure?) {
        for value in failure?.values ?? [] { attributionError[value] = failure?.error }
    }

    /// One input value's outcome (`origin`: where it came from, for an invalid one).
    mutating func add(_ value: ChannelValue, _ normalized: NormalizedChannelValue?, _ outcome: SearchResult.Outcome, origin: String?) {
        let reason: SourceSummary.Reason
        var detail: String?
        switch outcome {
        case .matched, .notSearched: return
        case .unmatched: reason = .noContact
        case .undetermined:
            reason = .undetermined
            if let error = normalized.flatMap({ attributionError[$0] }) {
                detail = "exact attribution could not finish: \(error)"
            } else {
                detail = "its batch's answer holds a contact no field ties to any input value; 'set attribution exact' asks the server which"
            }
        case .invalid(let e):
            reason = .invalid
            // A value the server refused gives its status and request id.
            let why = e.status == nil ? e.message : e.description
            detail = origin.map { $0 + ": " + why } ?? why
        case .failed(let e):
            reason = .failed
            detail = e.description
        }
        // A value holding this session's credential is never shown.
        var shown = value.value
        if case .invalid(let e) = outcome { shown = e.shownValue(shown) }
        guard keepRows || streams else { return }
        let row = Row(fields: JSONObject([
            .init(key: "type", value: value.type.map(JSONValue.string) ?? .null),
            .init(key: "value", value: .string(shown)),
            .init(key: "reason", value: .string(reason.rawValue)),
            .init(key: "detail", value: detail.map(JSONValue.string) ?? .null),
        ]))
        if keepRows { kept.append(row) }
        if streams { pending.append(row) }
    }

    /// The rows gathered since the last call, for `| unmatched`.
    mutating func take() -> [Row] {
        defer { pending = [] }
        return pending
    }

    /// What the find came to: the rows kept, and the lookup's summary (its notes).
    func summary(_ lookup: LookupSummary) -> SourceSummary {
        SourceSummary(unmatched: kept, lookup: lookup, failures: lookup.failures, attributionFailures: lookup.attributionFailures)
    }
}

extension Row {
    /// A contact found by a search, with the values tied to it.
    init(match: SearchResult.Match) {
        self.init(fields: match.contact.fields, matched: match.matchedValues)
    }
}
