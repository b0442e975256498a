import ArgumentParser
import HMQHost
import HMQRuntime

/// `hmq check`: parse only, print every diagnostic.
struct CheckCommand: HMQSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Check hmq scripts for errors without running them (-e checks text).",
        discussion: "Prints every error with its line, column and a caret. Exits 0 when clean, 3 on a syntax error.")
    @ParentCommand var root: HMQCommand
    @Argument(help: ArgumentHelp("Script files to check ('-' reads stdin).", valueName: "file")) var files: [String] = []

    func execute() async throws -> ExitStatus {
        let host = try root.global.host()
        return try host.check(ScriptFile.expressions(root.global.expressions) + files.map(ScriptFile.read))
    }
}

/// `hmq fmt`: print (or rewrite) a script in canonical form.
struct FormatCommand: HMQSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "fmt", abstract: "Print hmq scripts in canonical form.",
        discussion: "Comments and blank lines are kept. A script with syntax errors is not changed (exit 3).")
    @ParentCommand var root: HMQCommand
    @Argument(help: ArgumentHelp("Script files ('-' reads stdin).", valueName: "file")) var files: [String]
    @Flag(name: .shortAndLong, help: "Rewrite the files in place instead of printing.") var write = false

    func execute() async throws -> ExitStatus {
        try root.global.host().format(files: files, write: write)
    }
}

/// `hmq formats`: the registered output formats.
struct FormatsCommand: HMQSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "formats", abstract: "List the output formats, with their options.",
        discussion: "External formats are executables named hmq-format-NAME in ~/.config/hmq/plugins or on PATH (docs/plugins.md).")
    @ParentCommand var root: HMQCommand

    func execute() async throws -> ExitStatus {
        try root.global.host().listFormats()
        return .ok
    }
}
