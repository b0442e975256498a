import Foundation
import HMQRuntime
import HMQSyntax
import HMQSystem
import Heymarket
import Synchronization

/// Writing to the standard streams, and what they are attached to. Writes go
/// straight to the file descriptor: a closed or full stream (`hmq ... | true`,
/// `> /dev/full`, a closed stderr) makes a write fail, never the process crash.
public struct Console: Sendable {
    /// `--color`.
    public var color: ColorChoice
    public var environment: [String: String]
    /// How errors, warnings and notes are written on stderr (`--error-format`, `HMQ_ERROR_FORMAT`).
    public var errorFormat: ErrorFormat
    /// The progress line on the screen now, if any (copies of a console share it).
    private let shown = ShownProgress()
    /// How stderr masks phones and emails (`--mask`, `set mask`); copies of a console share it.
    private let masking = MaskState()

    /// The session's secrets, never written on stderr (copies of a console share them).
    private let redaction = RedactionState()

    /// Hides `secrets` (whole or in part: ``SecretRedactor``) in everything written on stderr from now on:
    /// an error that quotes the text a user typed a key into does not repeat it.
    public func redact(_ secrets: [String]) { redaction.value.withLock { $0.add(secrets) } }

    /// Masks everything written on stderr from now on (nil or off: nothing).
    public func mask(_ masker: Masker?) { masking.value.withLock { $0 = masker?.isOn == true ? masker : nil } }

    public init(color: ColorChoice = .auto, environment: [String: String] = ProcessInfo.processInfo.environment, errorFormat: ErrorFormat? = nil) {
        self.color = color
        self.environment = environment
        self.errorFormat = errorFormat ?? environment["HMQ_ERROR_FORMAT"].flatMap { ErrorFormat(rawValue: $0.lowercased()) } ?? .text
    }

    /// Writes `record` on stderr: one JSON object per line with `--error-format json`, else as text
    /// (a diagnostic of a text with its caret, any other message as `hmq: error: ...`).
    public func report(_ record: ErrorRecord, diagnostic: Diagnostic? = nil, in source: Source? = nil) {
        if errorFormat == .json { return err(record.line) }
        if let diagnostic, let source { return err(renderer.render(diagnostic, in: source)) }
        line(record.severity, record.severity == "error" ? "31" : "36", record.message)
    }

    /// Writes a diagnostic of `source` (a syntax error, a warning, a note).
    public func report(_ diagnostic: Diagnostic, in source: Source) {
        report(ErrorRecord(diagnostic, in: source), diagnostic: diagnostic, in: source)
    }

    /// Writes a statement's runtime error, with its exit status, request id and values in JSON.
    public func report(_ error: RuntimeError, in source: Source) {
        report(ErrorRecord(error, in: source), diagnostic: error.diagnostic, in: source)
    }

    /// Tells the user that every request waits out a rate window: a countdown
    /// on the progress line on a terminal, else one note on stderr (a cron log
    /// is never silent while hmq waits).
    /// A long wait before one batch's retry is said off a terminal only (a terminal shows the progress line).
    public func announce(_ wait: RateWindowWait) {
        if let display = shown.display.withLock({ $0 }) {
            if wait.retrying == nil { display.wait(seconds: wait.seconds) }
        } else {
            note(wait.description)
        }
    }

    public static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }

    /// Writes every byte of `text` to `fd`; false when the stream is closed or full.
    @discardableResult
    public static func write(_ text: String, to fd: Int32) -> Bool {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += n
        }
        return true
    }

    /// Writes `text` to stdout as it is.
    @discardableResult
    public func out(_ text: String) -> Bool { Self.write(text, to: STDOUT_FILENO) }

    /// Writes text to stderr as it is (already rendered diagnostics, help), masked when masking is on.
    public func err(_ text: String) {
        let text = redaction.value.withLock { $0.isEmpty ? text : $0.text(text) }
        Self.write(masking.value.withLock { $0 }.map { $0.text(text) } ?? text, to: STDERR_FILENO)
    }

    /// `hmq: error: message` on stderr (bold red on a colour terminal); the
    /// message's control characters are shown, never sent to the terminal.
    public func error(_ message: String, status: ExitStatus? = nil, id: DiagnosticID? = nil) {
        errorFormat == .json ? err(ErrorRecord(severity: "error", status: status, id: id, message: message).line) : line("error", "31", message)
    }

    /// `hmq: note: message` on stderr; as JSON with its `id` when it has one.
    public func note(_ message: String, id: DiagnosticID? = nil) {
        errorFormat == .json ? err(ErrorRecord(severity: "note", id: id, message: message).line) : line("note", "36", message)
    }

    /// Says how to resume a checkpointed run that was stopped.
    public func noteStopped(_ checkpoint: String?) {
        guard let path = checkpoint else { return }
        note("stopped; the batches that finished are saved in '\(path)': run the same command again to resume")
    }

    private func line(_ kind: String, _ code: String, _ message: String) {
        let prefix = stderrUsesColor ? "hmq: \u{1B}[1;\(code)m\(kind):\u{1B}[0m " : "hmq: \(kind): "
        err(prefix + DiagnosticRenderer.visible(message) + "\n")
    }

    /// Colour on stderr: `--color`, else on a terminal with `NO_COLOR` unset and `TERM` not `dumb` (`FORCE_COLOR` forces it).
    public var stderrUsesColor: Bool { uses(fd: STDERR_FILENO) }

    func uses(fd: Int32) -> Bool {
        switch color {
        case .always: return true
        case .never: return false
        case .auto: return DiagnosticRenderer.colorByDefault(environment: environment, isTerminal: Self.isTerminal(fd))
        }
    }

    /// The renderer for diagnostics on stderr.
    public var renderer: DiagnosticRenderer { DiagnosticRenderer(useColor: stderrUsesColor) }

    /// What stdout is: a terminal (its width and height now, whether it shows UTF-8) and whether to colour.
    public func outputContext() -> OutputContext {
        let terminal = Self.isTerminal(STDOUT_FILENO)
        var size = winsize()
        var width: Int?
        var height: Int?
        if terminal, ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 {
            width = Int(size.ws_col)
            if size.ws_row > 0 { height = Int(size.ws_row) }
        }
        if width == nil, let columns = environment["COLUMNS"].flatMap(Int.init), columns > 0 { width = columns }
        if terminal, width == nil { width = 80 }
        if height == nil, terminal, let lines = environment["LINES"].flatMap(Int.init), lines > 0 { height = lines }
        // The locale says whether the terminal shows UTF-8 (LC_ALL over LC_CTYPE over LANG).
        let locale = [environment["LC_ALL"], environment["LC_CTYPE"], environment["LANG"]].compactMap { $0 }.first { !$0.isEmpty } ?? ""
        let unicode = !terminal || locale.lowercased().replacingOccurrences(of: "-", with: "").contains("utf8")
        return OutputContext(isTerminal: terminal, width: width, unicode: unicode, color: uses(fd: STDOUT_FILENO), height: height)
    }

    /// A progress callback drawing a ``ProgressLine`` (batches, ids, ids/s,
    /// ETA, 429s) on one stderr line, only on a terminal and only for lookups of
    /// more than one batch, erased when done; nil when stderr is not a terminal.
    public func progress(label: String = "looking up") -> ProgressHandler? {
        progressDisplay(label: label)?.handler
    }

    /// The progress line and a way to erase it (so rows written to the same
    /// terminal do not land on it); nil when stderr is not a terminal.
    public func progressDisplay(label: String = "looking up") -> ProgressDisplay? {
        guard Self.isTerminal(STDERR_FILENO), environment["TERM"] != "dumb" else { return nil }
        var size = winsize()
        let width = ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 0 ? Int(size.ws_col) : 80
        let display = ProgressDisplay(ProgressLine(label: label, width: width))
        shown.display.withLock { $0 = display }
        return display
    }
}

/// The progress display a console drew last: where a rate-window countdown goes.
final class ShownProgress: Sendable {
    let display = Mutex<ProgressDisplay?>(nil)
}

/// A ``ProgressLine`` on stderr: drawn as a lookup advances, erased on demand.
public final class ProgressDisplay: Sendable {
    private let line: Mutex<ProgressLine>
    private let start = ContinuousClock.now
    /// The countdown of a rate-window wait, while one runs.
    private let countdown = Mutex<Task<Void, Never>?>(nil)

    init(_ line: ProgressLine) { self.line = Mutex(line) }

    public var handler: ProgressHandler {
        { [self] progress in
            let elapsed = ContinuousClock.now - start
            if let text = line.withLock({ $0.update(progress, at: elapsed) }) { Console.write(text, to: STDERR_FILENO) }
        }
    }

    /// Erases the line if it is drawn.
    public func clear() {
        if let text = line.withLock({ $0.erase() }) { Console.write(text, to: STDERR_FILENO) }
    }

    /// Counts `seconds` down on the line, once a second ("waiting 46 s for the
    /// rate window"), then erases it; a later wait replaces an earlier one.
    func wait(seconds: Double) {
        let clock = ContinuousClock()
        let end = clock.now + .milliseconds(Int64(seconds * 1000))
        let ticker = Task { [self] in
            while !Task.isCancelled {
                let left = (end - clock.now) / .seconds(1)
                guard left > 0 else { break }
                Console.write(line.withLock { $0.waiting(seconds: left) }, to: STDERR_FILENO)
                // Until the number shown changes: 45.3 s left shows "46 s" for 0.3 s more.
                try? await Task.sleep(for: .milliseconds(Int64((left - (left.rounded(.up) - 1)) * 1000) + 1))
            }
            if !Task.isCancelled { clear() }
        }
        countdown.withLock { $0?.cancel(); $0 = ticker }
    }
}

/// `--error-format text|json`: carets for people, or one JSON object per line for programs.
public enum ErrorFormat: String, CaseIterable, Sendable {
    case text, json

    /// The format a host chose from its profile (`error_format`), for the errors
    /// written after it is gone (the command's own failure); nil until one did.
    public static var chosen: ErrorFormat? { chosenFormat.withLock { $0 } }
    static func choose(_ format: ErrorFormat) { chosenFormat.withLock { $0 = format } }
}

private let chosenFormat = Mutex<ErrorFormat?>(nil)

/// `--color auto|always|never`.
public enum ColorChoice: String, CaseIterable, Sendable {
    case auto, always, never
}

/// The secrets a console and its copies never write.
final class RedactionState: Sendable {
    let value = Mutex(SecretRedactor())
}
