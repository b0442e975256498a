import ArgumentParser
import Foundation
import HMQConfig
import Heymarket

/// Parses, runs, and maps every outcome to a documented exit status.
func runHMQ() async -> Int32 {
    let arguments = Array(CommandLine.arguments.dropFirst())
    // A subcommand name first selects the tools; anything else is a script run.
    let root: any ParsableCommand.Type = arguments.first.map(HMQTools.commandNames.contains) == true ? HMQTools.self : HMQ.self
    // The script's arguments are passed through untouched, so help and version
    // flags given before any script are answered here.
    if root == HMQ.self {
        // The options before the script file (skipping the values of options that take one).
        let takesValue: Set<String> = ["-e", "--expression", "--var", "-f", "--format", "--base-url", "--batch",
                                       "--concurrency", "--rate", "--retries", "--timeout", "--country-code", "--color", "--profile"]
        var leading: [String] = []
        var index = 0
        while index < arguments.count, arguments[index].hasPrefix("-") {
            leading.append(arguments[index])
            index += takesValue.contains(arguments[index]) ? 2 : 1
        }
        if leading.contains("-h") || leading.contains("--help") {
            Terminal.out(HMQ.helpMessage() + "\n")
            return ExitStatus.ok.rawValue
        }
        if leading.contains("--version") {
            Terminal.out(HMQTools.version + "\n")
            return ExitStatus.ok.rawValue
        }
    }
    let command: any ParsableCommand
    do {
        command = try root.parseAsRoot(arguments)
    } catch {
        let code = root.exitCode(for: error)
        if code == .success {
            Terminal.out(root.fullMessage(for: error) + "\n")
            return ExitStatus.ok.rawValue
        }
        Terminal.err(root.fullMessage(for: error))
        return ExitStatus.usage.rawValue
    }
    do {
        var command = command
        if var asyncCommand = command as? any AsyncParsableCommand {
            try await asyncCommand.run()
        } else {
            try command.run()
        }
        return ExitStatus.ok.rawValue
    } catch let failure as CommandFailure {
        if let message = failure.message { Terminal.error(message) }
        return failure.status.rawValue
    } catch let error as HeymarketError {
        Terminal.error(error.description)
        return error.isAuthentication ? ExitStatus.authentication.rawValue
            : (error.code == .invalidBaseURL || error.code == .invalidValue ? ExitStatus.usage.rawValue : ExitStatus.api.rawValue)
    } catch let error as ConfigError {
        Terminal.error(error.description)
        return ExitStatus.usage.rawValue
    } catch is CancellationError {
        return ExitStatus.interrupted.rawValue
    } catch {
        let code = root.exitCode(for: error)
        if code == .success {
            let message = root.fullMessage(for: error)
            if !message.isEmpty { Terminal.out(message + "\n") }
            return ExitStatus.ok.rawValue
        }
        Terminal.err(root.fullMessage(for: error))
        return code == .validationFailure ? ExitStatus.usage.rawValue : ExitStatus.api.rawValue
    }
}

// A closed output (`hmq ... | head -1`) is an EPIPE error hmq handles by stopping quietly, not a signal.
signal(SIGPIPE, SIG_IGN)
exit(await runHMQ())
