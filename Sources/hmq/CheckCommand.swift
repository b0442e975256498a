import ArgumentParser
import Foundation
import HMQRuntime
import HMQSyntax

/// `hmq check`: parse only, print every diagnostic.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check hmq scripts for syntax errors without running them.",
        discussion: "Prints every error with its line, column and a caret. Exits 0 when clean, 3 on a syntax error.")

    @Argument(help: ArgumentHelp("Script files to check ('-' reads stdin).", valueName: "file"))
    var files: [String] = []

    @Option(name: .shortAndLong, help: ArgumentHelp("Check this text instead of a file (repeatable).", valueName: "text"))
    var expression: [String] = []

    func validate() throws {
        if files.isEmpty, expression.isEmpty {
            throw ValidationError("give a file to check, or -e 'text'")
        }
    }

    func run() throws {
        var failed = false
        var sources: [Source] = []
        for (i, text) in expression.enumerated() {
            sources.append(Source(name: expression.count == 1 ? "<-e>" : "<-e #\(i + 1)>", text: text))
        }
        for file in files { sources.append(try ScriptFile.read(file)) }
        let renderer = DiagnosticRenderer(useColor: Terminal.stderrUsesColor)
        for source in sources {
            let result = Parser.parse(source, pluginStages: Plugins.shared.registry.stageNames)
            if !result.diagnostics.isEmpty {
                FileHandle.standardError.write(Data(renderer.render(result.diagnostics, in: source).utf8))
            }
            if result.hasErrors {
                failed = true
                let count = result.diagnostics.filter { $0.severity == .error }.count
                Terminal.err("\(source.name): \(count) error\(count == 1 ? "" : "s")")
            }
        }
        if failed { throw CommandFailure(status: .syntax, message: nil) }
    }
}

/// `hmq fmt`: print (or rewrite) a script in canonical form.
struct FormatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fmt",
        abstract: "Print hmq scripts in canonical form.",
        discussion: "Comments and blank lines are kept. A script with syntax errors is not changed (exit 3).")

    @Argument(help: ArgumentHelp("Script files ('-' reads stdin).", valueName: "file"))
    var files: [String]

    @Flag(name: .shortAndLong, help: "Rewrite the files in place instead of printing.")
    var write = false

    func run() throws {
        var failed = false
        let renderer = DiagnosticRenderer(useColor: Terminal.stderrUsesColor)
        for file in files {
            let source = try ScriptFile.read(file)
            let result = Parser.parse(source, pluginStages: Plugins.shared.registry.stageNames)
            if result.hasErrors {
                FileHandle.standardError.write(Data(renderer.render(result.diagnostics, in: source).utf8))
                failed = true
                continue
            }
            let formatted = ASTPrinter().print(result.script)
            if write, file != "-" {
                do {
                    try ScriptFile.replace(file, with: formatted)
                } catch {
                    throw CommandFailure(status: .usage, message: "\(error)")
                }
            } else {
                Terminal.out(formatted)
            }
        }
        if failed { throw CommandFailure(status: .syntax, message: nil) }
    }
}

/// Reading and safely rewriting script files.
enum ScriptFile {
    /// The file's bytes as a ``Source`` named by its path; `-` is stdin.
    static func read(_ path: String) throws -> Source {
        if path == "-" {
            return Source(name: "<stdin>", bytes: Array(FileHandle.standardInput.readDataToEndOfFile()))
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            throw CommandFailure(status: .usage, message: exists ? (isDirectory.boolValue ? "\(path) is a directory" : "cannot read \(path)") : "no such file: \(path)")
        }
        return Source(name: path, bytes: Array(data))
    }

    /// Replaces the file's content atomically (see ``AtomicFile``).
    static func replace(_ path: String, with text: String) throws {
        try AtomicFile.write(path) { try $0.write(text) }
    }
}
