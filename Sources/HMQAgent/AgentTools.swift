import Foundation
import HMQHost
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

    let client: HeymarketClient?
    let registry: PluginRegistry
    let settings: Settings
    let inputs: ScriptInputs
    let evaluator: Evaluator
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
        evaluator = Evaluator(client: client, registry: registry, output: CollectingSink(), settings: settings, inputs: inputs)
    }

    // MARK: query

    /// Runs hmq text; answers `{rows, columns, rowCount, truncated, unmatched,
    /// failures, requests, notes}`, with `error` when it did not finish cleanly.
    public func query(_ text: String, limit: Int?) async -> Answer {
        let cap = min(max(limit ?? Self.defaultRowLimit, 0), Self.maximumRowLimit)
        let source = Source(name: "<query>", text: text)
        guard case .success(let parsed) = runner.parse([source], pluginStages: registry.stageNames, report: { _, _ in }) else {
            return syntaxAnswer(source)
        }
        if let save = parsed.first.flatMap({ Self.firstSave(in: $0.script) }) {
            let diagnostic = Diagnostic(id: .runtime, range: save, message: "save is not available to an agent: the rows come back in the answer")
            return Answer(json: Self.errorObject(kind: "usage", status: .usage, message: diagnostic.message, diagnostics: [Self.describe(diagnostic, in: source)]), isError: true)
        }
        if client == nil, parsed.contains(where: { Self.looksUp($0.script) }) {
            return Answer(json: Self.errorObject(kind: "authentication", status: .authentication, message: noClient), isError: true)
        }
        let collected = Mutex(Collected())
        let before = evaluator.requestsSent
        let events = RunEvents(
            note: { note in collected.withLock { $0.notes.append(note) } },
            rows: { rows, columns in collected.withLock { $0.add(rows, columns: columns, cap: cap) } },
            outcomes: { rows in collected.withLock { $0.outcomes += rows } })
        let outcome = await runner.run(parsed, in: evaluator, report: { _, _ in }, events: events)
        let got = collected.withLock { $0 }
        var fields: [JSONObject.Member] = [
            .init(key: "rows", value: .array(got.rows.map { .object($0.fields) })),
            .init(key: "columns", value: got.columns.map { .array($0.map(JSONValue.string)) } ?? .null),
            .init(key: "rowCount", value: .integer(Int64(got.rowCount))),
            .init(key: "truncated", value: .bool(got.rowCount > got.rows.count)),
            .init(key: "unmatched", value: .array(got.outcomes.filter { $0.fields["reason"]?.stringValue != "failed" }.map { .object($0.fields) })),
            .init(key: "failures", value: .array(outcome.errors.flatMap(Self.failures))),
            .init(key: "requests", value: .integer(Int64(evaluator.requestsSent - before))),
            .init(key: "notes", value: .array(got.notes.map { .string(Self.noteText($0)) })),
        ]
        if got.rowCount > got.rows.count {
            fields.append(.init(key: "hint", value: .string("\(got.rowCount) rows; \(got.rows.count) returned. Narrow the query (where, show, count by) or pass a larger limit (at most \(Self.maximumRowLimit)).")))
        }
        if outcome.status != .ok {
            let errors = outcome.errors.map { Self.describe($0.diagnostic, in: source) }
            let message = outcome.errors.first.map { $0.diagnostic.message } ?? "interrupted"
            fields.append(.init(key: "error", value: Self.errorObject(kind: Self.kind(outcome.status), status: outcome.status, message: message,
                                                                     diagnostics: errors, requestID: outcome.errors.lazy.compactMap(Self.requestID).first)))
        }
        return Answer(json: .object(JSONObject(fields)), isError: outcome.status != .ok)
    }

    struct Collected: Sendable {
        var rows: [Row] = []
        var rowCount = 0
        var columns: [String]?
        var outcomes: [Row] = []
        var notes: [Diagnostic] = []

        mutating func add(_ more: [Row], columns: [String]?, cap: Int) {
            if let columns { self.columns = columns }
            rowCount += more.count
            let room = cap - rows.count
            if room > 0 { rows += more.prefix(room) }
        }
    }

    // MARK: explain, check

    /// The requests a text would send (never a credential), without sending them.
    public func explain(_ text: String) async -> Answer {
        let source = Source(name: "<explain>", text: text)
        guard case .success(let parsed) = runner.parse([source], pluginStages: registry.stageNames, report: { _, _ in }) else {
            return syntaxAnswer(source)
        }
        let sink = CollectingSink()
        let dry = Evaluator(client: client, registry: registry, output: sink, settings: settings, inputs: inputs, dryRun: true)
        let outcome = await runner.run(parsed, in: dry, report: { _, _ in })
        var fields: [JSONObject.Member] = [.init(key: "explain", value: .string(sink.text))]
        if outcome.status != .ok {
            let errors = outcome.errors.map { Self.describe($0.diagnostic, in: source) }
            fields.append(.init(key: "error", value: Self.errorObject(kind: Self.kind(outcome.status), status: outcome.status,
                                                                     message: outcome.errors.first?.diagnostic.message ?? "interrupted", diagnostics: errors)))
        }
        return Answer(json: .object(JSONObject(fields)), isError: outcome.status != .ok)
    }

    /// Every diagnostic of a text: `{diagnostics: [{line, column, endLine, endColumn, severity, message, suggestion}]}`.
    public func check(_ text: String) -> Answer {
        let source = Source(name: "<check>", text: text)
        let result = Parser.parse(source, pluginStages: registry.stageNames)
        let hasErrors = result.diagnostics.contains { $0.severity == .error }
        return Answer(json: .object(JSONObject([
            .init(key: "ok", value: .bool(!hasErrors)),
            .init(key: "diagnostics", value: .array(result.diagnostics.map { Self.describe($0, in: source) })),
        ])), isError: false)
    }

    // MARK: lookup

    /// Channel values in, the `hmq search --report` object out.
    public func lookup(phones: [String], emails: [String], untyped: [String]) async -> Answer {
        let values = phones.map(ChannelValue.phone) + emails.map(ChannelValue.email) + untyped.map(ChannelValue.untyped)
        guard !values.isEmpty else {
            return Answer(json: Self.errorObject(kind: "usage", status: .usage, message: "give at least one value: phone, email or values"), isError: true)
        }
        guard let client else {
            return Answer(json: Self.errorObject(kind: "authentication", status: .authentication, message: noClient), isError: true)
        }
        let before = client.requestsSent
        do {
            let result = try await Host.lookUp(values, with: client.with(options: settings.searchOptions), settings: settings)
            guard case .object(var report) = result.report else { return Answer(json: result.report, isError: !result.isComplete) }
            report["requests"] = .integer(Int64(client.requestsSent - before))
            let status: ExitStatus = result.failures.contains { $0.error.isAuthentication } ? .authentication : (result.isComplete ? .ok : .api)
            if status != .ok {
                report["error"] = Self.errorObject(kind: Self.kind(status), status: status, message: result.failures.first.map(\.description) ?? "",
                                                   requestID: result.failures.lazy.compactMap(\.error.requestID).first)
            }
            return Answer(json: .object(report), isError: status != .ok)
        } catch let invalid as InvalidValuesError {
            return Answer(json: Self.errorObject(kind: "usage", status: .usage, message: invalid.message,
                                                 details: invalid.errors.prefix(20).map(\.message)), isError: true)
        } catch let error as HeymarketError {
            let status = ExitStatus(error)
            return Answer(json: Self.errorObject(kind: Self.kind(status), status: status, message: error.description, requestID: error.requestID), isError: true)
        } catch {
            return Answer(json: Self.errorObject(kind: "api", status: .api, message: "\(error)"), isError: true)
        }
    }

    // MARK: Shapes

    func syntaxAnswer(_ source: Source) -> Answer {
        let diagnostics = Parser.parse(source, pluginStages: registry.stageNames).diagnostics
        let errors = diagnostics.filter { $0.severity == .error }
        let message = errors.first.map { "\(source.location(of: $0.range.start)): \($0.message)" } ?? "syntax error"
        return Answer(json: Self.errorObject(kind: "syntax", status: .syntax, message: message, diagnostics: diagnostics.map { Self.describe($0, in: source) }),
                      isError: true)
    }

    /// `{kind, exitCode, message, diagnostics?, requestId?, details?}`: the exit code is the one `hmq` would exit with.
    static func errorObject(kind: String, status: ExitStatus, message: String, diagnostics: [JSONValue] = [], requestID: String? = nil,
                            details: [String] = []) -> JSONValue {
        var fields: [JSONObject.Member] = [
            .init(key: "kind", value: .string(kind)),
            .init(key: "exitCode", value: .integer(Int64(Int(status.rawValue)))),
            .init(key: "message", value: .string(message)),
        ]
        if !diagnostics.isEmpty { fields.append(.init(key: "diagnostics", value: .array(diagnostics))) }
        if let requestID { fields.append(.init(key: "requestId", value: .string(requestID))) }
        if !details.isEmpty { fields.append(.init(key: "details", value: .array(details.map(JSONValue.string)))) }
        return .object(JSONObject(fields))
    }

    static func kind(_ status: ExitStatus) -> String {
        switch status {
        case .ok: "ok"
        case .usage: "usage"
        case .syntax: "syntax"
        case .api: "api"
        case .authentication: "authentication"
        case .interrupted: "interrupted"
        }
    }

    /// A diagnostic with 1-based lines and columns (columns count characters, as `hmq check` prints them).
    static func describe(_ diagnostic: Diagnostic, in source: Source) -> JSONValue {
        let start = source.location(of: diagnostic.range.start), end = source.location(of: diagnostic.range.end)
        return .object(JSONObject([
            .init(key: "line", value: .integer(Int64(start.line))),
            .init(key: "column", value: .integer(Int64(start.column))),
            .init(key: "endLine", value: .integer(Int64(end.line))),
            .init(key: "endColumn", value: .integer(Int64(end.column))),
            .init(key: "severity", value: .string(diagnostic.severity.rawValue)),
            .init(key: "message", value: .string(diagnostic.message)),
            .init(key: "suggestion", value: diagnostic.suggestion.map(JSONValue.string) ?? .null),
            .init(key: "notes", value: .array(diagnostic.notes.map(JSONValue.string))),
        ]))
    }

    static func noteText(_ note: Diagnostic) -> String {
        note.message + (note.suggestion.map { " (\($0))" } ?? "")
    }

    static func failures(_ error: RuntimeError) -> [JSONValue] {
        guard case .partialFailure(let failures, _, _, let attribution) = error else { return [] }
        return (failures + attribution).map { failure in
            .object(JSONObject([
                .init(key: "batch", value: .integer(Int64(failure.batchIndex + 1))),
                .init(key: "values", value: .array(failure.values.map { .string($0.value) })),
                .init(key: "error", value: .string(failure.error.description)),
                .init(key: "status", value: failure.error.status.map { .integer(Int64($0)) } ?? .null),
                .init(key: "requestId", value: failure.error.requestID.map(JSONValue.string) ?? .null),
                .init(key: "attempts", value: .integer(Int64(failure.attempts))),
            ]))
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
