import HMQSyntax

/// Runs hmq text, the one way the CLI, the REPL, ``HMQSession`` and the
/// servers all do: parse every source first (a syntax error anywhere runs
/// nothing), then run them in order in one ``Evaluator``, stopping at the
/// first error unless told to go on, and say how it ended as an ``ExitStatus``.
/// So the same text sends the same requests and gives the same rows wherever it runs.
public struct ScriptRunner: Sendable {
    /// Go on with the next statement after one fails (the status still reports it).
    public var continueOnError: Bool

    public init(continueOnError: Bool = false) {
        self.continueOnError = continueOnError
    }

    /// What a run came to.
    public struct Outcome: Sendable {
        public var status: ExitStatus
        /// Syntax errors (nothing ran when there are any).
        public var syntaxErrors: [Diagnostic] = []
        /// The statements that failed.
        public var errors: [RuntimeError] = []
    }

    /// Parses and runs `sources` in `evaluator`. `report` gets every diagnostic
    /// to show (syntax errors and warnings, notes, runtime errors) with the
    /// source it points into; `events` get progress and, when set, the rows.
    /// `arguments`, when given, are the `$1`, `$2`... of these sources instead of the session's.
    public func run(_ sources: [Source], in evaluator: Evaluator, report: @escaping @Sendable (Diagnostic, Source) -> Void,
                    events: RunEvents = RunEvents(), arguments: [String]? = nil) async -> Outcome {
        switch parse(sources, pluginStages: evaluator.registry.stageNames, report: report) {
        case .failure(let syntax): return Outcome(status: .syntax, syntaxErrors: syntax.errors)
        case .success(let parsed): return await run(parsed, in: evaluator, report: report, events: events, arguments: arguments)
        }
    }

    /// Syntax errors in the sources given to ``parse(_:pluginStages:report:)``.
    public struct SyntaxErrors: Error, Sendable {
        public var errors: [Diagnostic]
    }

    /// Parses every source first, reporting each diagnostic; fails when any has an error.
    public func parse(_ sources: [Source], pluginStages: Set<String>, report: (Diagnostic, Source) -> Void) -> Result<[ParseResult], SyntaxErrors> {
        var parsed: [ParseResult] = []
        var errors: [Diagnostic] = []
        for source in sources {
            let result = ScriptCheck.parse(source, pluginStages: pluginStages)
            for diagnostic in result.diagnostics { report(diagnostic, source) }
            errors += result.diagnostics.filter { $0.severity == .error }
            parsed.append(result)
        }
        return errors.isEmpty ? .success(parsed) : .failure(SyntaxErrors(errors: errors))
    }

    /// Runs scripts parsed by ``parse(_:pluginStages:report:)``, in order.
    /// `reportError`, when given, gets the statements' errors (with their API
    /// details) instead of `report` getting their diagnostics.
    public func run(_ parsed: [ParseResult], in evaluator: Evaluator, report: @escaping @Sendable (Diagnostic, Source) -> Void,
                    reportError: (@Sendable (RuntimeError, Source) -> Void)? = nil,
                    events: RunEvents = RunEvents(), arguments: [String]? = nil) async -> Outcome {
        var outcome = Outcome(status: .ok)
        for result in parsed {
            var scriptEvents = events
            let source = result.source
            scriptEvents.note = { note in
                events.note(note)
                report(note, source)
            }
            var errors = await evaluator.run(result.script, continueOnError: continueOnError, events: scriptEvents, arguments: arguments)
            let masker = await evaluator.masker
            if masker.isOn { errors = errors.map { $0.masked(by: masker) } }
            for error in errors {
                if let reportError { reportError(error, result.source) } else { report(error.diagnostic, result.source) }
                outcome.status = outcome.status.worse(ExitStatus(error))
            }
            outcome.errors += errors
            if outcome.status == .ok, errors.isEmpty, await evaluator.changesFound { outcome.status = .changed }
            if Task.isCancelled {
                outcome.status = .interrupted
                break
            }
            if !errors.isEmpty, !continueOnError { break }
        }
        return outcome
    }
}
