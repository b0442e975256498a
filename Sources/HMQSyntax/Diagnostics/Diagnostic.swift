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

/// A stable name for each kind of diagnostic, kebab-case: programs branch on it (`id` in
/// `--error-format json` and the MCP answers, `code` in the language server). README.md lists them.
public struct DiagnosticID: Sendable, Hashable, RawRepresentable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    /// A character no token starts with (or a `$` with no name after it).
    public static let unexpectedCharacter = DiagnosticID(rawValue: "unexpected-character")
    /// A byte that is not UTF-8 text.
    public static let invalidUTF8 = DiagnosticID(rawValue: "invalid-utf8")
    /// A NUL byte in the text.
    public static let nulByte = DiagnosticID(rawValue: "nul-byte")
    /// A string with no closing quote.
    public static let unterminatedString = DiagnosticID(rawValue: "unterminated-string")
    /// A `\` escape in a string that is not one (`\q`, a bad `\u{...}`).
    public static let invalidEscape = DiagnosticID(rawValue: "invalid-escape")
    /// A word or sign that must come next is missing (a name after `let`, a pipeline after `explain`).
    public static let expectedToken = DiagnosticID(rawValue: "expected-token")
    /// A value that must come next is missing or of the wrong kind (after `set NAME`, `matches`).
    public static let expectedValue = DiagnosticID(rawValue: "expected-value")
    /// `|` with no stage after it, or a pipeline that starts with `|`.
    public static let expectedStage = DiagnosticID(rawValue: "expected-stage")
    /// A stage name that is not one (`shwo`).
    public static let unknownStage = DiagnosticID(rawValue: "unknown-stage")
    /// A pipeline that starts with a stage instead of `find` or a variable.
    public static let stageBeforeSource = DiagnosticID(rawValue: "stage-before-source")
    /// A statement that is not `find`, `let`, `set` or `explain`.
    public static let unknownStatement = DiagnosticID(rawValue: "unknown-statement")
    /// A condition or comparison that is missing or cut short (`where`, `name ==`).
    public static let expectedExpression = DiagnosticID(rawValue: "expected-expression")
    /// A condition nested deeper than the parser allows.
    public static let nestingTooDeep = DiagnosticID(rawValue: "nesting-too-deep")
    /// Something left over where a statement or a list should end.
    public static let unexpectedToken = DiagnosticID(rawValue: "unexpected-token")
    /// A stage after `save`, which ends the pipeline.
    public static let stageAfterSave = DiagnosticID(rawValue: "stage-after-save")
    /// A column that a `show` names twice.
    public static let duplicateColumn = DiagnosticID(rawValue: "duplicate-column")
    /// A `matches` pattern that does not compile (found by HMQRuntime's ScriptCheck, or while running).
    public static let invalidPattern = DiagnosticID(rawValue: "invalid-pattern")
    // The ids of runtime diagnostics (same shape and renderer) are HMQRuntime's RuntimeDiagnosticID.swift.
}
