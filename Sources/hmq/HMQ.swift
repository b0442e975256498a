import ArgumentParser
import Foundation
import HMQFormatters
import HMQRuntime
import HMQShell
import LineEditing
import HMQSyntax
import Heymarket
import HeymarketSandbox

/// The `hmq` command: runs hmq scripts, `-e` text or a script on stdin.
///
/// Its subcommands (the raw lookup, parsing tools, tokens, the sandbox) live in
/// ``HMQTools``: a script file name and a subcommand name would otherwise compete
/// for the first argument, so `main` picks the parser by that argument.
struct HMQ: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hmq",
        abstract: "Query Heymarket contacts with a small pipeline language.",
        usage: """
            hmq [<options>]                        (the interactive prompt, on a terminal)
            hmq [<options>] -e 'find phone 14155551234 | show name' ...
            hmq [<options>] SCRIPT.hmq [<argument> ...]
            command | hmq [<options>]
            hmq <subcommand>
            """,
        discussion: """
            Options go before the script file; what follows the file is the script's \
            arguments ($1, $2, ...). Output is a table on a terminal and NDJSON (one \
            JSON object per line) otherwise; choose with --format, 'set format NAME' or \
            '| format NAME'. Diagnostics and notes go to stderr.

            Exit codes: 0 ok · 2 usage, invalid input or a runtime error in the script \
            (unknown field, missing file) · 3 syntax error · 4 API or network error \
            (including a partially failed bulk lookup) · 5 authentication · 130 interrupted.

            Credentials and defaults come from a profile of ~/.config/hmq/config.toml \
            (--profile NAME, HMQ_PROFILE, or default_profile; see hmq config), else from \
            HEYMARKET_SECRET_ID and HEYMARKET_SECRET_KEY (or the legacy HEYMARKET_API_KEY); \
            never from the command line. --sandbox (the sandbox profile) needs none. \
            Settings: flag > environment (HMQ_FORMAT, HMQ_BATCH, ...) > profile > default.

            Subcommands (hmq help <subcommand> for their options):
              search    look up contacts by channel values, printed as JSON (the raw layer)
              config    the config file: path, show, init
              auth      check the credentials against the API (hmq auth check)
              check     check scripts for syntax errors without running them
              fmt       print scripts in canonical form
              formats   list the output formats
              token     print a fresh JWT for curl
              sandbox   run the local Heymarket sandbox (hmq sandbox serve)
            """,
        version: HMQTools.version)

    @Option(name: [.customShort("e"), .customLong("expression")], help: ArgumentHelp("hmq text to run (repeatable; run in order).", valueName: "text"))
    var expressions: [String] = []

    @Option(name: .customLong("var"), help: ArgumentHelp("Bind $NAME to VALUE (repeatable).", valueName: "name=value"))
    var variables: [String] = []

    @Option(name: [.short, .long], help: ArgumentHelp("Output format (see 'hmq formats').", valueName: "name"))
    var format: String?

    @Option(help: ArgumentHelp("Colour: auto (on a terminal, unless NO_COLOR or TERM=dumb; FORCE_COLOR forces it), always or never.", valueName: "when"))
    var color: ColorChoice = .auto

    @Flag(help: "Print the HTTP requests each lookup would send, and send nothing.")
    var dryRun = false

    @Flag(help: "Run the remaining statements after one fails (the exit code still reports the failure).")
    var continueOnError = false

    @Flag(name: .customLong("no-rc"), help: "At the interactive prompt, skip ~/.config/hmq/hmqrc.")
    var noRC = false

    @OptionGroup(title: "Connection") var connection: ConnectionOptions
    @OptionGroup(title: "Tuning") var tuning: SearchTuningOptions

    @Argument(parsing: .captureForPassthrough, help: ArgumentHelp("A script file, then its arguments.", valueName: "script"))
    var scriptAndArguments: [String] = []

    func validate() throws {
        for variable in variables {
            guard let eq = variable.firstIndex(of: "="), eq != variable.startIndex,
                variable[..<eq].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }), !variable[..<eq].first!.isNumber
            else {
                throw ValidationError("--var '\(variable)' must be NAME=VALUE, with NAME made of letters, digits and '_'")
            }
        }
        if !expressions.isEmpty, let first = scriptAndArguments.first {
            throw ValidationError("give either -e text or a script file ('\(first)'), not both")
        }
    }

    func run() async throws {
        var sources: [Source] = []
        var arguments: [String] = []
        if !expressions.isEmpty {
            for (i, text) in expressions.enumerated() {
                sources.append(Source(name: expressions.count == 1 ? "<-e>" : "<-e #\(i + 1)>", text: text))
            }
        } else if let file = scriptAndArguments.first {
            sources.append(try ScriptFile.read(file))
            arguments = Array(scriptAndArguments.dropFirst())
        } else if !Terminal.isTerminal(STDIN_FILENO) {
            sources.append(try ScriptFile.read("-"))
        } else {
            try await runREPL()
            return
        }
        Terminal.colorChoice = color
        let renderer = DiagnosticRenderer(useColor: Terminal.stderrUsesColor)
        // Parse everything first: a syntax error anywhere runs nothing.
        var parsed: [ParseResult] = []
        var syntaxErrors = false
        for source in sources {
            let result = Parser.parse(source, pluginStages: Plugins.shared.registry.stageNames)
            if !result.diagnostics.isEmpty {
                FileHandle.standardError.write(Data(renderer.render(result.diagnostics, in: source).utf8))
            }
            syntaxErrors = syntaxErrors || result.hasErrors
            parsed.append(result)
        }
        if syntaxErrors { throw CommandFailure(status: .syntax, message: nil) }

        let (registry, output, settings) = try session()
        let inputs = self.inputs(arguments: arguments)
        let stdout = FileSink(handle: FileHandle.standardOutput)
        let status: ExitStatus = try await connection.withOptionalClient(options: settings.searchOptions, needsClient: !dryRun) { client in
            let evaluator = Evaluator(client: client, registry: registry, output: stdout, settings: settings, inputs: inputs, dryRun: dryRun)
            evaluator.outputContext = output
            if Terminal.isTerminal(STDERR_FILENO), ProcessInfo.processInfo.environment["TERM"] != "dumb" {
                evaluator.onProgress = Terminal.progress(label: "looking up")
            }
            var worst = ExitStatus.ok
            for result in parsed {
                evaluator.onNote = { note in
                    try? stdout.flush()
                    FileHandle.standardError.write(Data(renderer.render(note, in: result.source).utf8))
                }
                let errors = await evaluator.run(result.script, continueOnError: continueOnError)
                try? stdout.flush()
                for error in errors {
                    FileHandle.standardError.write(Data(renderer.render(error.diagnostic, in: result.source).utf8))
                    worst = Self.worse(worst, Self.status(for: error))
                }
                if !errors.isEmpty, !continueOnError { break }
            }
            return worst
        }
        try? stdout.flush()
        if status != .ok { throw CommandFailure(status: status, message: nil) }
    }

    /// The formats, what stdout is, and the settings from the flags.
    func session() throws -> (PluginRegistry, HMQRuntime.OutputContext, Settings) {
        let registry = Plugins.shared.registry
        let output = Terminal.outputContext(color: color)
        let settings = try connection.settings(tuning: tuning, format: format, defaultFormat: output.isTerminal ? "table" : "ndjson")
        guard registry.formatter(named: settings.format) != nil else {
            throw CommandFailure(status: .usage, message: "unknown format '\(settings.format)'; formats: " + registry.allFormatters.map(\.name).joined(separator: ", "))
        }
        return (registry, output, settings)
    }

    /// `$1...`, `--var` values and the environment.
    func inputs(arguments: [String]) -> ScriptInputs {
        var named: [String: String] = [:]
        for variable in variables {
            let eq = variable.firstIndex(of: "=")!
            named[String(variable[..<eq])] = String(variable[variable.index(after: eq)...])
        }
        return ScriptInputs(arguments: arguments, variables: named, environment: ProcessInfo.processInfo.environment)
    }

    /// The interactive prompt (stdin is a terminal and there is nothing else to run).
    @MainActor
    func runREPL() async throws {
        Terminal.colorChoice = color
        let (registry, output, settings) = try session()
        let environment = ProcessInfo.processInfo.environment
        let stdout = CountingSink(FileSink(handle: FileHandle.standardOutput))
        let renderer = DiagnosticRenderer(useColor: Terminal.stderrUsesColor)
        let dumb = environment["TERM"] == "dumb"
        let reader: LineReader = dumb ? PlainLineReader(showPrompt: true) : LibeditLineReader(name: "hmq")
        let target = connection.targetName
        let config = Plugins.configFolder(environment: environment)
        var secrets: [String] = []
        for name in ["HEYMARKET_SECRET_KEY", "HEYMARKET_API_KEY"] { if let value = environment[name] { secrets.append(value) } }
        // The profile's key too, wherever it comes from: never into the history file.
        switch try? connection.credentials() {
        case .secret(_, let key)?: secrets.append(key.exposedValue)
        case .apiKey(let key)?: secrets.append(key.exposedValue)
        case nil: break
        }
        let limit = environment["HMQ_HISTORY_SIZE"].flatMap(Int.init) ?? 5000
        let configuration = REPL.Configuration(
            target: target,
            history: dumb ? nil : HistoryFile(path: HistoryFile.defaultPath(environment: environment), limit: limit),
            historyPolicy: HistoryPolicy(secrets: secrets),
            rcFile: noRC ? nil : config + "/hmqrc",
            welcome: true, version: HMQTools.version,
            builtinFormats: Set(BuiltinFormatters.all.map(\.name)))
        try await connection.withClient(options: settings.searchOptions) { client in
            let evaluator = Evaluator(client: client, registry: registry, output: stdout, settings: settings, inputs: inputs(arguments: []))
            evaluator.outputContext = output
            if !dumb { evaluator.onProgress = Terminal.progress(label: "looking up") }
            let repl = REPL(reader: reader, evaluator: evaluator, output: stdout, configuration: configuration, renderer: renderer,
                            writeError: { FileHandle.standardError.write(Data($0.utf8)) },
                            interruptCount: { LibeditLineReader.interruptCount })
            _ = await repl.run()
        }
    }

    static func status(for error: RuntimeError) -> ExitStatus {
        switch error {
        case .diagnostic: return .usage
        case .partialFailure: return .api
        case .api(let e, _): return e.isAuthentication ? .authentication : (e.code == .invalidValue ? .usage : .api)
        }
    }

    /// The status that says more: authentication over API over usage.
    static func worse(_ a: ExitStatus, _ b: ExitStatus) -> ExitStatus {
        let rank: [ExitStatus: Int] = [.ok: 0, .usage: 1, .syntax: 2, .api: 3, .authentication: 4, .interrupted: 5]
        return (rank[b] ?? 0) > (rank[a] ?? 0) ? b : a
    }
}

/// The subcommands of `hmq`, parsed when the first argument names one.
struct HMQTools: AsyncParsableCommand {
    static let version = "0.1.0"
    static let configuration = CommandConfiguration(
        commandName: "hmq",
        abstract: "Query Heymarket contacts with a small pipeline language.",
        version: version,
        subcommands: [SearchCommand.self, CheckCommand.self, FormatCommand.self, FormatsCommand.self, ConfigCommand.self, AuthCommand.self, TokenCommand.self, SandboxCommand.self])

    /// The names that select ``HMQTools`` instead of ``HMQ``.
    static var commandNames: Set<String> {
        Set(configuration.subcommands.compactMap { $0.configuration.commandName } + ["help"])
    }
}

/// `hmq formats`: the registered output formats.
struct FormatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "formats", abstract: "List the output formats, with their options.",
        discussion: "External formats are executables named hmq-format-NAME in ~/.config/hmq/plugins or on PATH (docs/plugins.md).")

    func run() throws {
        let (registry, warnings) = Plugins.shared
        Terminal.out(registry.formatterListing())
        for warning in warnings { Terminal.note(warning) }
    }
}
