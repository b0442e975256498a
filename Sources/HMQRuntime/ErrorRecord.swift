import HMQJSON
import HMQSyntax
import Heymarket

/// One error, warning or note as a program reads it (`--error-format json`):
/// one JSON object per line on stderr, with snake_case keys as the API's.
///
/// ```json
/// {"severity":"error","id":"unknown-stage","kind":"syntax","exit_code":3,"message":"unknown stage 'shwo'","file":"a.hmq",
///  "line":1,"column":26,"end_line":1,"end_column":30,"suggestion":"did you mean 'show'?",
///  "request_id":null,"values":[],"status":null}
/// ```
public struct ErrorRecord: Sendable {
    public var severity: String
    /// The diagnostic's id (`unknown-stage`, `file-not-found`, `partial-failure`: ``DiagnosticID``);
    /// nil for a message that is not a diagnostic of the text (a usage error, a plugin's warning).
    public var id: String?
    /// How it ended the run (`syntax`, `usage`, `api`, `authentication`, `interrupted`); nil for a note or warning.
    public var status: ExitStatus?
    public var message: String
    /// Where in the text, when it points into one.
    public var file: String?
    public var start: SourceLocation?
    public var end: SourceLocation?
    public var suggestion: String?
    public var notes: [String] = []
    /// The server's `X-Request-Id` of the failing answer.
    public var requestID: String?
    /// The values of a failed batch (the first 1,000).
    public var values: [String] = []
    /// The HTTP status of the failing answer.
    public var httpStatus: Int?

    /// A message with no place in a text (a command's error, a note), with the id of its kind when it has one.
    public init(severity: String, status: ExitStatus? = nil, id: DiagnosticID? = nil, message: String) {
        self.severity = severity
        self.status = status
        self.id = id?.rawValue
        self.message = message
    }

    /// A diagnostic of `source` (a syntax error, a warning, a note).
    public init(_ diagnostic: Diagnostic, in source: Source, status: ExitStatus? = nil) {
        severity = diagnostic.severity.rawValue
        id = diagnostic.id.rawValue
        self.status = diagnostic.severity == .error ? (status ?? .syntax) : nil
        message = diagnostic.message
        file = source.name
        start = source.location(of: diagnostic.range.start)
        end = source.location(of: diagnostic.range.end)
        suggestion = diagnostic.suggestion
        notes = diagnostic.notes
    }

    /// A statement that failed while running, with what the API said.
    public init(_ error: RuntimeError, in source: Source) {
        self.init(error.diagnostic, in: source, status: ExitStatus(error))
        switch error {
        case .diagnostic: break
        case .api(let e, _):
            requestID = e.requestID
            httpStatus = e.status
        case .partialFailure(let failures, _, _, let attribution):
            let all = failures + attribution
            requestID = all.lazy.compactMap(\.error.requestID).first
            httpStatus = all.lazy.compactMap(\.error.status).first
            values = Array(all.lazy.flatMap(\.values).prefix(1000).map(\.value))
        }
    }

    /// A batch that failed after its retries (`hmq search`), with its values, status and request id;
    /// its id is `partial-failure` (or `attribution-incomplete` for exact attribution that could not finish).
    public init(_ failure: BatchFailure, id: DiagnosticID = .partialFailure, message: String? = nil) {
        self.init(severity: "error", status: failure.error.isAuthentication ? .authentication : .api, id: id, message: message ?? failure.description)
        requestID = failure.error.requestID
        httpStatus = failure.error.status
        values = Array(failure.values.prefix(1000).map(\.value))
    }

    /// The object, every key present (null when it does not apply).
    public var json: JSONValue {
        func number(_ n: Int?) -> JSONValue { n.map { .integer(Int64($0)) } ?? .null }
        func text(_ s: String?) -> JSONValue { s.map(JSONValue.string) ?? .null }
        return .object(JSONObject([
            .init(key: "severity", value: .string(severity)),
            .init(key: "id", value: text(id)),
            .init(key: "kind", value: text(status?.kind)),
            .init(key: "exit_code", value: number(status.map { Int($0.rawValue) })),
            .init(key: "message", value: .string(message)),
            .init(key: "file", value: text(file)),
            .init(key: "line", value: number(start?.line)),
            .init(key: "column", value: number(start?.column)),
            .init(key: "end_line", value: number(end?.line)),
            .init(key: "end_column", value: number(end?.column)),
            .init(key: "suggestion", value: text(suggestion)),
            .init(key: "notes", value: .array(notes.map(JSONValue.string))),
            .init(key: "request_id", value: text(requestID)),
            .init(key: "values", value: .array(values.map(JSONValue.string))),
            .init(key: "status", value: number(httpStatus)),
        ]))
    }

    /// The object on one line.
    public var line: String { JSONWriter().string(json) + "\n" }
}

extension ExitStatus {
    /// The status's name, as errors give it: `ok`, `usage`, `syntax`, `api`, `authentication`, `interrupted`.
    public var kind: String {
        switch self {
        case .ok: "ok"
        case .changed: "changed"
        case .usage: "usage"
        case .syntax: "syntax"
        case .api: "api"
        case .authentication: "authentication"
        case .interrupted: "interrupted"
        }
    }
}
