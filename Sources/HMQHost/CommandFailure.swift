import HMQConfig
import HMQRuntime
import Heymarket

/// An error that ends a command with a given exit status. Its message is
/// printed as `hmq: error: ...`; nil when it was printed already.
public struct CommandFailure: Error, Sendable {
    public var status: ExitStatus
    public var message: String?

    public init(status: ExitStatus, message: String?) {
        self.status = status
        self.message = message
    }

    /// What any error a command throws comes to: its status and message, so
    /// every exit code is decided in one place.
    public init(_ error: any Error) {
        switch error {
        case let failure as CommandFailure: self = failure
        case let error as HeymarketError: self.init(status: ExitStatus(error), message: error.description)
        case let error as ConfigError: self.init(status: .usage, message: error.description)
        case let error as SettingSourceError: self.init(status: .usage, message: error.message)
        case let error as RuntimeError: self.init(status: ExitStatus(error), message: error.diagnostic.message)
        case is CancellationError: self.init(status: .interrupted, message: nil)
        default: self.init(status: .api, message: "\(error)")
        }
    }
}
