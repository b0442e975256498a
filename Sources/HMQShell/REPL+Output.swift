import Foundation
import HMQLanguage
import HMQRuntime
import HMQSystem

/// Where results go, as psql and sqlite3 users expect: `\x` (expanded
/// display), `.output FILE` and `.once FILE` (results to a file; errors and
/// notes stay on stderr), and the pager for results taller than the terminal.
extension REPL {
    /// What a file of `.output` is: no width, no colour, bytes as they are; `\x` as set.
    var fileContext: OutputContext { .file }

    /// `\x [on|off|auto]`: no argument turns it on, or off when it is on. Says the new state as psql does.
    func setExpanded(_ argument: String) {
        switch argument.lowercased() {
        case "": expanded = expanded == .on ? .off : .on
        case "on": expanded = .on
        case "off": expanded = .off
        case "auto": expanded = .auto
        default:
            writeError("hmq: error: \\x takes on, off or auto\n")
            return
        }
        switch expanded {
        case .on: print("Expanded display is on.")
        case .off: print("Expanded display is off.")
        case .auto: print("Expanded display is used automatically.")
        }
    }

    /// `.output FILE` (until `.output` alone) and `.once FILE` (the next statement's results).
    /// The file is emptied when opened, then each result is added to it, as sqlite3 does.
    func redirect(_ command: String, _ argument: String) {
        guard !argument.isEmpty else {
            if command == ".once" {
                writeError("hmq: error: .once needs a file: .once results.csv\n")
            } else if let file = outputFile {
                outputFile = nil
                close(file)
                print("results go to the screen again")
            }
            return
        }
        guard snapshot.inputs.confinement.writesFiles else {
            writeError("hmq: error: \(command) is not available to \(snapshot.inputs.confinement.caller): it writes a file\n")
            return
        }
        guard let words = ShellWords.split(argument), words.count == 1, var path = words.first, !path.isEmpty else {
            writeError("hmq: error: \(command) takes one file name (quote one with spaces): \(command) \"my results.csv\"\n")
            return
        }
        if path.hasPrefix("~/") { path = NSHomeDirectory() + path.dropFirst(1) }
        let file: OutputFile
        do {
            file = try OutputFile(path)
        } catch {
            writeError("hmq: error: \(error.description)\n")
            return
        }
        if command == ".once" {
            if let earlier = onceFile { close(earlier) }
            onceFile = file
            print("the next result goes to \(path)")
        } else {
            if let earlier = outputFile { close(earlier) }
            outputFile = file
            print("results go to \(path) until .output")
        }
    }

    /// Closes a file of `.output` or `.once`, saying why when the rest cannot be written.
    func close(_ file: OutputFile) {
        do {
            try file.close()
        } catch {
            writeError("hmq: error: \(error)\n")
        }
    }

    /// At the end of the session.
    func closeOutputFiles() {
        for file in [onceFile, outputFile].compactMap({ $0 }) { close(file) }
        onceFile = nil
        outputFile = nil
    }

    /// `.pager [on|off|auto]`: says the mode and the pager.
    func setPager(_ argument: String) {
        if !argument.isEmpty {
            guard let mode = PagerMode(rawValue: argument.lowercased()) else {
                writeError("hmq: error: .pager takes on, off or auto\n")
                return
            }
            pagerMode = mode
        }
        let what = pager.command.map { $0.display } ?? "none: PAGER is empty"
        print("pager \(pagerMode.rawValue) (\(what))")
    }

    /// Output held for the pager, when one may be used: on a terminal, with a
    /// pager, unless `.pager off`. Past what is held, the pager starts at once.
    func heldForPager() -> (output: HeldOutput, context: OutputContext)? {
        let context = outputContext()
        guard pagerMode != .off, context.isTerminal, pager.command != nil else { return nil }
        let (pager, screen) = (self.pager, output.screen)
        return (HeldOutput(overflow: {
            if let started = pager.start() { return started }
            return screen
        }), context)
    }

    /// Shows held output: through the pager when it is taller than the terminal
    /// (or `.pager on`), else on the screen. Returns when the pager has exited.
    func show(_ held: HeldOutput, height: Int) {
        let (bytes, lines, passedTo) = held.take()
        if let pager = passedTo as? PagerProcess {
            pager.finish()
            return
        }
        guard passedTo == nil, !bytes.isEmpty else { return }
        if pagerMode == .on || lines >= height, let pager = pager.start() {
            // Closed: the pager was quit before the end.
            try? pager.write(bytes: bytes)
            pager.finish()
        } else {
            try? output.writeToScreen(bytes)
        }
    }
}
