import ArgumentParser

/// The `hmq` command.
struct HMQ: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hmq",
        abstract: "Query Heymarket contacts with a small pipeline language.",
        discussion: """
            Exit codes: 0 ok · 2 usage or invalid input · 3 syntax error · 4 API or network error \
            (including a partially failed bulk lookup) · 5 authentication · 130 interrupted.

            Credentials come from HEYMARKET_SECRET_ID and HEYMARKET_SECRET_KEY (or the legacy \
            HEYMARKET_API_KEY), never from the command line. --sandbox needs none.
            """,
        version: "0.1.0",
        subcommands: [SearchCommand.self, CheckCommand.self, FormatCommand.self, TokenCommand.self, SandboxCommand.self])
}
