import Foundation
import HMQSyntax
import Heymarket

/// hmq for Swift programs: run query text against Heymarket and get rows back.
///
/// ```swift
/// let session = HMQSession(client: HeymarketClient(credentials: credentials))
/// for row in try await session.rows("find phone 14155551234 | show name") {
///     print(row.fields["name"] ?? "-")
/// }
/// ```
/// A session keeps settings and `let` bindings from one call to the next.
public final class HMQSession: @unchecked Sendable {
    private let evaluator: Evaluator
    private let sink = CollectingSink()

    /// - Parameters:
    ///   - client: a configured ``HeymarketClient`` (production or a sandbox).
    ///   - registry: output formats (needed only for `save`); empty by default.
    ///   - inputs: `$1`, `$name` and `$env.NAME` values.
    public init(client: HeymarketClient, registry: PluginRegistry = PluginRegistry(), inputs: ScriptInputs = ScriptInputs()) {
        evaluator = Evaluator(client: client, registry: registry, output: sink, inputs: inputs)
    }

    /// What `explain` statements have written so far (the requests they would send).
    public var explanations: String { sink.text }

    /// Parses and runs `text`; returns the rows of every pipeline in it, in order.
    /// Syntax errors throw ``HMQError/syntax(_:)``; runtime and API errors ``HMQError/runtime(_:)``.
    public func rows(_ text: String) async throws(HMQError) -> [Row] {
        var rows: [Row] = []
        try await each(text) { rows += $0 }
        return rows
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

    private func each(_ text: String, _ deliver: ([Row]) -> Void) async throws(HMQError) {
        let parsed = Parser.parse(text, name: "<session>", pluginStages: evaluator.registry.stageNames)
        if parsed.hasErrors { throw .syntax(parsed.diagnostics) }
        for statement in parsed.script.statements {
            do {
                switch statement {
                case .pipeline(let pipeline):
                    let (_, summary) = try await evaluator.stream(pipeline) { rows, _ in deliver(rows) }
                    if !summary.failures.isEmpty { throw RuntimeError.partialFailure(summary.failures, range: pipeline.range) }
                default:
                    try await evaluator.execute(statement)
                }
            } catch let error as RuntimeError {
                throw .runtime(error)
            } catch is CancellationError {
                return
            } catch {
                throw .runtime(.at(statement.range, "\(error)"))
            }
        }
    }
}

/// What went wrong running hmq text from Swift.
public enum HMQError: Error, Sendable {
    case syntax([Diagnostic])
    case runtime(RuntimeError)
}

/// Collects text a session writes (explain output), for library use.
final class CollectingSink: OutputSink, @unchecked Sendable {
    private(set) var text = ""
    func write(_ text: String) throws { self.text += text }
}
