import Heymarket

/// How a run of hmq ended, as the documented process exit codes.
public enum ExitStatus: Int32, Sendable, CaseIterable {
    case ok = 0
    /// Nothing failed, and a `diff --exit-code` stage found a change (as `git diff --exit-code`).
    case changed = 1
    /// Usage, invalid input, a config problem, or a runtime error in a script.
    case usage = 2
    /// A syntax error in hmq text.
    case syntax = 3
    /// An API or network error, including a partially failed lookup.
    case api = 4
    /// No credentials, or 401/403.
    case authentication = 5
    /// Interrupted (Ctrl-C, SIGTERM).
    case interrupted = 130

    /// The status for a failed statement.
    public init(_ error: RuntimeError) {
        switch error {
        case .diagnostic: self = .usage
        case .partialFailure(let failures, _, _, let attribution):
            self = ExitStatus(LookupSummary(failures: failures, attributionFailures: attribution))
        case .api(let e, _): self = ExitStatus(e)
        }
    }

    /// The status a lookup ends with, whichever front end ran it: 5 when the
    /// server refused the credentials, 4 when a batch failed or an exact
    /// attribution could not finish, else 0.
    public init(_ summary: LookupSummary) {
        self = summary.refusal != nil ? .authentication : summary.isComplete ? .ok : .api
    }

    /// The status for an API error: 5 for credentials, 2 for what the user
    /// gave (a value, a base URL), 4 for the rest.
    public init(_ error: HeymarketError) {
        if error.isAuthentication { self = .authentication }
        else if error.code == .invalidValue || error.code == .invalidBaseURL || error.code == .checkpoint || error.code == .temporaryFile { self = .usage }
        else { self = .api }
    }

    /// The status that says more, when a run met several: interrupted over
    /// authentication over API over syntax over usage.
    public func worse(_ other: ExitStatus) -> ExitStatus {
        let rank: [ExitStatus: Int] = [.ok: 0, .changed: 0, .usage: 1, .syntax: 2, .api: 3, .authentication: 4, .interrupted: 5]
        return (rank[other] ?? 0) > (rank[self] ?? 0) ? other : self
    }
}
