import Foundation
import HMQJSON
import HMQRuntime
import HMQShell
import HMQSyntax
import Heymarket
import HeymarketSandbox
import LineEditing
import Synchronization
import Testing

final class StringSink: OutputSink, Sendable {
    private let collected = Mutex("")
    var text: String { collected.withLock { $0 } }
    func write(_ text: String) throws { collected.withLock { $0 += text } }
}

/// A REPL over a scripted reader, against a sandbox when one is given.
@MainActor
struct Harness {
    let reader: ScriptedLineReader
    let repl: REPL
    let output: StringSink
    let evaluator: Evaluator
    var errors: [String] { errorLines.lines }
    let errorLines: ErrorLines

    final class ErrorLines: Sendable {
        private let collected = Mutex<[String]>([])
        var lines: [String] { collected.withLock { $0 } }
        func append(_ line: String) { collected.withLock { $0.append(line) } }
    }

    init(_ script: [LineReadResult], client: HeymarketClient? = nil, history: HistoryFile? = nil, policy: HistoryPolicy = HistoryPolicy(), directory: String? = nil,
         outputContext: @escaping () -> OutputContext = { .file }, pager: PagerCommand? = nil, clock: WatchClock = .system,
         interruptCount: @escaping () -> Int = { 0 }) async {
        reader = ScriptedLineReader(script)
        let output = StringSink()
        self.output = output
        let counting = CountingSink(output)
        var registry = PluginRegistry()
        for plugin in [TestFormat(name: "csv"), TestFormat(name: "ndjson"), TestFormat(name: "table"), TestFormat(name: "width")] { try? registry.register(formatter: plugin) }
        evaluator = Evaluator(client: client, registry: registry, output: counting, settings: Settings(format: "ndjson"),
                              inputs: ScriptInputs(variables: ["who": "ada@example.com"]))
        let lines = ErrorLines()
        errorLines = lines
        repl = await REPL(reader: reader, evaluator: evaluator, output: counting,
                          configuration: .init(target: "sandbox", history: history, historyPolicy: policy, welcome: false, pager: pager, clock: clock),
                          renderer: DiagnosticRenderer(), writeError: { lines.append($0) }, interruptCount: interruptCount, outputContext: outputContext)
    }
}

/// A formatter for these tests (HMQShell does not depend on HMQFormatters): `id=1 name=Ada` per row.
struct TestFormat: FormatterPlugin {
    let name: String
    var aliases: [String] { [] }
    var summary: String { "test" }
    var fileExtensions: [String] { [] }
    var options: [PluginOption] { name == "csv" ? [PluginOption("no-header", .flag, "")] : [] }
    func makeFormatter(sink: any OutputSink, options: PluginOptions, context: OutputContext) throws(FormatterOptionError) -> any RowFormatter {
        if name == "width" { try? sink.write("width=\(context.width ?? 0)\nexpanded=\(context.expanded.rawValue)\n") }
        return Writer(sink: sink)
    }

    final class Writer: RowFormatter {
        let sink: any OutputSink
        var columns: [String] = []
        init(sink: any OutputSink) { self.sink = sink }
        func begin(columns: [String]) throws { self.columns = columns }
        func row(_ values: [JSONValue?]) throws {
            try sink.write(zip(columns, values).map { "\($0)=\($1.map { JSONWriter().string($0) } ?? "-")" }.joined(separator: " ") + "\n")
        }
        func end() throws {}
    }
}

@MainActor
@Suite struct CompletionTests {
    func readerOfAFreshSession() async -> ScriptedLineReader { await Harness([]).reader }

    @Test func afterAPipeOnlyStages() async {
        let reader = await readerOfAFreshSession()
        #expect(reader.tab("find phone 14155551234 | sh") == ["show"])
        #expect(reader.tab("find phone 14155551234 | ") == StageName.all.sorted())
        #expect(reader.tab("find phone 14155551234 | s") == ["save", "show", "sort"])
    }

    @Test func statementStartsAndChannelTypes() async {
        let reader = await readerOfAFreshSession()
        // A statement starts with a keyword or a bound name ($who is a --var of this session).
        #expect(reader.tab("") == ["$who", "explain", "find", "let", "set"])
        #expect(reader.tab("fi") == ["find"])
        #expect(reader.tab("find ") == ["any", "csv", "email", "file", "ndjson", "phone"])
        #expect(reader.tab("find phone 14155551234, e") == ["email"])
        #expect(reader.tab("find phone 1415") == [])
    }

    @Test func fieldsAfterShowWhereSortAndCountBy() async {
        let reader = await readerOfAFreshSession()
        #expect(reader.tab("find phone 1 | show disp") == ["display_name"])
        #expect(reader.tab("find phone 1 | show name, em") == ["email"])
        #expect(reader.tab("find phone 1 | where is_") == ["is_opted_out"])
        #expect(reader.tab("find phone 1 | where tags ") .contains("has"))
        #expect(reader.tab("find phone 1 | sort created ") == ["asc", "desc"])
        #expect(reader.tab("find phone 1 | count ") == ["by"])
        #expect(reader.tab("find phone 1 | count by ta") == ["tags", "tags.name"])
        #expect(reader.tab("find phone 1 | show name, tags.") == ["tags.name"])
    }

    @Test func formatsOptionsSettingsAndVariables() async {
        let reader = await readerOfAFreshSession()
        #expect(reader.tab("find phone 1 | format ") == ["csv", "ndjson", "table", "width"])
        #expect(reader.tab("find phone 1 | format csv --") == ["--no-header"])
        #expect(reader.tab("set ") == Settings.names.sorted())
        #expect(reader.tab("set format n") == ["ndjson"])
        #expect(reader.tab("find email $w") == ["$who"])
        #expect(reader.tab(".ti") == [".timing"])
        #expect(reader.tab(".help wh") == ["where"])
        #expect(reader.tab(".o") == [".once", ".output"])
        #expect(reader.tab("\\") == ["\\x"])
        #expect(reader.tab("\\x a") == ["auto"])
        #expect(reader.tab(".pager o") == ["off", "on"])
        #expect(reader.tab(".w") == [".watch"])
    }

    @Test func fileNamesOnlyInsideAQuotedPath() async throws {
        let reader = await readerOfAFreshSession()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hmq-complete-\(UUID())")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("lists"), withIntermediateDirectories: true)
        try "1".write(to: folder.appendingPathComponent("phones.txt"), atomically: true, encoding: .utf8)
        #expect(reader.tab("find phone file \"\(folder.path)/ph") == ["\(folder.path)/phones.txt"])
        #expect(reader.tab("find phone file \"\(folder.path)/li") == ["\(folder.path)/lists/"])
        #expect(reader.tab("find phone 1 | save \"\(folder.path)/p") == ["\(folder.path)/phones.txt"])
        // Outside quotes a path-like word is not completed as a file.
        #expect(reader.tab("find phone \(folder.path)/ph") == [])
    }

    @Test func customFieldsSeenInResultsAreOffered() async throws {
        try await SandboxHarness.run { client in
            let harness = await Harness([.line("find phone 14155551234")], client: client)
            _ = await harness.repl.run()
            #expect(harness.reader.tab("find phone 1 | show cus") == ["custom", "custom.12", "custom.7"])
        }
    }
}

enum SandboxHarness {
    static func run(isolation: isolated (any Actor)? = #isolation, _ body: (HeymarketClient) async throws -> Void) async throws {
        try await SandboxServer.with { sandbox in
            let client = HeymarketClient(
                credentials: .secret(id: SandboxConfiguration.demoSecret.id, key: Secret(SandboxConfiguration.demoSecret.key)),
                baseURL: try BaseURL(sandbox.baseURL), options: SearchOptions(rateLimit: nil))
            try await body(client)
        }
    }
}

@MainActor
@Suite(.serialized) struct REPLTests {
    @Test func statementsGoOnOverLinesAndErrorsDoNotEndTheSession() async throws {
        try await SandboxHarness.run { client in
            let h = await Harness([
                .line("find phone 14155551234,"), .line("  14155552003 |"), .line("show id, name"),
                .line("find phone 14155551234 | shwo name"),
                .line("find phone 14155551234 | show nmae"),
                .line("find phone 14155559876 | show name"),
            ], client: client)
            let status = await h.repl.run()
            #expect(status == 0)
            #expect(h.reader.prompts == ["hmq(sandbox)> ", "         ...> ", "         ...> ", "hmq(sandbox)> ", "hmq(sandbox)> ", "hmq(sandbox)> ", "hmq(sandbox)> "])
            #expect(h.output.text == "id=1001 name=\"Ada Lovelace\"\nid=1003 name=\"李小龍\"\nname=\"José Núñez\"\n\n")
            #expect(h.errors.count == 2)
            #expect(h.errors[0].contains("<stdin>:1:26: error: unknown stage 'shwo'"))
            #expect(h.errors[1].contains("error: unknown field 'nmae'"))
        }
    }

    @Test func anOpenQuoteSaysSoAndAnEmptyLineEndsIt() async throws {
        let h = await Harness([.line("find phone \"14155551234"), .line("still inside"), .line(""), .line(".vars")])
        _ = await h.repl.run()
        #expect(h.reader.prompts[1].hasSuffix("(quote open; empty line ends)> "))
        #expect(h.reader.prompts == ["hmq(sandbox)> ", h.repl.quotePrompt, h.repl.quotePrompt, "hmq(sandbox)> ", "hmq(sandbox)> "])
        #expect(h.errors.first?.contains("unterminated string") == true, "\(h.errors)")
    }

    @Test func readRunsAFileWithItsArguments() async throws {
        try await SandboxHarness.run { client in
            let script = FileManager.default.temporaryDirectory.appendingPathComponent("hmq-read-\(UUID()).hmq").path
            try "find phone $1, $2 | show id\n".write(toFile: script, atomically: true, encoding: .utf8)
            let h = await Harness([.line(".read \(script) 14155552003 \"14155552004\""), .line(".vars")], client: client)
            _ = await h.repl.run()
            #expect(h.output.text.hasPrefix("id=1003\nid=1004\n$who"), "\(h.output.text) \(h.errors)")
            #expect(!h.output.text.contains("$1\t"), "the arguments were for that file only")
        }
    }

    @Test func theNextTableFitsTheTerminalAfterAResize() async throws {
        try await SandboxHarness.run { client in
            let widths = WidthSequence([120, 40])
            let h = await Harness([.line("set format width"), .line("find phone 14155551234 | show id"), .line("find phone 14155551234 | show id")],
                                  client: client, outputContext: { OutputContext(isTerminal: true, width: widths.next()) })
            _ = await h.repl.run()
            #expect(h.output.text.contains("width=40\n"), "\(h.output.text)")
        }
    }

    final class WidthSequence: Sendable {
        private let widths: Mutex<[Int]>
        init(_ widths: [Int]) { self.widths = Mutex(widths) }
        func next() -> Int { widths.withLock { $0.count > 1 ? $0.removeFirst() : $0[0] } }
    }

    @Test func ctrlCDropsTheStatementBeingTyped() async throws {
        let h = await Harness([.line("find phone 14155551234 |"), .interrupted, .line(".vars")])
        _ = await h.repl.run()
        #expect(h.reader.prompts == ["hmq(sandbox)> ", "         ...> ", "hmq(sandbox)> ", "hmq(sandbox)> "])
        #expect(h.output.text == "$who\tada@example.com (--var)\n\n")
    }

    @Test func dotCommands() async throws {
        try await SandboxHarness.run { client in
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hmq-dot-\(UUID())")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let script = folder.appendingPathComponent("two.hmq").path
            try "let t = find phone 14155551234, 14155552003\n$t | count\n".write(toFile: script, atomically: true, encoding: .utf8)
            let h = await Harness([.line(".read \(script)"), .line(".vars"), .line("set batch 7"), .line(".settings"), .line(".help where"),
                             .line(".timing on"), .line("$t | count"), .line(".frobnicate"), .line(".quit"), .line("find phone 1")], client: client)
            _ = await h.repl.run()
            let out = h.output.text
            #expect(out.hasPrefix("count=2\n$t\t2 rows (let)\n$who\tada@example.com (--var)\n"))
            // Names padded to the longest setting name.
            #expect(out.range(of: #"\nbatch +7\n"#, options: .regularExpression) != nil, "\(out)")
            #expect(out.contains("| where tags has \"vip\" and not is_opted_out"))
            #expect(out.contains("timing on\ncount=2\n"))
            #expect(h.errors.contains { $0.hasPrefix("Time: ") && $0.hasSuffix(", 0 requests\n") })
            #expect(h.errors.contains("hmq: error: unknown command .frobnicate; .help lists them\n"))
            // .quit ends the session: the last line is never read.
            #expect(h.reader.prompts.count == 9)
        }
    }

    /// `help`, `quit` and `exit` alone on a line do what a newcomer means, as in psql.
    @Test func helpQuitAndExitAloneOnALineAreTheDotCommands() async throws {
        let h = await Harness([.line("help"), .line("HELP;"), .line("exit"), .line(".vars")])
        _ = await h.repl.run()
        #expect(h.output.text.contains(".help commands"), "\(h.output.text)")
        #expect(h.errors.isEmpty, "\(h.errors)")
        #expect(h.reader.prompts.count == 3, "exit ends the session")
        let quit = await Harness([.line("quit"), .line(".vars")])
        _ = await quit.repl.run()
        #expect(quit.reader.prompts.count == 1 && quit.output.text.isEmpty)
    }

    @Test func historyKeepsStatementsNotBlanksRepeatsOrSecrets() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hmq-history-\(UUID())/history").path
        let h = await Harness([
            .line("set batch 10"), .line(""), .line("set batch 10"), .line("set rate 0 |"), .interrupted,
            .line("find phone 14155551234 |"), .line("  show name"),
            .line("set api_key sk_live_abcdefghijk"), .line("find email \"canary-secret-value-123\""), .line(".vars"),
        ], history: HistoryFile(path: path, limit: 3), policy: HistoryPolicy(secrets: ["canary-secret-value-123"]))
        _ = await h.repl.run()
        #expect(h.reader.history == ["set batch 10", "find phone 14155551234 |\n  show name", ".vars"])
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text == "set batch 10\nfind phone 14155551234 |\\n  show name\n.vars\n")
        #expect(!text.contains("sk_live") && !text.contains("canary"))
        // A second session sees them, the multi-line one whole.
        let again = await Harness([], history: HistoryFile(path: path, limit: 2))
        _ = await again.repl.run()
        #expect(again.reader.history == ["find phone 14155551234 |\n  show name", ".vars"])
    }

    /// Under `set mask on` the history keeps statements with their phones and emails masked,
    /// in memory and in the file, and the errors written say them masked too.
    @Test func historyAndErrorsAreMaskedUnderSetMask() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hmq-history-\(UUID())/history").path
        let h = await Harness([
            .line("find phone 14155551234 | show name"), .line("set mask on"),
            .line("find phone 14155559876, email ada@example.com | show nmae"),
        ], history: HistoryFile(path: path))
        _ = await h.repl.run()
        #expect(h.reader.history == ["find phone 14155551234 | show name", "set mask on", "find phone 1415•••9876, email a••@example.com | show nmae"])
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(!text.contains("14155559876") && !text.contains("ada@example.com"))
        #expect(h.errorLines.lines.contains { $0.contains("1415•••9876") }, "\(h.errorLines.lines)")
        #expect(!h.errorLines.lines.joined().contains("14155559876"))
    }

    @Test func statementBufferKnowsWhenAStatementGoesOn() {
        #expect(StatementBuffer.needsMore("find phone 1 |"))
        #expect(StatementBuffer.needsMore("find phone 1,"))
        #expect(StatementBuffer.needsMore("find phone 1 | where (tags has \"vip\""))
        #expect(StatementBuffer.needsMore("find email \"ada@"))
        #expect(!StatementBuffer.needsMore("find phone 1 | show name"))
        #expect(!StatementBuffer.needsMore("find phone 1 # a comment |"))
    }
}
