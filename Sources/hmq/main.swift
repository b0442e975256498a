import ArgumentParser
import Foundation
import HMQHost
import HMQRuntime

/// Parses the command line (help and version answered here), runs the
/// command, and turns whatever it ends with into a documented exit status.
func main(_ given: [String]) async -> Int32 {
    // `hmq --version` alone is answered before swift-argument-parser walks the
    // command tree, whose type checks were a third of its start-up.
    if given == ["--version"] {
        Console().out(Version.line + "\n")
        return ExitStatus.ok.rawValue
    }
    let arguments = GlobalOptions.expandingMask(given)
    // The error format is known before the options are parsed, so that a usage error is JSON too.
    var format: ErrorFormat?
    if let at = arguments.firstIndex(of: "--error-format"), at + 1 < arguments.count {
        format = ErrorFormat(rawValue: arguments[at + 1])
    } else if let given = arguments.last(where: { $0.hasPrefix("--error-format=") }) {
        format = ErrorFormat(rawValue: String(given.dropFirst(15)))
    }
    let console = Console(errorFormat: format)
    let formatGiven = format != nil
    let subcommand: any HMQSubcommand
    do {
        var command = try HMQCommand.parseAsRoot(arguments)
        guard let ours = command as? any HMQSubcommand else {
            // `help`, or a command with subcommands and none given: running it shows the help.
            try command.run()
            throw CleanExit.helpRequest(command)
        }
        subcommand = ours
    } catch {
        if HMQCommand.exitCode(for: error) == .success {
            console.out(HMQCommand.fullMessage(for: error) + "\n")
            return ExitStatus.ok.rawValue
        }
        // Unknown options get hmq's own suggestion (UnknownOption says why).
        let subcommands = HMQCommand.configuration.subcommands
        let help = { (name: String) in subcommands.first { $0._commandName == name }.map { HMQCommand.helpMessage(for: $0) } ?? "" }
        let message = UnknownOption.explain(HMQCommand.fullMessage(for: error), arguments: arguments, rootHelp: HMQCommand.helpMessage(),
                                            subcommands: subcommands.map { $0._commandName }, help: help)
        console.usageError(message)
        return ExitStatus.usage.rawValue
    }
    let execute: @Sendable () async -> Int32 = {
        await CommandFailure.exitStatus(console: console, formatGiven: formatGiven) { try await subcommand.execute() }
    }
    // Everything but the prompt and the sandbox server ends cleanly on SIGINT/SIGTERM.
    return subcommand.handlesSignals ? await execute() : await Interruption.cancellingOnSignals(execute)
}

// Standard streams that started closed held by /dev/null, SIGPIPE ignored.
ProcessStart.secureStandardStreams()
exit(await main(Array(CommandLine.arguments.dropFirst())))
