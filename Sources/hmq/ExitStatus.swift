/// hmq's documented exit codes.
enum ExitStatus: Int32 {
    /// Everything asked for was done.
    case ok = 0
    /// A command-line usage error, or an invalid input value.
    case usage = 2
    /// A syntax error in hmq text.
    case syntax = 3
    /// An API or network error, including a partial failure (some batch failed).
    case api = 4
    /// Missing or rejected credentials (401/403).
    case authentication = 5
    /// Interrupted (Ctrl-C).
    case interrupted = 130
}

/// An error that ends a command with a given exit status. Its message has
/// already been written to stderr when `message` is nil.
struct CommandFailure: Error {
    var status: ExitStatus
    var message: String?
}
