import Foundation
import HMQSyntax
import Heymarket
import Synchronization

/// hmq for Swift programs: run query text against Heymarket and get rows back.
///
/// ```swift
/// let session = HMQSession(client: HeymarketClient(credentials: credentials))
/// for row in try await session.rows("find phone 14155551234 | show name") {
///     print(row.fields["name"] ?? "-")
/// }
/// ```
/// A session keeps settings and `let` bindings from one call to the next. It
/// runs text exactly as the `hmq` command does (``ScriptRunner``): the finds of
/// one text are looked up together, invalid values stop it before any request.
/// Calls run one after the other, in the order they were made.
public final class HMQSession: Sendable {
    private let evaluator: Evaluator
    private let sink = CollectingSink()
    private let runner: ScriptRunner
    /// The run before the next one, so calls never interleave.
    private let previous = Mutex<Task<Void, Never>?>(nil)

    /// - Parameters:
    ///   - client: a configured ``HeymarketClient`` (production or a sandbox).
    ///   - registry: output formats (needed only for `save`) and stage plugins; empty by default.
    ///   - inputs: `$1`, `$name` and `$env.NAME` values.
    ///   - continueOnError: go on after a failing statement (the first error is still thrown).
    public init(client: HeymarketClient, registry: PluginRegistry = PluginRegistry(), inputs: ScriptInputs = ScriptInputs(),
                settings: Settings = Settings(), continueOnError: Bool = false) {
        evaluator = Evaluator(client: client, registry: registry, output: sink, settings: settings, inputs: inputs)
        runner = ScriptRunner(continueOnError: continueOnError)
    }

    /// What `explain` statements have written so far (the requests they would send).
    public var explanations: String { sink.text }

    /// HTTP requests this session's client has sent, retries included.
    public var requestsSent: Int { evaluator.requestsSent }

    /// Parses and runs `text`; returns the rows of every pipeline in it, in order.
    /// Syntax errors throw ``HMQError/syntax(_:)``; runtime and API errors ``HMQError/runtime(_:)``.
    public func rows(_ text: String) async throws(HMQError) -> [Row] {
        let collected = Mutex<[Row]>([])
        try await each(text) { rows in collected.withLock { $0 += rows } }
        return collected.withLock { $0 }
    }

    /// The same rows as an async sequence, for `for try await row in session.run(...)`.
    /// Rows arrive as the lookup's batches do; stopping early (a `break`)
    /// cancels the requests still out.
    public func run(_ text: String) -> AsyncThrowingStream<Row, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do throws(HMQError) {
                    try await self.each(text) { for row in $0 { continuation.yield(row) } }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    private func each(_ text: String, _ deliver: @escaping @Sendable ([Row]) -> Void) async throws(HMQError) {
        // One run at a time, in call order.
        let (mine, done) = AsyncStream<Void>.makeStream()
        let waitFor = previous.withLock { previous -> Task<Void, Never>? in
            let before = previous
            previous = Task { for await _ in mine {} }
            return before
        }
        defer { done.finish() }
        await waitFor?.value
        let outcome = await runner.run([Source(name: "<session>", text: text)], in: evaluator, report: { _, _ in },
                                       events: RunEvents(rows: { rows, _ in deliver(rows) }))
        if !outcome.syntaxErrors.isEmpty { throw .syntax(outcome.syntaxErrors) }
        if let first = outcome.errors.first { throw .runtime(first) }
        if outcome.status == .interrupted { throw .cancelled }
    }
}

/// What went wrong running hmq text from Swift.
public enum HMQError: Error, Sendable {
    case syntax([Diagnostic])
    case runtime(RuntimeError)
    /// The run was cancelled before it finished: what came is not the whole result.
    case cancelled
}

/// Collects the text written to it (explain output), for library use.
public final class CollectingSink: OutputSink, Sendable {
    private let collected = Mutex("")
    public init() {}
    public var text: String { collected.withLock { $0 } }
    public func write(_ text: String) throws { collected.withLock { $0 += text } }
    /// The text so far, emptying the sink.
    public func take() -> String { collected.withLock { text in defer { text = "" }; return text } }
}
