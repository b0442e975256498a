import ArgumentParser
import Foundation
import Heymarket

/// Parses, runs, and maps every outcome to a documented exit status.
func runHMQ() async -> Int32 {
    let command: any ParsableCommand
    do {
        command = try await HMQ.asyncParseAsRoot()
    } catch {
        let code = HMQ.exitCode(for: error)
        if code == .success {
            Terminal.out(HMQ.fullMessage(for: error) + "\n")
            return ExitStatus.ok.rawValue
        }
        Terminal.err(HMQ.fullMessage(for: error))
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
    } catch is CancellationError {
        return ExitStatus.interrupted.rawValue
    } catch {
        let code = HMQ.exitCode(for: error)
        if code == .success {
            let message = HMQ.fullMessage(for: error)
            if !message.isEmpty { Terminal.out(message + "\n") }
            return ExitStatus.ok.rawValue
        }
        Terminal.err(HMQ.fullMessage(for: error))
        return code == .validationFailure ? ExitStatus.usage.rawValue : ExitStatus.api.rawValue
    }
}

exit(await runHMQ())
