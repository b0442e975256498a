/// What went wrong, as a value: an id, a severity, where, a message, and an
/// optional suggestion. Rendering is ``DiagnosticRenderer``'s job.
public struct Diagnostic: Sendable, Hashable, Error, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable {
        case error, warning, note
    }

    /// A replacement the user probably meant: `shwo` -> `show`.
    public struct FixIt: Sendable, Hashable {
        public var range: SourceRange
        public var replacement: String
        public init(range: SourceRange, replacement: String) {
            self.range = range
            self.replacement = replacement
        }
    }

    public var id: DiagnosticID
    public var severity: Severity
    public var range: SourceRange
    public var message: String
    /// A one-line hint shown under the caret, e.g. `did you mean 'show'?`.
    public var suggestion: String?
    public var fixIt: FixIt?
    /// Lines of detail printed under the caret (`= phones.txt:3: phone 'abc': ...`).
    public var notes: [String]

    public init(id: DiagnosticID, severity: Severity = .error, range: SourceRange, message: String, suggestion: String? = nil,
                fixIt: FixIt? = nil, notes: [String] = []) {
        self.id = id
        self.severity = severity
        self.range = range
        self.message = message
        self.suggestion = suggestion
        self.fixIt = fixIt
        self.notes = notes
    }

    public var description: String { "\(severity): \(message)" }
}

/// A stable name for each kind of diagnostic, for tests and documentation.
public struct DiagnosticID: Sendable, Hashable, RawRepresentable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public static let unexpectedCharacter = DiagnosticID(rawValue: "unexpected-character")
    public static let invalidUTF8 = DiagnosticID(rawValue: "invalid-utf8")
    public static let nulByte = DiagnosticID(rawValue: "nul-byte")
    public static let unterminatedString = DiagnosticID(rawValue: "unterminated-string")
    public static let invalidEscape = DiagnosticID(rawValue: "invalid-escape")
    public static let expectedToken = DiagnosticID(rawValue: "expected-token")
    public static let expectedValue = DiagnosticID(rawValue: "expected-value")
    public static let expectedStage = DiagnosticID(rawValue: "expected-stage")
    public static let unknownStage = DiagnosticID(rawValue: "unknown-stage")
    public static let stageBeforeSource = DiagnosticID(rawValue: "stage-before-source")
    public static let unknownStatement = DiagnosticID(rawValue: "unknown-statement")
    public static let expectedExpression = DiagnosticID(rawValue: "expected-expression")
    public static let nestingTooDeep = DiagnosticID(rawValue: "nesting-too-deep")
    public static let unexpectedToken = DiagnosticID(rawValue: "unexpected-token")
    public static let stageAfterSave = DiagnosticID(rawValue: "stage-after-save")
    public static let duplicateColumn = DiagnosticID(rawValue: "duplicate-column")
    /// A `matches` pattern that does not compile (found by HMQRuntime's ScriptCheck).
    public static let invalidPattern = DiagnosticID(rawValue: "invalid-pattern")
    /// Runtime diagnostics (HMQRuntime) use the same shape and renderer.
    public static let runtime = DiagnosticID(rawValue: "runtime")
}
