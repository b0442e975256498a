import Foundation
import HMQHost
import HMQJSON
import HMQRuntime
import HMQSyntax
import Heymarket
import Synchronization

/// What `hmq mcp` offers an agent, apart from the protocol: each tool takes
/// JSON arguments and answers a JSON object, and says whether it is an error.
///
/// Queries run the one way (``ScriptRunner``) in one session, so `let`
/// bindings and `set` carry from one call to the next, one call at a time.
/// Credentials come from the host (profile, environment, `--sandbox`), never
/// from the agent; no answer holds them.
public actor AgentTools {
    /// A tool's answer: a JSON object, and whether it reports a failure.
    public struct Answer: Sendable {
        public var json: JSONValue
        public var isError: Bool
    }

    /// Rows a query returns when the agent gives no `limit`, and the most it may ask for.
    public static let defaultRowLimit = 100
    public static let maximumRowLimit = 1000
    /// The most characters of a text in an answer (`explain`, an error's message), and of one note or failure.
    public static let textLimit = 65_536
    public static let noteLimit = 1000
    /// The most notes, diagnostics and details in an answer (`unmatched` and `failures` take `limit`).
    public static let listLimit = 20

    let client: HeymarketClient?
    /// The session's secrets (the key), never in an answer.
    public nonisolated var secrets: [String] { client?.secrets ?? [] }
    let registry: PluginRegistry
    let settings: Settings
    let inputs: ScriptInputs
    let evaluator: Evaluator
    /// What `explain` statements in a query write.
    let explanations = CollectingSink()
    let runner = ScriptRunner()

    /// Why there is no client (no credentials), said when a call needs one.
    let noClient: String

    public init(client: HeymarketClient?, registry: PluginRegistry, settings: Settings, inputs: ScriptInputs,
                noClient: String? = nil) {
        self.client = client
        self.noClient = noClient ?? "no credentials: start hmq mcp with a profile, HEYMARKET_SECRET_ID and HEYMARKET_SECRET_KEY, or --sandbox"
        self.registry = registry
        self.settings = settings
        self.inputs = inputs
        evaluator = Evaluator(client: client, registry: registry, output: explanations, settings: settings, inputs: inputs)
    }

    // MARK: query

    /// Runs hmq text; answers `{results, rows, columns, row_count, truncated,
    /// unmatched, failures, requests, notes, explain}`, with `error` when it did
    /// not finish cleanly. `results` has one entry per pipeline that output rows;
    /// `rows`, `columns`, `row_count` and `truncated` are the last one's. At most
    /// `limit` rows come back in all.
    /// How answers are masked (`hmq mcp --mask`, `set mask`).
    public var masker: Masker { get async { await evaluator.masker } }

    public func query(_ text: String, limit: Int = defaultRowLimit) async -> Answer {
        let source = Source(name: "<query>", text: text)
        var answer = QueryAnswer()
        guard case .success(let parsed) = runner.parse([source], pluginStages: registry.stageNames, report: { _, _ in }) else {
            answer.error = syntaxError(source)
            return answer.answer
        }
        if let save = parsed.first.flatMap({ Self.firstSave(in: $0.script) }) {
            let diagnostic = Diagnostic(id: .notPermitted, range: save, message: "save is not available to an agent: the rows come back in the answer")
            answer.error = Self.errorObject(kind: "usage", status: .usage, message: diagnostic.message, diagnostics: [Self.describe(diagnostic, in: source)])
            return answer.answer
        }
        if client == nil, parsed.contains(where: { Self.looksUp($0.script) }) {
            answer.error = Self.errorObject(kind: "authentication", status: .authentication, message: noClient)
            return answer.answer
        }
        let collected = Mutex(Collected(cap: limit))
        let before = evaluator.requestsSent
        _ = explanations.take()
        let events = RunEvents(
            note: { note in collected.withLock { $0.notes.append(note) } },
            rows: { rows, columns in collected.withLock { $0.add(rows, columns: columns) } },
            outcomes: { rows in collected.withLock { $0.outcomes += rows } },
            pipeline: { columns in collected.withLock { $0.start(columns: columns) } })
        let outcome = await runner.run(parsed, in: evaluator, report: { _, _ in }, events: events)
        let got = collected.withLock { $0 }
        answer.results = got.results
        let unmatched = got.outcomes.filter { $0.fields["reason"]?.stringValue != "failed" }
        answer.unmatched = answer.keep("unmatched", unmatched.map { .object($0.fields) }, limit)
        answer.failures = answer.keep("failures", outcome.errors.flatMap(Self.failures), limit)
        answer.requests = evaluator.requestsSent - before
        answer.notes = answer.keep("notes", got.notes.map { .string(Self.noteText($0).clipped(to: Self.noteLimit)) }, Self.listLimit)
        let explained = explanations.take()
        answer.explain = explained.clipped(to: Self.textLimit)
        if explained.count > Self.textLimit { answer.omitted.append(("explain_characters", explained.count - Self.textLimit)) }
        let shown = got.results.reduce(0) { $0 + $1.rows.count }, total = got.results.reduce(0) { $0 + $1.rowCount }
        var hints: [String] = []
        if total > shown {
            hints.append("\(total) rows; \(shown) returned. Narrow the query (where, show, count by) or pass a larger limit (at most \(Self.maximumRowLimit)).")
        }
        if !answer.omitted.isEmpty {
            let what = answer.omitted.map { "\($0.count) \($0.key == "explain_characters" ? "characters of explain" : "\($0.key) entries")" }
            hints.append("Left out: \(what.joined(separator: ", ")) (counted in 'omitted'); unmatched and failures list at most limit entries: "
                         + "'| unmatched' gives the values as rows, '| unmatched | count' counts them.")
        }
        if !hints.isEmpty { answer.hint = hints.joined(separator: " ") }
        if outcome.status != .ok {
            let errors = outcome.errors.map { Self.describe($0.diagnostic, in: source) }
            answer.error = Self.errorObject(kind: Self.kind(outcome.status), status: outcome.status,
                                            message: outcome.errors.first.map { $0.diagnostic.message } ?? "interrupted",
                                            diagnostics: errors, requestID: outcome.errors.lazy.compactMap(Self.requestID).first)
        }
        return answer.answer
    }

    /// One pipeline's output.
    struct Result: Sendable {
        var columns: [String]?
        var rows: [Row] = []
        var rowCount = 0
        var json: JSONValue {
            .object(JSONObject([
                .init(key: "columns", value: columns.map { .array($0.map(JSONValue.string)) } ?? .null),
                .init(key: "rows", value: .array(rows.map { .object($0.fields) })),
                .init(key: "row_count", value: .integer(Int64(rowCount))),
                .init(key: "truncated", value: .bool(rowCount > rows.count)),
            ]))
        }
    }

    struct Collected: Sendable {
        let cap: Int
        var results: [Result] = []
        var outcomes: [Row] = []
        var notes: [Diagnostic] = []
        var kept = 0

        mutating func start(columns: [String]?) { results.append(Result(columns: columns)) }

        mutating func add(_ more: [Row], columns: [String]?) {
            if results.isEmpty { results.append(Result()) }
            if let columns { results[results.count - 1].columns = columns }
            results[results.count - 1].rowCount += more.count
            let room = cap - kept
            if room > 0 {
                results[results.count - 1].rows += more.prefix(room)
                kept += min(room, more.count)
            }
        }
    }

    /// A query's answer: every key always present, `error` when it failed.
    struct QueryAnswer {
        var results: [Result] = []
        var unmatched: [JSONValue] = []
        var failures: [JSONValue] = []
        var requests = 0
        var notes: [JSONValue] = []
        var explain = ""
        /// What was left out, by key: `unmatched`, `failures`, `notes` entries, `explainCharacters`.
        var omitted: [(key: String, count: Int)] = []
        var hint: String?
        var error: JSONValue?

        /// The first `limit` of `entries`, counting the rest in `omitted` under `key`.
        mutating func keep(_ key: String, _ entries: [JSONValue], _ limit: Int) -> [JSONValue] {
            if entries.count > limit { omitted.append((key, entries.count - limit)) }
            return Array(entries.prefix(limit))
        }

        var answer: Answer {
            let last = results.last ?? Result()
            var fields: [JSONObject.Member] = [
                .init(key: "results", value: .array(results.map(\.json))),
                .init(key: "rows", value: .array(last.rows.map { .object($0.fields) })),
                .init(key: "columns", value: last.columns.map { .array($0.map(JSONValue.string)) } ?? .null),
                .init(key: "row_count", value: .integer(Int64(last.rowCount))),
                .init(key: "truncated", value: .bool(results.contains { $0.rowCount > $0.rows.count })),
                .init(key: "unmatched", value: .array(unmatched)),
                .init(key: "failures", value: .array(failures)),
                .init(key: "requests", value: .integer(Int64(requests))),
                .init(key: "notes", value: .array(notes)),
                .init(key: "explain", value: .string(explain)),
            ]
            if !omitted.isEmpty {
                fields.append(.init(key: "omitted", value: .object(JSONObject(omitted.map { .init(key: $0.key, value: .integer(Int64($0.count))) }))))
            }
            if let hint { fields.append(.init(key: "hint", value: .string(hint))) }
            fields.append(.init(key: "error", value: error ?? .null))
            return Answer(json: .object(JSONObject(fields)), isError: error != nil)
        }
    }

    // MARK: explain, check

    /// The requests a text would send (never a credential), without sending
    /// them, with the session's settings as they are now.
    public func explain(_ text: String) async -> Answer {
        let source = Source(name: "<explain>", text: text)
        guard case .success(let parsed) = runner.parse([source], pluginStages: registry.stageNames, report: { _, _ in }) else {
            return Self.failure(syntaxError(source), ["explain": .string("")])
        }
        let sink = CollectingSink()
        let dry = Evaluator(client: client, registry: registry, output: sink, settings: await evaluator.snapshot.settings, inputs: inputs, dryRun: true)
        let outcome = await runner.run(parsed, in: dry, report: { _, _ in })
        guard outcome.status == .ok else {
            let errors = outcome.errors.map { Self.describe($0.diagnostic, in: source) }
            return Self.failure(Self.errorObject(kind: Self.kind(outcome.status), status: outcome.status,
                                                 message: outcome.errors.first?.diagnostic.message ?? "interrupted", diagnostics: errors),
                                ["explain": .string(sink.text.clipped(to: Self.textLimit))])
        }
        return Answer(json: .object(JSONObject([.init(key: "explain", value: .string(sink.text.clipped(to: Self.textLimit))), .init(key: "error", value: .null)])),
                      isError: false)
    }

    /// Every diagnostic of a text: `{ok, diagnostics: [{line, column, end_line, end_column, severity, id, message, suggestion, notes}]}`.
    public func check(_ text: String) -> Answer {
        let source = Source(name: "<check>", text: text)
        let diagnostics = ScriptCheck.parse(source, pluginStages: registry.stageNames).diagnostics
        let hasErrors = diagnostics.contains { $0.severity == .error }
        return Answer(json: .object(JSONObject([
            .init(key: "ok", value: .bool(!hasErrors)),
            .init(key: "diagnostics", value: .array(diagnostics.map { Self.describe($0, in: source) })),
            .init(key: "error", value: .null),
        ])), isError: false)
    }

    // MARK: lookup

    /// Channel values in, the `hmq search --report` object out (with the
    /// session's settings; `skipInvalid` leaves invalid values out instead of
    /// refusing them all, as `--skip-invalid` does).
    public func lookup(phones: [String], emails: [String], untyped: [String], skipInvalid: Bool? = nil) async -> Answer {
        let values = phones.map(ChannelValue.phone) + emails.map(ChannelValue.email) + untyped.map(ChannelValue.untyped)
        guard !values.isEmpty else {
            return Self.failure(Self.errorObject(kind: "usage", status: .usage, message: "give at least one value: phone, email or values (arrays of strings)"))
        }
        guard let client else {
            return Self.failure(Self.errorObject(kind: "authentication", status: .authentication, message: noClient))
        }
        var settings = await evaluator.snapshot.settings
        if let skipInvalid { settings.invalid = skipInvalid ? .skip : .error }
        let before = client.requestsSent
        do {
            let result = try await Host.lookUp(values, with: client.with(options: settings.searchOptions), settings: settings)
            // Judged as `hmq search` judges it: a failed batch or an unfinished exact attribution is an error.
            let status = ExitStatus(result.summary)
            let failed = result.failures + result.attributionFailures
            return Self.reportAnswer(result, requests: client.requestsSent - before, error: status == .ok ? .null
                : Self.errorObject(kind: Self.kind(status), status: status, message: failed.first.map(\.description) ?? "",
                                   requestID: failed.lazy.compactMap(\.error.requestID).first))
        } catch let invalid as InvalidValuesError {
            // As `hmq search --report` does: the report all the same, listing the invalid values (the others not searched).
            return Self.reportAnswer(invalid.result, requests: 0, error: Self.errorObject(
                kind: "usage", status: .usage, message: LookupSummary.nothingSent(invalid: invalid.count) + " (skip_invalid: true leaves them out)",
                details: invalid.first.map(\.error.message)))
        } catch let error as HeymarketError {
            let status = ExitStatus(error)
            return Self.failure(Self.errorObject(kind: Self.kind(status), status: status, message: error.description, requestID: error.requestID))
        } catch {
            return Self.failure(Self.errorObject(kind: "api", status: .api, message: "\(error)"))
        }
    }

    /// The `hmq search --report` object of `result`, bounded, with `requests` and `error` (`.null`: none).
    static func reportAnswer(_ result: SearchResult, requests: Int, error: JSONValue) -> Answer {
        guard case .object(var report) = result.report else { return Answer(json: result.report, isError: error != .null) }
        bound(&report)
        report["requests"] = .integer(Int64(requests))
        report["error"] = error
        return Answer(json: .object(report), isError: error != .null)
    }

    /// Every list of a report cut to ``maximumRowLimit`` entries, with `omitted` counting what was left out.
    static func bound(_ report: inout JSONObject) {
        var omitted: [JSONObject.Member] = []
        for member in report.members {
            guard case .array(let entries) = member.value, entries.count > maximumRowLimit else { continue }
            report[member.key] = .array(Array(entries.prefix(maximumRowLimit)))
            omitted.append(.init(key: member.key, value: .integer(Int64(entries.count - maximumRowLimit))))
        }
        if !omitted.isEmpty { report["omitted"] = .object(JSONObject(omitted)) }
    }

    // MARK: Shapes

    func syntaxError(_ source: Source) -> JSONValue {
        let diagnostics = ScriptCheck.parse(source, pluginStages: registry.stageNames).diagnostics
        let errors = diagnostics.filter { $0.severity == .error }
        let message = errors.first.map { "\(source.location(of: $0.range.start)): \($0.message)" } ?? "syntax error"
        return Self.errorObject(kind: "syntax", status: .syntax, message: message, diagnostics: diagnostics.map { Self.describe($0, in: source) })
    }

    /// An answer that is only an error (with `fields` before it).
    static func failure(_ error: JSONValue, _ fields: [String: JSONValue] = [:]) -> Answer {
        Answer(json: .object(JSONObject(fields.sorted { $0.key < $1.key }.map { .init(key: $0.key, value: $0.value) } + [.init(key: "error", value: error)])),
               isError: true)
    }

    /// `{kind, exit_code, message, diagnostics, request_id, details}`: the exit code is the one `hmq` would exit with.
    /// Bounded: the message is cut to ``textLimit`` characters, diagnostics and details to ``listLimit``
    /// entries (the last detail then says how many were left out).
    static func errorObject(kind: String, status: ExitStatus, message: String, diagnostics: [JSONValue] = [], requestID: String? = nil,
                            details: [String] = []) -> JSONValue {
        var kept = details.prefix(listLimit).map { $0.clipped(to: noteLimit) }
        if details.count > listLimit { kept.append("… and \(details.count - listLimit) more") }
        if diagnostics.count > listLimit { kept.append("\(diagnostics.count - listLimit) more diagnostics left out (check lists them all)") }
        return .object(JSONObject([
            .init(key: "kind", value: .string(kind)),
            .init(key: "exit_code", value: .integer(Int64(Int(status.rawValue)))),
            .init(key: "message", value: .string(message.clipped(to: textLimit))),
            .init(key: "diagnostics", value: .array(Array(diagnostics.prefix(listLimit)))),
            .init(key: "request_id", value: requestID.map(JSONValue.string) ?? .null),
            .init(key: "details", value: .array(kept.map(JSONValue.string))),
        ]))
    }

    static func kind(_ status: ExitStatus) -> String { status.kind }

    /// A diagnostic with 1-based lines and columns (columns count characters, as `hmq check` prints them).
    static func describe(_ diagnostic: Diagnostic, in source: Source) -> JSONValue {
        let start = source.location(of: diagnostic.range.start), end = source.location(of: diagnostic.range.end)
        return .object(JSONObject([
            .init(key: "line", value: .integer(Int64(start.line))),
            .init(key: "column", value: .integer(Int64(start.column))),
            .init(key: "end_line", value: .integer(Int64(end.line))),
            .init(key: "end_column", value: .integer(Int64(end.column))),
            .init(key: "severity", value: .string(diagnostic.severity.rawValue)),
            .init(key: "id", value: .string(diagnostic.id.rawValue)),
            .init(key: "message", value: .string(diagnostic.message)),
            .init(key: "suggestion", value: diagnostic.suggestion.map(JSONValue.string) ?? .null),
            .init(key: "notes", value: .array(diagnostic.notes.map(JSONValue.string))),
        ]))
    }

    static func noteText(_ note: Diagnostic) -> String {
        note.message + (note.suggestion.map { " (\($0))" } ?? "")
    }

    /// The failed batches of a partly failed run, as `hmq search --report` writes them (``BatchFailure/json``), the error cut to ``noteLimit``.
    static func failures(_ error: RuntimeError) -> [JSONValue] {
        guard case .partialFailure(let failures, _, _, let attribution) = error else { return [] }
        return (failures + attribution).map { failure in
            guard case .object(var object) = failure.json else { return failure.json }
            object["error"] = .string(failure.error.message.clipped(to: noteLimit))
            return .object(object)
        }
    }

    static func requestID(_ error: RuntimeError) -> String? {
        switch error {
        case .api(let e, _): e.requestID
        case .partialFailure(let failures, _, _, _): failures.lazy.compactMap(\.error.requestID).first
        case .diagnostic: nil
        }
    }

    /// Whether a script sends requests (a pipeline or `let` reading a `find`).
    static func looksUp(_ script: Script) -> Bool {
        script.statements.contains { statement in
            switch statement {
            case .pipeline(let p): if case .find = p.source { true } else { false }
            case .let(let l): if case .find = l.pipeline.source { true } else { false }
            case .explain, .set: false
            }
        }
    }

    static func firstSave(in script: Script) -> SourceRange? {
        for statement in script.statements {
            let pipeline: Pipeline
            switch statement {
            case .pipeline(let p): pipeline = p
            case .let(let l): pipeline = l.pipeline
            case .explain, .set: continue
            }
            for stage in pipeline.stages { if case .save(let save) = stage { return save.range } }
        }
        return nil
    }
}
