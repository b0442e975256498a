import HMQConfig
import HMQRuntime
import HMQSyntax
import Heymarket

/// An error that ends a command with a given exit status. Its message is
/// printed as `hmq: error: ...`; nil when it was printed already.
public struct CommandFailure: Error, Sendable {
    public var status: ExitStatus
    public var message: String?
    /// The kind of problem, for `--error-format json` (nil: none of the ids a script's diagnostics have).
    public var id: DiagnosticID?

    public init(status: ExitStatus, message: String?, id: DiagnosticID? = nil) {
        self.status = status
        self.message = message
        self.id = id
    }

    /// What any error a command throws comes to: its status and message, so
    /// every exit code is decided in one place.
    public init(_ error: any Error) {
        switch error {
        case let failure as CommandFailure: self = failure
        case let error as HeymarketError:
            self.init(status: ExitStatus(error), message: error.description, id: error.code == .missingCredentials ? .noClient : .apiError)
        case let error as ConfigError: self.init(status: .usage, message: error.description)
        case let error as SettingSourceError: self.init(status: .usage, message: error.message)
        case let error as RuntimeError: self.init(status: ExitStatus(error), message: error.diagnostic.message, id: error.diagnostic.id)
        case let error as ConfinementError: self.init(status: .usage, message: error.message, id: .notPermitted)
        case is CancellationError: self.init(status: .interrupted, message: nil)
        default: self.init(status: .api, message: "\(error)")
        }
    }
}

extension CommandFailure {
    /// Runs a command's body and turns whatever it ends with into its exit
    /// status; an error's message goes to stderr in `console`'s error format,
    /// or, when the command line did not give one (`formatGiven` false), in the
    /// one the profile chose (`error_format`) once the host was read.
    public static func exitStatus(console: Console, formatGiven: Bool, of body: () async throws -> ExitStatus) async -> Int32 {
        do {
            return try await body().rawValue
        } catch {
            let failure = CommandFailure(error)
            var console = console
            if !formatGiven, let chosen = ErrorFormat.chosen { console.errorFormat = chosen }
            if let message = failure.message { console.error(message, status: failure.status, id: failure.id) }
            return failure.status.rawValue
        }
    }
}

extension Console {
    /// A usage error of the command line: swift-argument-parser's message with
    /// its usage lines as it is, or in JSON its first line alone, without
    /// "Error: " (the usage lines are for people).
    public func usageError(_ message: String) {
        if errorFormat == .json {
            let first = message.split(separator: "\n").first.map(String.init) ?? message
            error(first.hasPrefix("Error: ") ? String(first.dropFirst(7)) : first, status: .usage)
        } else {
            err(message + "\n")
        }
    }
}
