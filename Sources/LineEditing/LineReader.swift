import Foundation

/// What reading a line came to.
public enum LineReadResult: Sendable, Hashable {
    /// A line, without its line break.
    case line(String)
    /// Ctrl-C at the prompt: the line is dropped.
    case interrupted
    /// Ctrl-D on an empty line, or the end of a pipe.
    case endOfInput
}

/// Reads lines for the REPL: libedit on a terminal, plain reads elsewhere, a
/// script in tests.
@MainActor
public protocol LineReader: AnyObject {
    /// Shows `prompt` and reads one line.
    func readLine(prompt: String) -> LineReadResult
    /// Adds a statement to the in-memory history (Up-arrow, Ctrl-R).
    func addHistory(_ entry: String)
    /// Called on Tab with the text before the cursor.
    var completer: WordCompleter? { get set }
}

/// What Tab asks: given the text before the cursor, the replacements for the
/// word being completed (the text after the last word-break character the
/// reader was given), and whether a single one is followed by a space (not
/// after a directory name).
public typealias WordCompleter = (String) -> (candidates: [String], appendSpace: Bool)

/// Lines from stdin with no editing, no history and no prompt on a pipe (a
/// prompt is shown on a terminal, e.g. with TERM=dumb).
@MainActor
public final class PlainLineReader: LineReader {
    public var completer: WordCompleter?
    private let showPrompt: Bool

    public init(showPrompt: Bool) { self.showPrompt = showPrompt }

    public func readLine(prompt: String) -> LineReadResult {
        if showPrompt {
            FileHandle.standardOutput.write(Data(prompt.utf8))
        }
        guard let line = Swift.readLine(strippingNewline: true) else { return .endOfInput }
        return .line(line)
    }

    public func addHistory(_ entry: String) {}
}

/// A scripted reader for tests: returns the given lines, then end of input;
/// ``tab(_:)`` asks the completer as libedit would on Tab.
@MainActor
public final class ScriptedLineReader: LineReader {
    public var completer: WordCompleter?
    private var script: [LineReadResult]
    /// The prompts shown, in order.
    public private(set) var prompts: [String] = []
    /// What was added to history, in order.
    public private(set) var history: [String] = []

    public init(_ script: [LineReadResult]) { self.script = script }

    public func readLine(prompt: String) -> LineReadResult {
        prompts.append(prompt)
        return script.isEmpty ? .endOfInput : script.removeFirst()
    }

    public func addHistory(_ entry: String) { history.append(entry) }

    /// The candidates Tab offers with `textBeforeCursor` typed.
    public func tab(_ textBeforeCursor: String) -> [String] {
        completer?(textBeforeCursor).candidates ?? []
    }
}
