import Foundation
import HMQFormatters
import HMQJSON
import HMQRuntime
import HMQShell
import HeymarketSandbox
import Heymarket
import LineEditing
import Synchronization
import Testing

/// The same hmq text sends the same requests and gives the same rows whether
/// it runs through the `hmq` command, the REPL or ``HMQSession``: all three use
/// the one ``ScriptRunner``.
@Suite(.serialized) struct ParityTests {
    static let scripts = [
        // Two finds sharing settings: looked up together, one request.
        "find phone 14155551234, 14155559876 | show id, name; find phone 14155552003, email patel.family@example.com | show id",
        "let t = find phone 14155551234, 14155552003; $t | count; $t | show id | limit 1",
        "find phone 14155552010, 19990000000 | unmatched | show value, reason",
        // A full limit stops the lookup early.
        "set batch 2; set concurrency 1; find phone 14155552010, 14155552011, 14155552012, 14155552013, 14155552014, 14155552015 | limit 2 | show id",
        "find phone 12123000009 | show id, matched",
        "set attribution exact; find phone 14155552150, 14155551234, 19990000000 | show id, matched",
    ]

    static var client: (String) throws -> HeymarketClient {
        { url in
            HeymarketClient(credentials: .secret(id: SandboxConfiguration.demoSecret.id, key: Secret(SandboxConfiguration.demoSecret.key)),
                            baseURL: try BaseURL(url), options: SearchOptions(rateLimit: nil))
        }
    }

    /// Rows as NDJSON lines and the search requests the sandbox answered.
    typealias Run = (rows: String, requests: Int)

    func viaCommand(_ script: String) async throws -> Run {
        try await CLISandbox.with { sandbox in
            let out = try await sandbox.hmq(["--rate", "0", "-f", "ndjson", "-e", script])
            #expect(out.status == 0, "\(out.stderr)")
            return (out.stdout, sandbox.searchRequests)
        }
    }

    @MainActor
    func viaREPL(_ script: String) async throws -> Run {
        try await CLISandbox.with { sandbox in
            let sink = CollectedText()
            let output = CountingSink(sink)
            let evaluator = Evaluator(client: try Self.client(sandbox.url), registry: BuiltinFormatters.registry, output: output,
                                      settings: Settings(format: "ndjson"))
            let repl = await REPL(reader: ScriptedLineReader([.line(script)]), evaluator: evaluator, output: output,
                                  configuration: .init(target: "sandbox", welcome: false), renderer: .init(),
                                  writeError: { _ in }, interruptCount: { 0 })
            _ = await repl.run()
            // The REPL prints an empty line when its input ends.
            return (String(sink.text.dropLast()), sandbox.searchRequests)
        }
    }

    func viaSession(_ script: String) async throws -> Run {
        try await CLISandbox.with { sandbox in
            let rows = try await HMQSession(client: try Self.client(sandbox.url)).rows(script)
            return (rows.map { JSONWriter().string(.object($0.fields)) + "\n" }.joined(), sandbox.searchRequests)
        }
    }

    @Test(arguments: scripts)
    func theSameTextGivesTheSameRowsAndRequestsEverywhere(script: String) async throws {
        let command = try await viaCommand(script)
        let repl = try await viaREPL(script)
        let session = try await viaSession(script)
        #expect(!command.rows.isEmpty)
        #expect(repl.rows == command.rows, "REPL vs command")
        #expect(session.rows == command.rows, "session vs command")
        #expect(repl.requests == command.requests && session.requests == command.requests,
                "requests: command \(command.requests), REPL \(repl.requests), session \(session.requests)")
    }

    @Test func twoFindsSharingSettingsAreOneRequest() async throws {
        #expect(try await viaSession(Self.scripts[0]).requests == 1)
        #expect(try await viaSession(Self.scripts[3]).requests == 1)
    }
}

/// Text a sink collected.
final class CollectedText: OutputSink, Sendable {
    private let collected = Mutex("")
    var text: String { collected.withLock { $0 } }
    func write(_ text: String) throws { collected.withLock { $0 += text } }
}
