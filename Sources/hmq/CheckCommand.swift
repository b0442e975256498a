import ArgumentParser
import HMQHost
import HMQRuntime
import HMQSyntax
import HMQSystem

/// `hmq check`: parse only, print every diagnostic.
struct CheckCommand: HMQSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Check hmq scripts for errors without running them (-e checks text).",
        discussion: "Prints every error with its line, column and a caret. Exits 0 when clean, 3 on a syntax error.")
    @ParentCommand var root: HMQCommand
    @Argument(help: ArgumentHelp("Script files to check ('-' reads stdin).", valueName: "file")) var files: [String] = []

    func execute() async throws -> ExitStatus {
        let host = try root.global.host()
        let texts = root.global.expressions.enumerated().map { Source(name: root.global.expressions.count == 1 ? "<-e>" : "<-e #\($0 + 1)>", text: $1) }
        let sources = try texts + files.map(ScriptFile.read)
        guard !sources.isEmpty else { throw CommandFailure(status: .usage, message: "give a file to check, or -e 'text'") }
        var status = ExitStatus.ok
        for source in sources {
            let result = host.parse(source)
            let count = result.diagnostics.filter { $0.severity == .error }.count
            if count > 0 {
                status = .syntax
                if host.console.errorFormat == .text { host.console.err("\(source.name): \(count) error\(count == 1 ? "" : "s")\n") }
            }
        }
        return status
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
        let host = try root.global.host()
        var status = ExitStatus.ok
        for file in files {
            let result = host.parse(try ScriptFile.read(file))
            if result.hasErrors {
                status = .syntax
                continue
            }
            let formatted = ASTPrinter().print(result.script)
            if write, file != "-" {
                do { try AtomicFile.write(file) { try $0.write(formatted) } } catch { throw CommandFailure(status: .usage, message: "\(error)") }
            } else {
                host.console.out(formatted)
            }
        }
        return status
    }
}

/// `hmq formats`: the registered output formats.
struct FormatsCommand: HMQSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "formats", abstract: "List the output formats, with their options.",
        discussion: "External formats are executables named hmq-format-NAME in ~/.config/hmq/plugins or on PATH (docs/plugins.md).")
    @ParentCommand var root: HMQCommand

    func execute() async throws -> ExitStatus {
        let host = try root.global.host()
        host.console.out(host.registry.formatterListing())
        for warning in host.pluginWarnings { host.console.note(warning) }
        return .ok
    }
}
