import Foundation
import HMQSyntax
import HMQSystem
import Heymarket
import Synchronization

/// Runs parsed scripts: plans the lookups, calls Heymarket, applies the stages
/// and hands rows to formatters (or to the caller). One evaluator is one
/// session: settings and `let` bindings persist from one script (or REPL
/// line) to the next. An actor: one statement runs at a time.
///
/// Programs rarely use it directly: ``ScriptRunner`` parses and runs text in
/// it, as the CLI, the REPL and ``HMQSession`` all do.
public actor Evaluator {
    /// Fields the API documents for a contact (plus the virtual ones), for
    /// "unknown field" checks and completion.
    public static let contactFields = FieldCheck.contactFields

    /// The current settings (`set` changes them).
    public private(set) var settings: Settings {
        didSet { noteMasker.withLock { $0 = masker.isOn ? masker : nil } }
    }
    /// The masker for notes, read outside the actor (nil: masking is off).
    nonisolated let noteMasker = Mutex<Masker?>(nil)

    /// How rows, notes and errors are masked (`set mask`); hash tokens are keyed by the credential.
    public var masker: Masker { Masker(settings.mask, keyMaterial: client?.secrets ?? []) }
    /// The formatters and stage plugins output goes through.
    public nonisolated let registry: PluginRegistry
    /// `$1`, `--var` values and the environment.
    public private(set) var inputs: ScriptInputs
    /// Print requests instead of sending them (`--dry-run`).
    public let dryRun: Bool
    /// What stdout is attached to (terminal width, colour), for formats that adapt.
    public private(set) var outputContext: OutputContext
    /// Results bound with `let`.
    public internal(set) var bindings: [String: Relation] = [:]
    /// Field names seen in results, custom fields as `custom.KEY` (for completion).
    public internal(set) var seenFields: Set<String> = []

    let client: HeymarketClient?
    let output: any OutputSink
    /// What the running script reports to (notes, progress, rows).
    var events = RunEvents()
    /// Set by a run whose `diff --exit-code` stage found a change (the run exits 1).
    public internal(set) var changesFound = false
    /// Search results prepared for the finds of the running script, by request shape.
    var prefetched: [[String]: PrefetchGroup] = [:]
    /// While set (the REPL's `.watch`), a pipeline passes on only what changed since its last run.
    var watching: WatchBaseline?

    /// - Parameters:
    ///   - client: the API client; nil allows only `--dry-run` and `explain`.
    ///   - output: where rows and explanations go (stdout in the CLI).
    ///   - context: what `output` is attached to.
    public init(client: HeymarketClient?, registry: PluginRegistry, output: sending any OutputSink, context: OutputContext = .file,
                settings: Settings = Settings(), inputs: ScriptInputs = ScriptInputs(), dryRun: Bool = false) {
        self.client = client
        self.registry = registry
        self.output = output
        self.outputContext = context
        self.settings = settings
        self.inputs = inputs
        self.dryRun = dryRun
        if settings.mask != .off { noteMasker.withLock { $0 = Masker(settings.mask, keyMaterial: client?.secrets ?? []) } }
    }

    /// HTTP requests sent, retries included.
    public nonisolated var requestsSent: Int { client?.requestsSent ?? 0 }

    /// Changes what the output is attached to (the REPL's terminal was resized).
    public func setOutputContext(_ context: OutputContext) { outputContext = context }

    /// Watches the pipelines run from now on (the REPL's `.watch`): each run
    /// records its rows in `baseline` and passes on only what changed since
    /// the run before (all its rows the first time), as `| diff` shows a
    /// change. nil stops watching.
    public func watch(_ baseline: WatchBaseline?) { watching = baseline }

    /// What the REPL shows and completes from: settings, bindings, variables, fields seen.
    public var snapshot: SessionSnapshot {
        SessionSnapshot(settings: settings, bindings: bindings.mapValues(\.rows.count), inputs: inputs, seenFields: seenFields)
    }

    /// Runs every statement of `script` in order. Stops at the first failing
    /// statement unless `continueOnError`; returns the errors met. Invalid
    /// input values and unset variables anywhere stop it before anything is sent.
    /// `arguments`, when given, are the script's `$1`, `$2`... for this run only (`.read FILE ARGS`).
    public func run(_ script: Script, continueOnError: Bool = false, events: RunEvents = RunEvents(), arguments: [String]? = nil) async -> [RuntimeError] {
        var events = events
        let note = events.note
        // Notes name values: masked as the setting is when each is said.
        events.note = { [weak self] diagnostic in
            guard let self, let masker = self.noteMasker.withLock({ $0 }) else { return note(diagnostic) }
            note(masker.diagnostic(diagnostic))
        }
        self.events = events
        changesFound = false
        let sessionInputs = inputs
        if let arguments { inputs.arguments = arguments }
        defer {
            prefetched = [:]
            self.events = RunEvents()
            inputs = sessionInputs
            try? output.flush()
        }
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
                if ExitStatus(error) == .authentication { break }
            } catch is CancellationError {
                break
            } catch is FileSink.Closed {
                break  // the reader of our output went away: nothing left to do
            } catch {
                errors.append(.at(statement.range, .unexpectedError, "\(error)"))
                if !continueOnError { break }
            }
        }
        return errors
    }

    /// Runs one statement.
    func execute(_ statement: Statement) async throws {
        switch statement {
        case .set(let s):
            let value = try literals.text(s.value)
            if !inputs.confinement.writesFiles, s.name.name.lowercased() == "checkpoint", value.trimmingWhitespaceAndNewlines().lowercased() != "off" {
                throw RuntimeError.at(s.name.range, .notPermitted, "checkpoint is not available to \(inputs.confinement.caller): it writes a file")
            }
            do {
                try settings.apply(s.name.name, value)
            } catch {
                let known = Settings.descriptor(named: s.name.name) != nil
                throw RuntimeError.at(known ? s.value.range : s.name.range, .invalidSetting, error.message, suggestion: error.suggestion)
            }
            if s.name.name.lowercased() == "format", registry.formatter(named: value) == nil {
                throw RuntimeError.at(s.value.range, .unknownFormat, "unknown format '\(value)'", suggestion: formatSuggestion(value))
            }
        case .let(let l):
            if dryRun {
                try explain(l.pipeline)
                return
            }
            var rows: [Row] = []
            let (columns, summary) = try await stream(l.pipeline, keepUnmatched: true) { chunk, _ in rows += chunk }
            let listsUnmatched = l.pipeline.stages.contains { if case .unmatched = $0 { true } else { false } }
            bindings[l.name.name] = Relation(rows: rows, columns: columns, unmatched: listsUnmatched ? [] : summary.unmatched, failures: summary.failures)
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

    /// The rows of a pipeline, with its stages applied (`format` and `save` are output, not here).
    public func evaluate(_ pipeline: Pipeline) async throws -> Relation {
        var rows: [Row] = []
        let (columns, summary) = try await stream(pipeline, keepUnmatched: true) { chunk, _ in rows += chunk }
        let listsUnmatched = pipeline.stages.contains { if case .unmatched = $0 { true } else { false } }
        return Relation(rows: rows, columns: columns, unmatched: listsUnmatched ? [] : summary.unmatched, failures: summary.failures)
    }

    /// After a pipeline: notes for the values that found no contact (unless it
    /// lists them with `unmatched`), and an error when a batch failed.
    func report(_ summary: SourceSummary, of pipeline: Pipeline) throws {
        if case .find = pipeline.source, let outcomes = events.outcomes { outcomes(summary.unmatched) }
        noteOutcomes(summary, pipeline: pipeline)
        if !summary.failures.isEmpty || !summary.attributionFailures.isEmpty {
            throw RuntimeError.partialFailure(summary.failures, range: pipeline.source.range, withheld: summary.withheld,
                                              attribution: summary.attributionFailures)
        }
        if let error = summary.recordsError { throw error }
    }

    /// Values that found no contact are never dropped silently: unless the
    /// pipeline lists them with `unmatched`, a note says how many and which, for
    /// each reason (failed values are named by the error instead).
    func noteOutcomes(_ summary: SourceSummary, pipeline: Pipeline) {
        for note in summary.notes { events.note(note) }
        guard case .find(let find) = pipeline.source, let lookup = summary.lookup else { return }
        if pipeline.stages.contains(where: { if case .unmatched = $0 { true } else { false } }) { return }
        // A find names each value's type itself: values are named as written.
        let namer = originNamer(for: find)
        let wording = NoteWording(typed: false, listsUnmatched: "list them with '| unmatched'", attribution: settings.attribution,
                                  asksExact: "'set attribution exact' (--attribution exact)", listsInvalid: "'| unmatched' lists them with the reason",
                                  origin: { namer($0.origin) })
        for note in lookup.notes(wording) {
            events.note(Diagnostic(id: note.kind.noteID, severity: .note, range: find.range, message: note.message, suggestion: note.suggestion))
        }
    }

    /// Says once per lookup which phone values were searched without the
    /// extension written after them (`set extensions drop`).
    func noteDroppedExtensions(_ census: PlanCensus, of find: FindSource) {
        guard let message = census.droppedExtensionsNote else { return }
        events.note(Diagnostic(id: .droppedExtensions, severity: .note, range: find.range, message: message))
    }

    // MARK: Values

    /// Reads literals and the variables a script may read.
    var literals: LiteralResolver { LiteralResolver(inputs: inputs, boundNames: Set(bindings.keys)) }

    func formatSuggestion(_ name: String) -> String {
        let names = registry.allFormatters.map(\.name)
        if let guess = Suggestion.closest(to: name, among: names) { return "did you mean '\(guess)'?" }
        return "formats: " + names.joined(separator: ", ")
    }
}

/// What a run reports as it goes: notes for the user, progress, and — when
/// given — the rows of each pipeline, instead of printing them.
public struct RunEvents: Sendable {
    /// A note (values that found no contact); the CLI prints it on stderr.
    public var note: @Sendable (Diagnostic) -> Void
    /// (batches done, batches in all) as a lookup goes.
    public var progress: ProgressHandler?
    /// When set, each pipeline's rows come here (with the columns known so far)
    /// instead of going through a format to the output; `save` still writes its file.
    public var rows: (@Sendable ([Row], [String]?) -> Void)?
    /// When set, after each pipeline that looked values up: a row for every
    /// value that found no contact (type, value, reason, detail), as
    /// `| unmatched` lists them (reason `failed` for a failed batch's values).
    public var outcomes: (@Sendable ([Row]) -> Void)?
    /// With `rows`: a pipeline whose rows come next is starting, with the
    /// columns its stages name (nil when they name none, e.g. no `show`).
    public var pipeline: (@Sendable ([String]?) -> Void)?

    public init(note: @escaping @Sendable (Diagnostic) -> Void = { _ in }, progress: ProgressHandler? = nil,
                rows: (@Sendable ([Row], [String]?) -> Void)? = nil, outcomes: (@Sendable ([Row]) -> Void)? = nil,
                pipeline: (@Sendable ([String]?) -> Void)? = nil) {
        self.note = note
        self.progress = progress
        self.rows = rows
        self.outcomes = outcomes
        self.pipeline = pipeline
    }
}

/// What a session holds, for the REPL's `.settings`, `.vars` and completion.
public struct SessionSnapshot: Sendable {
    public var settings: Settings
    /// `let` names and their row counts.
    public var bindings: [String: Int]
    public var inputs: ScriptInputs
    public var seenFields: Set<String>
}
