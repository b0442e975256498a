import Foundation
import HMQConfig
import HMQFormatters
import HMQLanguage
import HMQRuntime
import HMQShell
import HMQSyntax
import HMQSystem
import LineEditing

extension Host {
    /// Runs hmq text the one way (``ScriptRunner``): every source parsed first
    /// (a syntax error anywhere runs nothing and needs no credentials), then run
    /// in one session, rows to stdout, diagnostics and notes to stderr.
    public func runScripts(_ sources: [Source], arguments: [String] = [], variables: [String: String] = [:],
                           dryRun: Bool = false, continueOnError: Bool = false) async throws -> ExitStatus {
        let console = self.console
        let report: @Sendable (Diagnostic, Source) -> Void = { diagnostic, source in console.report(diagnostic, in: source) }
        let runner = ScriptRunner(continueOnError: continueOnError)
        guard case .success(let parsed) = runner.parse(sources, pluginStages: registry.stageNames, report: report) else { return .syntax }
        let settings = try settings()
        let (registry, inputs, context) = (self.registry, scriptInputs(arguments: arguments, variables: variables), console.outputContext())
        return try await withClient(options: settings.searchOptions, needsClient: !dryRun) { client in
            let display = console.progressDisplay()
            var erase: (@Sendable () -> Void)?
            if let display, Console.isTerminal(STDOUT_FILENO) { erase = { display.clear() } }
            let output = FileSink(descriptor: STDOUT_FILENO, beforeWrite: erase)
            let evaluator = Evaluator(client: client, registry: registry, output: output, context: context,
                                      settings: settings, inputs: inputs, dryRun: dryRun)
            let status = await runner.run(parsed, in: evaluator, report: report, reportError: { console.report($0, in: $1) },
                                          events: RunEvents(progress: display?.handler)).status
            display?.clear()
            if status == .interrupted { console.noteStopped(await evaluator.settings.checkpoint) }
            return status
        }
    }

    /// The interactive prompt: libedit (or plain lines with `TERM=dumb`), the
    /// history file, the start-up script, the pager (`PAGER`), on this host's connection.
    @MainActor
    public func runREPL(variables: [String: String] = [:], runStartup: Bool = true, version: String) async throws {
        let settings = try settings(interactive: true)
        let dumb = environment["TERM"] == "dumb"
        let reader: LineReader = dumb ? PlainLineReader(showPrompt: true) : LibeditLineReader(name: "hmq", wordBreakCharacters: Completer.wordBreakCharacters)
        // The credentials' values, wherever they come from: never into the history file.
        var secrets = credentialVariables.compactMap { environment[$0] }
        switch try? credentials() {
        case .secret(_, let key)?: secrets.append(key.exposedValue)
        case .apiKey(let key)?: secrets.append(key.exposedValue)
        case nil: break
        }
        let limit = environment["HMQ_HISTORY_SIZE"].flatMap(Int.init) ?? 5000
        let configuration = REPL.Configuration(
            target: targetName,
            history: dumb ? nil : HistoryFile(path: HistoryFile.defaultPath(environment: environment), limit: limit),
            historyPolicy: HistoryPolicy(secrets: secrets),
            rcFile: runStartup ? ConfigFolder.replStartup(environment: environment) : nil,
            welcome: true, version: version,
            builtinFormats: Set(BuiltinFormatters.all.map(\.name)),
            pager: dumb ? nil : PagerCommand.from(environment: environment))
        let (console, registry, inputs) = (self.console, self.registry, scriptInputs(variables: variables))
        try await withClient(options: settings.searchOptions) { client in
            let output = CountingSink(FileSink(descriptor: STDOUT_FILENO))
            let evaluator = Evaluator(client: client, registry: registry, output: output, context: console.outputContext(),
                                      settings: settings, inputs: inputs)
            let repl = await REPL(reader: reader, evaluator: evaluator, output: output, configuration: configuration, renderer: console.renderer,
                                  writeError: { console.err($0) }, interruptCount: { LibeditLineReader.interruptCount },
                                  outputContext: { console.outputContext() }, progress: dumb ? nil : console.progress())
            _ = await repl.run()
        }
    }
}

extension Host {
    /// Parses `source` with this host's stage plugins, printing its diagnostics on stderr.
    public func parse(_ source: Source) -> ParseResult {
        let result = ScriptCheck.parse(source, pluginStages: registry.stageNames)
        if console.errorFormat == .json {
            for diagnostic in result.diagnostics { console.report(diagnostic, in: source) }
        } else if !result.diagnostics.isEmpty {
            console.err(console.renderer.render(result.diagnostics, in: source))
        }
        return result
    }
}

/// Reading script files.
public enum ScriptFile {
    /// The file's bytes as a ``Source`` named by its path; `-` is stdin.
    public static func read(_ path: String) throws -> Source {
        if path == "-" {
            ValueFiles.scriptOnStandardInput.store(true, ordering: .relaxed)
            switch ValueFiles.readToEnd(STDIN_FILENO) {
            case .success(let bytes): return Source(name: "<stdin>", bytes: bytes)
            case .failure(let failure): throw CommandFailure(status: .usage, message: failure.message(for: "stdin"))
            }
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            throw CommandFailure(status: .usage, message: exists ? (isDirectory.boolValue ? "\(path) is a directory" : "cannot read \(path)") : "no such file: \(path)")
        }
        return Source(name: path, bytes: Array(data))
    }
}
