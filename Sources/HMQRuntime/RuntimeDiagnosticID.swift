import HMQSyntax
import Heymarket

/// The ids of the diagnostics raised while a script runs (errors and notes),
/// one per kind of problem, so a program can branch on `id` in the JSON error
/// records (`--error-format json`) and the MCP answers. Every one is listed,
/// with its meaning, in README.md ("Errors as data"). A `matches` pattern that
/// does not compile is ``DiagnosticID/invalidPattern``, found before running or while.
extension DiagnosticID {
    // MARK: Fields, formats, stages, settings

    /// A field no row has (`show nmae`): the suggestion names the closest.
    public static let unknownField = DiagnosticID(rawValue: "unknown-field")
    /// A format that does not exist (`format xml`, `set format`, `save --format`), or none told by a save path's extension.
    public static let unknownFormat = DiagnosticID(rawValue: "unknown-format")
    /// A format refused its options or the columns it was given (`format NAME: ...`).
    public static let formatError = DiagnosticID(rawValue: "format-error")
    /// A plugin stage the session running the script has not registered.
    public static let unregisteredStage = DiagnosticID(rawValue: "unregistered-stage")
    /// An option of `diff` or of a plugin stage that is unknown or has a wrong value.
    public static let invalidOption = DiagnosticID(rawValue: "invalid-option")
    /// `set NAME VALUE` with an unknown setting or a value it does not take.
    public static let invalidSetting = DiagnosticID(rawValue: "invalid-setting")

    // MARK: Variables

    /// A value the script reads has none: `$1` past the arguments, `$name` without `--var`, an unset `$env.NAME`.
    public static let unsetVariable = DiagnosticID(rawValue: "unset-variable")
    /// A pipeline starts from `$name`, which no `let` bound.
    public static let unboundVariable = DiagnosticID(rawValue: "unbound-variable")
    /// A value variable used as a result (`$x | show`), or a result used as a value (`find $r`).
    public static let misusedVariable = DiagnosticID(rawValue: "misused-variable")

    // MARK: What the caller may do

    /// Refused to this caller (the MCP server, an agent): files outside `--allow-read`, `$env`, `save`, `checkpoint`; or a credential in `$env`.
    public static let notPermitted = DiagnosticID(rawValue: "not-permitted")

    // MARK: Files

    /// A file the script reads (values, records, a snapshot) does not exist.
    public static let fileNotFound = DiagnosticID(rawValue: "file-not-found")
    /// A file exists but cannot be read (permissions, a directory, an I/O error).
    public static let unreadableFile = DiagnosticID(rawValue: "unreadable-file")
    /// A file's content is not what it should be: not UTF-8, a line too long, not JSON, not a JSON object or array.
    public static let malformedFile = DiagnosticID(rawValue: "malformed-file")
    /// A file changed while hmq read it (a lookup reads its values more than once).
    public static let fileChanged = DiagnosticID(rawValue: "file-changed")
    /// Standard input has no values to read: it is closed, or it holds the script itself.
    public static let stdinUnavailable = DiagnosticID(rawValue: "stdin-unavailable")
    /// A file hmq writes (a `save` target, the temporary copy of a piped input) could not be written.
    public static let writeFailed = DiagnosticID(rawValue: "write-failed")
    /// A CSV file with no header row: empty, or its first row is a lead.
    public static let missingHeader = DiagnosticID(rawValue: "missing-header")
    /// A `by` column the records file does not have (a name, a number past the last, a number for NDJSON).
    public static let unknownColumn = DiagnosticID(rawValue: "unknown-column")
    /// A `by` column name that several columns have, ignoring case.
    public static let ambiguousColumn = DiagnosticID(rawValue: "ambiguous-column")
    /// A `diff` snapshot row without the key field to match rows by.
    public static let missingKey = DiagnosticID(rawValue: "missing-key")
    /// A `diff` key that is not one per row (twice in the snapshot, or two rows now).
    public static let duplicateKey = DiagnosticID(rawValue: "duplicate-key")

    // MARK: The lookup

    /// Values that cannot be looked up (`set invalid error`, the default): nothing was sent.
    public static let invalidValues = DiagnosticID(rawValue: "invalid-values")
    /// Records with no key cell hmq could read (`set invalid error`); every other record was looked up.
    public static let invalidRecords = DiagnosticID(rawValue: "invalid-records")
    /// No API client to look values up with (no credentials and no `--sandbox`).
    public static let noClient = DiagnosticID(rawValue: "no-client")
    /// The API refused or failed (`kind` is `authentication` when it refused the credentials).
    public static let apiError = DiagnosticID(rawValue: "api-error")
    /// Batches failed after their retries: their values were not answered (`values` lists them).
    public static let partialFailure = DiagnosticID(rawValue: "partial-failure")
    /// Exact attribution could not finish: the values listed stay undetermined.
    public static let attributionIncomplete = DiagnosticID(rawValue: "attribution-incomplete")
    /// An error of no kind above, its description as the message (none is expected: please report it).
    public static let unexpectedError = DiagnosticID(rawValue: "unexpected-error")

    // MARK: Notes

    /// Note: values that matched no contact.
    public static let noContact = DiagnosticID(rawValue: "no-contact")
    /// Note: values whose contacts no field ties to them.
    public static let undetermined = DiagnosticID(rawValue: "undetermined")
    /// Note: invalid values left out (`set invalid skip`).
    public static let skippedInvalid = DiagnosticID(rawValue: "skipped-invalid")
    /// Note: values the server refused alone (the others of their batch were answered).
    public static let refusedValues = DiagnosticID(rawValue: "refused-values")
    /// Note: how many records of a `find csv`/`find ndjson` had each outcome.
    public static let recordOutcomes = DiagnosticID(rawValue: "record-outcomes")
    /// Note: phone values searched without the extension written after them (`set extensions drop`).
    public static let droppedExtensions = DiagnosticID(rawValue: "dropped-extensions")
    /// Note: rows a `where` test did not match because a value had the wrong shape.
    public static let typeMismatch = DiagnosticID(rawValue: "type-mismatch")
    /// Note: `diff` did not list the rows that may be gone, as a batch of the lookup failed.
    public static let diffIncomplete = DiagnosticID(rawValue: "diff-incomplete")
    /// Note: a `save` after a failed batch wrote `FILE.partial` and left the file as it was.
    public static let partialSave = DiagnosticID(rawValue: "partial-save")
}

extension LookupSummary.NoteKind {
    /// The id of the note that counts (and names) the values of this kind.
    public var noteID: DiagnosticID {
        switch self {
        case .unmatched: .noContact
        case .undetermined: .undetermined
        case .invalid: .skippedInvalid
        case .refused: .refusedValues
        }
    }
}
