import ArgumentParser
import Foundation
import HMQAgent
import HMQHost
import HMQLanguage
import HMQRuntime
import LanguageServer

/// `hmq mcp`: the Model Context Protocol server for AI agents.
struct MCPCommand: HMQSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp", abstract: "Serve hmq to an AI agent over the Model Context Protocol (stdio).",
        discussion: """
            Tools: query (hmq text in, rows out as JSON, at most 'limit'), explain (the requests it would send), \
            check (diagnostics with lines and columns), lookup (values in, the --report object out). Resources: \
            the grammar and the language guide. Credentials come from the profile, the environment or --sandbox, \
            never from the agent. stdout carries protocol messages only; it ends when stdin closes. Calls run one at a \
            time while messages are read on: ping is answered at once, notifications/cancelled stops the call it names, \
            and a call running longer than --call-timeout is cancelled.

            The agent is an untrusted caller: it cannot save, set a checkpoint or read $env, and file/csv read only \
            regular files under the directories given with --allow-read (none by default).

            It takes hmq's options (see hmq --help), before or after 'mcp': hmq mcp --profile prod, hmq mcp --sandbox, \
            hmq mcp --rate 300 --batch 50.
            """)
    @ParentCommand var root: HMQCommand
    @Option(name: .customLong("allow-read"), help: ArgumentHelp("Let the agent read the files under DIR with file and csv (repeatable; default: none).", valueName: "dir"))
    var allowRead: [String] = []
    @Option(name: .customLong("call-timeout"),
            help: ArgumentHelp("Cancel a tool call that runs longer than this, answering an error (default: 120).", valueName: "seconds"))
    var callTimeout: Double = 120

    func execute() async throws -> ExitStatus {
        guard callTimeout > 0, callTimeout.isFinite, callTimeout <= 86_400 else {
            throw CommandFailure(status: .usage, message: "--call-timeout must be a number of seconds above 0, at most 86400")
        }
        let host = try root.global.host()
        try await host.serveAgent(version: Version.text, allowRead: allowRead, callTimeout: .milliseconds(Int((callTimeout * 1000).rounded())))
        return .ok
    }
}

/// `hmq lsp`: the Language Server Protocol server for editors.
struct LSPCommand: HMQSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "lsp", abstract: "Serve .hmq files to an editor over the Language Server Protocol (stdio).",
        discussion: """
            Diagnostics, completion, hover, formatting (as hmq fmt) and document symbols (let bindings). \
            Set-up for Neovim, Helix and VS Code: see the README. It reads stdin and writes stdout only; \
            it ends on the protocol's exit (status 0 after shutdown, else 1, as the protocol says) or when stdin closes.
            """)
    @ParentCommand var root: HMQCommand

    func execute() async throws -> ExitStatus {
        let host = try root.global.host()
        let server = LanguageServer(vocabulary: LanguageVocabulary(registry: host.registry), version: Version.text)
        let console = host.console
        let status = server.serve(MessageFraming(input: STDIN_FILENO, output: STDOUT_FILENO)) { console.err($0 + "\n") }
        // The protocol asks for 1 when the client exits without shutting down: not one of hmq's own codes.
        if status != 0 { Foundation.exit(status) }
        return .ok
    }
}
