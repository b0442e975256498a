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
        let message = UnknownOption.explain(HMQCommand.fullMessage(for: error), arguments: arguments)
        if console.errorFormat == .json {
            // The first line, without swift-argument-parser's "Error: " (the usage lines are for people).
            let first = message.split(separator: "\n").first.map(String.init) ?? message
            console.error(first.hasPrefix("Error: ") ? String(first.dropFirst(7)) : first, status: .usage)
        } else {
            console.err(message + "\n")
        }
        return ExitStatus.usage.rawValue
    }
    let execute: @Sendable () async -> Int32 = {
        do {
            return try await subcommand.execute().rawValue
        } catch {
            let failure = CommandFailure(error)
            // The profile may have chosen the format (error_format) once the host was read.
            var console = console
            if !formatGiven, let chosen = ErrorFormat.chosen { console.errorFormat = chosen }
            if let message = failure.message { console.error(message, status: failure.status) }
            return failure.status.rawValue
        }
    }
    // Everything but the prompt and the sandbox server ends cleanly on SIGINT/SIGTERM.
    return subcommand.handlesSignals ? await execute() : await Interruption.cancellingOnSignals(execute)
}

// A standard stream started closed (`hmq ... <&-`, `>&-`) would let the next file
// opened take its number: a socket on fd 1 would receive our output. Hold those
// numbers with /dev/null, as OpenSSH's sanitise_stdfd does.
for fd in Int32(0)...2 where fcntl(fd, F_GETFD) == -1 && errno == EBADF {
    let null = open("/dev/null", O_RDWR)
    if null >= 0, null != fd { dup2(null, fd); close(null) }
    if fd == 0 { ValueFiles.standardInputClosed.store(true, ordering: .relaxed) }
}
// A closed output (`hmq ... | head -1`) is an EPIPE error hmq handles by stopping quietly, not a signal.
signal(SIGPIPE, SIG_IGN)
exit(await main(Array(CommandLine.arguments.dropFirst())))
