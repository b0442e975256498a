import Foundation
import HMQSyntax
import Heymarket

/// Runs parsed scripts: plans the lookups, calls Heymarket, applies the stages
/// and hands rows to formatters. One evaluator is one session: settings and
/// `let` bindings persist from one script (or REPL line) to the next.
public final class Evaluator: @unchecked Sendable {
    /// Fields the API documents for a contact (plus the virtual ones), for
    /// "unknown field" checks and completion.
    public static let contactFields = Contact.documentedFields + Row.virtualFields

    public private(set) var settings: Settings
    /// The formatters output goes through.
    public let registry: PluginRegistry
    /// `$1`, `--var` values and the environment.
    public var inputs: ScriptInputs
    /// Print requests instead of sending them (`--dry-run`).
    public var dryRun: Bool
    /// Called with notes for the user (values that matched no contact); the CLI prints them on stderr.
    public var onNote: ((Diagnostic) -> Void)?
    /// Called as a lookup's batches finish: (done, in all). The CLI draws a progress line on a terminal.
    public var onProgress: (@Sendable (Int, Int) -> Void)?
    /// What stdout is attached to (terminal width, colour), for formats that adapt.
    public var outputContext = OutputContext.file
    /// Results bound with `let`.
    public private(set) var bindings: [String: Relation] = [:]
    /// Field names seen in results, custom fields as `custom.KEY` (for completion).
    public private(set) var seenFields: Set<String> = []
    /// HTTP requests sent, retries included.
    public var requestsSent: Int { client?.requestsSent ?? 0 }

    let client: HeymarketClient?
    let output: any OutputSink
    /// Search results prepared for the finds of the running script, by request shape.
    var prefetched: [[String]: PrefetchGroup] = [:]
    /// The values of each `find` of the running script, read once (files included),
    /// by its range in that script; nil outside ``run(_:continueOnError:)``.
    var findValuesCache: [SourceRange: FindValues]?

    /// - Parameters:
    ///   - client: the API client; nil allows only `--dry-run` and `explain`.
    ///   - output: where rows and explanations go (stdout in the CLI).
    public init(client: HeymarketClient?, registry: PluginRegistry, output: any OutputSink, settings: Settings = Settings(), inputs: ScriptInputs = ScriptInputs(), dryRun: Bool = false) {
        self.client = client
        self.registry = registry
        self.output = output
        self.settings = settings
        self.inputs = inputs
        self.dryRun = dryRun
    }

    /// Runs every statement of `script` in order. Stops at the first failing
    /// statement unless `continueOnError`; returns the errors met.
    public func run(_ script: Script, continueOnError: Bool = false) async -> [RuntimeError] {
        findValuesCache = [:]
        defer {
            prefetched = [:]
            findValuesCache = nil
        }
        // Invalid input values anywhere stop the script before anything is sent.
        let invalid = prepareLookups(for: script)
        if !invalid.isEmpty { return invalid }
        var errors: [RuntimeError] = []
        for statement in script.statements {
            do {
                try Task.checkCancellation()
                try await execute(statement)
            } catch let error as RuntimeError {
                errors.append(error)
                if !continueOnError { break }
                if case .api(let e, _) = error, e.isAuthentication { break }
            } catch is CancellationError {
                break
            } catch is FileSink.Closed {
                break  // the reader of our output went away: nothing left to do
            } catch {
                errors.append(.at(statement.range, "\(error)"))
                if !continueOnError { break }
            }
        }
        return errors
    }

    /// Runs one statement.
    public func execute(_ statement: Statement) async throws {
        switch statement {
        case .set(let s):
            let value = try literalText(s.value)
            do {
                try settings.apply(s.name.name, value)
            } catch {
                let known = Settings.descriptor(named: s.name.name) != nil
                throw RuntimeError.at(known ? s.value.range : s.name.range, error.message, suggestion: error.suggestion)
            }
            if s.name.name.lowercased() == "format", registry.formatter(named: value) == nil {
                throw RuntimeError.at(s.value.range, "unknown format '\(value)'", suggestion: formatSuggestion(value))
            }
        case .let(let l):
            if dryRun {
                try explain(l.pipeline)
                return
            }
            var summary = SourceSummary()
            let relation = try await evaluate(l.pipeline, summary: &summary)
            bindings[l.name.name] = relation
            try report(summary, of: l.pipeline)
        case .explain(let e):
            try explain(e.pipeline)
        case .pipeline(let p):
            if dryRun {
                try explain(p)
                return
            }
            try report(try await emit(p), of: p)
        }
    }

    /// After a pipeline: notes for the values that found no contact (unless it
    /// lists them with `unmatched`), and an error when a batch failed.
    func report(_ summary: SourceSummary, of pipeline: Pipeline) throws {
        noteOutcomes(summary, pipeline: pipeline)
        if !summary.failures.isEmpty {
            throw RuntimeError.partialFailure(summary.failures, range: pipeline.source.range, withheld: summary.withheld)
        }
    }

    /// The rows of a pipeline, with its stages applied (`format` and `save` are output, not here).
    public func evaluate(_ pipeline: Pipeline) async throws -> Relation {
        var summary = SourceSummary()
        return try await evaluate(pipeline, summary: &summary)
    }

    func evaluate(_ pipeline: Pipeline, summary: inout SourceSummary) async throws -> Relation {
        var rows: [Row] = []
        let (columns, result) = try await stream(pipeline) { chunk, _ in rows += chunk }
        summary = result
        let listsUnmatched = pipeline.stages.contains { if case .unmatched = $0 { true } else { false } }
        return Relation(rows: rows, columns: columns, unmatched: listsUnmatched ? [] : result.unmatched, failures: result.failures)
    }

    /// Runs a pipeline and hands its rows to `deliver` as they settle, a chunk
    /// at a time, with the output columns known so far (nil: every field).
    /// A `limit` that is full stops the lookup: the batches not yet sent are
    /// never sent. Returns the output columns and what the source knew at its end.
    func stream(_ pipeline: Pipeline, deliver: ([Row], [String]?) throws -> Void) async throws -> (columns: [String]?, summary: SourceSummary) {
        let steps = try steps(for: pipeline)
        let chain: StageChain
        let summary: SourceSummary
        switch pipeline.source {
        case .variable(let v):
            guard let bound = bindings[v.name] else {
                if variableText(v) != nil {
                    throw RuntimeError.at(v.range, "$\(v.name) is a value, not a result; use it inside find: find $\(v.name)")
                }
                throw RuntimeError.at(v.range, "$\(v.name) is not bound", suggestion: bindings.isEmpty ? "bind a result first: let \(v.name) = find ..." : Suggestion.closest(to: v.name, among: Array(bindings.keys)).map { "did you mean '$\($0)'?" })
            }
            chain = StageChain(steps, sourceColumns: bound.columns)
            summary = SourceSummary(unmatched: bound.unmatched, failures: bound.failures)
            let out = try chain.push(bound.rows)
            if !out.isEmpty { try deliver(out, chain.outputColumns) }
        case .find(let find):
            chain = StageChain(steps, sourceColumns: nil)
            let listsUnmatched = pipeline.stages.contains { if case .unmatched = $0 { true } else { false } }
            summary = try await lookUp(find, wholeResult: Self.readsMatched(pipeline)) { rows in
                for row in rows {
                    seenFields.formUnion(row.fields.keys)
                    // Custom fields by their paths (`custom.12`), for completion.
                    if case .object(let custom)? = row.fields["custom"] { seenFields.formUnion(custom.keys.map { "custom." + $0 }) }
                }
                let out = try chain.push(rows)
                if !out.isEmpty { try deliver(out, chain.outputColumns) }
                // `unmatched` needs every value's outcome, so the lookup must finish.
                return listsUnmatched || !chain.saturated
            }
        }
        let rest = try chain.finish(summary)
        if !rest.isEmpty { try deliver(rest, chain.outputColumns) }
        var result = summary
        result.withheld = chain.withheld
        return (chain.outputColumns, result)
    }

    /// Values that found no contact are never dropped silently: unless the
    /// pipeline lists them with `unmatched`, a note says how many and which, for
    /// each reason (failed values are named by the error instead).
    func noteOutcomes(_ summary: SourceSummary, pipeline: Pipeline) {
        guard case .find(let find) = pipeline.source, !summary.unmatched.isEmpty else { return }
        if pipeline.stages.contains(where: { if case .unmatched = $0 { true } else { false } }) { return }
        func note(_ reason: SourceSummary.Reason, _ what: String, _ suggestion: String) {
            let values = summary.values(reason)
            guard !values.isEmpty else { return }
            let shown = values.prefix(10).joined(separator: ", ") + (values.count > 10 ? ", … (\(values.count - 10) more)" : "")
            onNote?(Diagnostic(id: .runtime, severity: .note, range: find.range,
                               message: "\(values.count) value\(values.count == 1 ? "" : "s") \(what): \(shown)", suggestion: suggestion))
        }
        note(.noContact, "matched no contact", "list them with '| unmatched'")
        note(.undetermined, "undetermined (a contact came back that no field ties to an input value)",
             "'set attribution exact' (--attribution exact) asks the server which")
        note(.invalid, "skipped as invalid", "'| unmatched' lists them with the reason")
    }

    // MARK: Values

    /// The text of a variable: `$1`, `--var` names, `$env.NAME`; nil when unset.
    func variableText(_ v: VariableReference) -> String? {
        if let position = v.position {
            return position >= 1 && position <= inputs.arguments.count ? inputs.arguments[position - 1] : nil
        }
        if let name = v.environmentName { return inputs.environment[name] }
        return inputs.variables[v.name]
    }

    func requireVariable(_ v: VariableReference) throws(RuntimeError) -> String {
        if let text = variableText(v) { return text }
        if let position = v.position {
            throw .at(v.range, "$\(position) is not set: the script was given \(inputs.arguments.count) argument\(inputs.arguments.count == 1 ? "" : "s")")
        }
        if let name = v.environmentName { throw .at(v.range, "the environment variable \(name) is not set") }
        if bindings[v.name] != nil { throw .at(v.range, "$\(v.name) is a result, not a value; start a pipeline with it: $\(v.name) | ...") }
        throw .at(v.range, "$\(v.name) is not set", suggestion: "pass it with --var \(v.name)=VALUE")
    }

    /// A literal as text (for `set` and options).
    func literalText(_ literal: Literal) throws(RuntimeError) -> String {
        switch literal {
        case .number(let s, _), .string(let s, _), .email(let s, _), .word(let s, _): return s
        case .bool(let b, _): return b ? "true" : "false"
        case .null: return "null"
        case .variable(let v): return try requireVariable(v)
        }
    }

    /// A literal as a value for conditions.
    func literalValue(_ literal: Literal) throws(RuntimeError) -> JSONValue {
        switch literal {
        case .number(let s, _):
            if let i = Int64(s) { return .integer(i) }
            return Double(s).map(JSONValue.double) ?? .string(s)
        case .string(let s, _), .email(let s, _), .word(let s, _): return .string(s)
        case .bool(let b, _): return .bool(b)
        case .null: return .null
        case .variable(let v):
            let text = try requireVariable(v)
            if let i = Int64(text) { return .integer(i) }
            return .string(text)
        }
    }

    func formatSuggestion(_ name: String) -> String {
        let names = registry.allFormatters.map(\.name)
        if let guess = Suggestion.closest(to: name, among: names) { return "did you mean '\(guess)'?" }
        return "formats: " + names.joined(separator: ", ")
    }
}
