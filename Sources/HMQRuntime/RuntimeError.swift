import HMQSyntax
import Heymarket

/// Why a statement could not run: a diagnostic pointing at the text, or an API failure.
public enum RuntimeError: Error, Sendable {
    /// A problem in the script found while running it (unknown field, missing
    /// file, type mismatch): rendered like a syntax error, with a caret.
    case diagnostic(Diagnostic)
    /// The API refused or failed (`isAuthentication` tells 401/403 apart).
    case api(HeymarketError, range: SourceRange)
    /// Some batch failed after its retries; the rows that did arrive were output.
    case partialFailure([BatchFailure], range: SourceRange)

    static func at(_ range: SourceRange, _ message: String, suggestion: String? = nil) -> RuntimeError {
        .diagnostic(Diagnostic(id: .runtime, range: range, message: message, suggestion: suggestion))
    }

    /// The diagnostic to render for this error.
    public var diagnostic: Diagnostic {
        switch self {
        case .diagnostic(let d): return d
        case .api(let error, let range): return Diagnostic(id: .runtime, range: range, message: error.description)
        case .partialFailure(let failures, let range):
            let ids = failures.reduce(0) { $0 + $1.values.count }
            return Diagnostic(id: .runtime, range: range, message: "\(failures.count) batch\(failures.count == 1 ? "" : "es") failed after retries; \(ids) value\(ids == 1 ? "" : "s") not looked up: " + failures.map(\.description).joined(separator: "; "))
        }
    }
}
