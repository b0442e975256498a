import HMQSyntax
import Heymarket

/// Why a statement could not run: a diagnostic pointing at the text, or an API failure.
public enum RuntimeError: Error, Sendable {
    /// A problem in the script found while running it (unknown field, missing
    /// file, type mismatch): rendered like a syntax error, with a caret.
    case diagnostic(Diagnostic)
    /// The API refused or failed (`isAuthentication` tells 401/403 apart).
    case api(HeymarketError, range: SourceRange)
    /// Some batch failed after its retries; the rows that did arrive were
    /// output, and the aggregates named in `withheld` were not (their answer is unknown).
    /// `attribution`: batches whose exact attribution could not finish.
    case partialFailure([BatchFailure], range: SourceRange, withheld: [String] = [], attribution: [BatchFailure] = [])

    /// One line on failed batches: how many values were not answered and why,
    /// naming the cause when it stopped the run (the server refused the
    /// credentials, they cannot be used here, the server cannot be reached).
    public static func summary(of failures: [BatchFailure]) -> String {
        let values = failures.reduce(0) { $0 + $1.values.count }
        let notAnswered = "\(values) value\(values == 1 ? " was" : "s were") not answered"
        if let refused = failures.first(where: { $0.error.isAuthentication })?.error {
            return refused.isServerRefusal
                ? "the server refused the credentials (\(refused)); \(notAnswered)"
                : "the credentials cannot be used: \(refused.message); nothing was sent to the server, and \(notAnswered)"
        }
        if let unreachable = failures.first(where: { $0.error.code == .unreachable })?.error {
            return "cannot connect to \(unreachable.message); \(notAnswered)"
        }
        if failures.allSatisfy({ $0.error.code == .badRequest }) {
            return "\(notAnswered): the server refused \(values == 1 ? "it" : "them") (HTTP 400)"
        }
        return "\(notAnswered): \(failures.count) batch\(failures.count == 1 ? "" : "es") failed after retries"
    }

    /// A diagnostic error at `range`, with its kind's id (``DiagnosticID``, RuntimeDiagnosticID.swift).
    static func at(_ range: SourceRange, _ id: DiagnosticID, _ message: String, suggestion: String? = nil) -> RuntimeError {
        .diagnostic(Diagnostic(id: id, range: range, message: message, suggestion: suggestion))
    }

    /// The diagnostic to render for this error.
    public var diagnostic: Diagnostic {
        switch self {
        case .diagnostic(let d): return d
        case .api(let error, let range): return Diagnostic(id: .apiError, range: range, message: error.description)
        case .partialFailure(let failures, let range, let withheld, let attribution) where failures.isEmpty:
            let values = attribution.flatMap(\.values)
            let notes = attribution.prefix(5).map { f in "batch \(f.batchIndex + 1): \(f.error)" }
                + ["undetermined: " + values.prefix(20).map(\.value).joined(separator: ", ") + (values.count > 20 ? ", … (\(values.count - 20) more)" : "")]
            _ = withheld
            return Diagnostic(id: .attributionIncomplete, range: range,
                              message: "exact attribution could not finish: \(values.count) value\(values.count == 1 ? " stays" : "s stay") undetermined", notes: notes)
        case .partialFailure(let failures, let range, let withheld, _):
            let values = failures.flatMap(\.values)
            var message = Self.summary(of: failures)
            if !withheld.isEmpty {
                message += "; '\(withheld.joined(separator: "', '"))' printed nothing, as \(withheld.count == 1 ? "its" : "their") answer is unknown"
            }
            var notes = failures.prefix(5).map { f in
                "batch \(f.batchIndex + 1) (\(f.values.count) value\(f.values.count == 1 ? "" : "s"), \(f.attempts == 0 ? "not sent" : "\(f.attempts) attempt\(f.attempts == 1 ? "" : "s")")): \(f.error)"
            }
            if failures.count > 5 { notes.append("… and \(failures.count - 5) more failed batches") }
            notes.append("not answered: " + values.prefix(20).map(\.value).joined(separator: ", ")
                         + (values.count > 20 ? ", … (\(values.count - 20) more; '| unmatched' lists every one as failed)" : ""))
            return Diagnostic(id: .partialFailure, range: range, message: message, notes: notes)
        }
    }
}
