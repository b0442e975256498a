import Foundation
import HMQSyntax

/// Writing to the standard streams, and what they are attached to.
enum Terminal {
    static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }

    /// Writes `text` to stdout as-is.
    static func out(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// Writes one line to stderr.
    static func err(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// `hmq: error: message` on stderr (bold red on a colour terminal).
    static func error(_ message: String) {
        err(prefix("error", color: "31") + message)
    }

    /// `hmq: note: message` on stderr.
    static func note(_ message: String) {
        err(prefix("note", color: "36") + message)
    }

    private static func prefix(_ kind: String, color: String) -> String {
        stderrUsesColor ? "hmq: \u{1B}[1;\(color)m\(kind):\u{1B}[0m " : "hmq: \(kind): "
    }

    /// A progress callback drawing `hmq: looking up… 12/100 batches` on one
    /// stderr line (only for lookups of more than one batch), erased when done.
    static func progress(label: String) -> @Sendable (Int, Int) -> Void {
        { done, total in
            guard total > 1 else { return }
            let line = done < total ? "\rhmq: \(label)… \(done)/\(total) batches\u{1B}[K" : "\r\u{1B}[K"
            FileHandle.standardError.write(Data(line.utf8))
        }
    }

    /// Colour on stderr only on a terminal, with `NO_COLOR` unset and `TERM` not `dumb`.
    static let stderrUsesColor = DiagnosticRenderer.colorByDefault(
        environment: ProcessInfo.processInfo.environment, isTerminal: isTerminal(STDERR_FILENO))
}
