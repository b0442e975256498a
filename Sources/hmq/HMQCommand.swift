import ArgumentParser
import HMQHost
import HMQRuntime
import HMQSyntax

/// `hmq`: one root command. Its options (``GlobalOptions``) work before or
/// after a subcommand or a script file; with no subcommand it runs hmq text.
struct HMQCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hmq",
        abstract: "Query Heymarket contacts with a small pipeline language.",
        usage: """
            hmq [<options>]                                 (the interactive prompt, on a terminal)
            hmq [<options>] -e 'find phone $1 | show name' [<argument> ...]
            hmq [<options>] SCRIPT.hmq [<argument> ...]       (arguments are $1, $2, ...; put -- before one that starts with -)
            command | hmq [<options>]
            hmq <subcommand> [<options>]
            """,
        discussion: """
            Output is a table on a terminal and NDJSON otherwise (--format, 'set format', '| format'). \
            Diagnostics and notes go to stderr. Credentials come from a profile of ~/.config/hmq/config.toml \
            or HEYMARKET_SECRET_ID and HEYMARKET_SECRET_KEY, never the command line; --sandbox needs none.

            Exit codes: 0 ok; 1 changes found (diff with --exit-code); 2 usage, invalid input or a runtime \
            error in the script; 3 syntax error; 4 API or network error (including a partly failed lookup); \
            5 authentication; 130 interrupted.
            """,
        version: Version.line,
        subcommands: [RunCommand.self, SearchCommand.self, CheckCommand.self, FormatCommand.self, FormatsCommand.self,
                      ConfigCommand.self, AuthCommand.self, TokenCommand.self, SandboxCommand.self, MCPCommand.self, LSPCommand.self],
        defaultSubcommand: RunCommand.self)

    @OptionGroup var global: GlobalOptions
}

/// A subcommand that says how it ended (errors it throws are mapped by ``CommandFailure``).
protocol HMQSubcommand: AsyncParsableCommand, Sendable {
    func execute() async throws -> ExitStatus
    /// Whether it handles SIGINT/SIGTERM itself (the prompt, the sandbox server).
    var handlesSignals: Bool { get }
}

extension HMQSubcommand {
    func run() async throws {}
    var handlesSignals: Bool { false }
}

/// `hmq [run] [SCRIPT [ARGS...]]`: hmq text from -e, a file, stdin, or the interactive prompt.
struct RunCommand: HMQSubcommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run hmq text (the default): -e, a script file, stdin, or the prompt.")
    @ParentCommand var root: HMQCommand
    @Argument(parsing: .remaining, help: ArgumentHelp("A script file and its arguments ($1, $2, ...); with -e, the arguments.", valueName: "script"))
    var scriptAndArguments: [String] = []

    /// The prompt handles Ctrl-C itself (it cancels a query there).
    var isInteractive: Bool { root.global.expressions.isEmpty && scriptAndArguments.isEmpty && Console.isTerminal(0) }
    var handlesSignals: Bool { isInteractive }

    func execute() async throws -> ExitStatus {
        let global = root.global
        let host = try global.host()
        let variables = try Host.variables(global.variables)
        if isInteractive {
            try await host.runREPL(variables: variables, runStartup: !global.noRC, version: Version.text)
            return .ok
        }
        var sources = ScriptFile.expressions(global.expressions)
        var arguments = scriptAndArguments
        if sources.isEmpty { sources = [try ScriptFile.read(arguments.isEmpty ? "-" : arguments.removeFirst())] }
        return try await host.runScripts(sources, arguments: arguments, variables: variables, dryRun: global.dryRun, continueOnError: global.continueOnError)
    }
}
