import Foundation
import ArgumentParser
import HMQRuntime
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

    /// `--color`; set once at start-up, before any output.
    nonisolated(unsafe) static var colorChoice = ColorChoice.auto

    /// Colour on stderr: `--color`, else on a terminal with `NO_COLOR` unset and
    /// `TERM` not `dumb` (`FORCE_COLOR` forces it).
    static var stderrUsesColor: Bool { uses(color: colorChoice, fd: STDERR_FILENO) }

    static func uses(color choice: ColorChoice, fd: Int32) -> Bool {
        switch choice {
        case .always: return true
        case .never: return false
        case .auto: return DiagnosticRenderer.colorByDefault(environment: ProcessInfo.processInfo.environment, isTerminal: isTerminal(fd))
        }
    }

    /// What stdout is: a terminal (its width, whether it shows UTF-8) and whether to colour.
    static func outputContext(color: ColorChoice) -> HMQRuntime.OutputContext {
        let environment = ProcessInfo.processInfo.environment
        let terminal = isTerminal(STDOUT_FILENO)
        var size = winsize()
        var width: Int?
        if terminal, ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { width = Int(size.ws_col) }
        if width == nil, let columns = environment["COLUMNS"].flatMap(Int.init), columns > 0 { width = columns }
        if terminal, width == nil { width = 80 }
        // The locale says whether the terminal shows UTF-8 (LC_ALL over LC_CTYPE over LANG).
        let locale = [environment["LC_ALL"], environment["LC_CTYPE"], environment["LANG"]].compactMap { $0 }.first { !$0.isEmpty } ?? ""
        let unicode = !terminal || locale.lowercased().replacingOccurrences(of: "-", with: "").contains("utf8")
        return HMQRuntime.OutputContext(isTerminal: terminal, width: width, unicode: unicode, color: uses(color: color, fd: STDOUT_FILENO))
    }
}

/// `--color auto|always|never`.
enum ColorChoice: String, ExpressibleByArgument, CaseIterable, Sendable {
    case auto, always, never
}
