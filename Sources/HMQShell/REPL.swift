import Foundation
import HMQLanguage
import HMQRuntime
import HMQSyntax
import HMQSystem
import Heymarket
import LineEditing
import Synchronization

/// The interactive prompt: reads statements (over several lines when they go
/// on), runs them in one session, and never ends on an error. Ctrl-C clears
/// the line at the prompt and cancels a running query; Ctrl-D (or `.quit`) leaves.
@MainActor
public final class REPL {
    public struct Configuration {
        /// What the prompt shows: `sandbox`, `prod`, or a host.
        public var target: String
        /// The history file (nil: no history on disk).
        public var history: HistoryFile?
        public var historyPolicy: HistoryPolicy
        /// A script run at start (`~/.config/hmq/hmqrc`), if it exists.
        public var rcFile: String?
        /// Show the welcome line.
        public var welcome: Bool
        public var version: String
        /// Names of the built-in formats (the rest are external plugins), for `.plugins`.
        public var builtinFormats: Set<String>
        /// The pager long results go through (nil: none; see ``PagerCommand/from(environment:)``).
        public var pager: PagerCommand?
        /// The time `.watch` shows and waits by.
        public var clock: WatchClock

        public init(target: String, history: HistoryFile? = nil, historyPolicy: HistoryPolicy = HistoryPolicy(), rcFile: String? = nil,
                    welcome: Bool = true, version: String = "", builtinFormats: Set<String> = [], pager: PagerCommand? = nil,
                    clock: WatchClock = .system) {
            self.target = target
            self.history = history
            self.historyPolicy = historyPolicy
            self.rcFile = rcFile
            self.welcome = welcome
            self.version = version
            self.builtinFormats = builtinFormats
            self.pager = pager
            self.clock = clock
        }
    }

    private let reader: LineReader
    let evaluator: Evaluator
    let configuration: Configuration
    let output: CountingSink
    private let renderer: DiagnosticRenderer
    let writeError: @Sendable (String) -> Void
    /// `set mask`, as of the last statement: for stderr and the history.
    let masking: MaskState
    let interruptCount: () -> Int
    let outputContext: () -> OutputContext
    private let progress: ProgressHandler?
    private var timing = false
    private var lastEntry: String?
    private var entries: [String] = []
    /// `\x`: whether tables are drawn as one block per row.
    var expanded = ExpandedDisplay.off
    /// `.pager`, and the pager it starts.
    var pagerMode = PagerMode.auto
    let pager: PagerLauncher
    /// `.help`'s topics, for this session's settings.
    let help: Help
    /// `.output FILE`: where results go until `.output` alone.
    var outputFile: OutputFile?
    /// `.once FILE`: where the next statement's results go.
    var onceFile: OutputFile?
    /// The last statement typed at the prompt that shows rows, and the requests it sent (`.watch`).
    var lastStatement: (text: String, requests: Int, cached: Int)?
    /// What completion and `.vars`/`.settings` read, refreshed after each statement.
    private let current: CurrentSnapshot
    var snapshot: SessionSnapshot {
        get { current.value }
        set { current.value = newValue }
    }

    /// Shared with the completer's closures (which must not hold the REPL itself).
    @MainActor final class CurrentSnapshot {
        var value: SessionSnapshot
        init(_ value: SessionSnapshot) { self.value = value }
    }

    /// - Parameters:
    ///   - evaluator: the session; its output sink must be `output`.
    ///   - output: what the evaluator writes to (counted, to tell a cancelled query's partial rows apart).
    ///   - interruptCount: how many Ctrl-Cs so far (a change cancels the running query).
    ///   - outputContext: what stdout is now (its width is read before each statement, so a resized terminal gets fitting tables).
    public init(reader: LineReader, evaluator: Evaluator, output: CountingSink, configuration: Configuration, renderer: DiagnosticRenderer,
                writeError: @escaping @Sendable (String) -> Void, interruptCount: @escaping () -> Int,
                outputContext: @escaping () -> OutputContext = { .file }, progress: ProgressHandler? = nil) async {
        self.reader = reader
        self.evaluator = evaluator
        self.output = output
        self.configuration = configuration
        self.renderer = renderer
        let masking = MaskState()
        self.masking = masking
        // Errors and notes name values: masked as `set mask` is when they are said.
        let masked: @Sendable (String) -> Void = { text in writeError(masking.value.withLock { $0 }.map { $0.text(text) } ?? text) }
        self.writeError = masked
        pager = PagerLauncher(configuration.pager, writeError: masked)
        self.interruptCount = interruptCount
        self.outputContext = outputContext
        self.progress = progress
        let current = CurrentSnapshot(await evaluator.snapshot)
        self.current = current
        let vocabulary = LanguageVocabulary(registry: evaluator.registry)
        help = Help(vocabulary)
        let completer = Completer(
            vocabulary: vocabulary, seenFields: { current.value.seenFields.sorted() },
            variables: { Array(current.value.bindings.keys) + Array(current.value.inputs.variables.keys) })
        reader.completer = { [weak self] text in
            let offered = completer.complete((self?.buffer.isEmpty ?? true) ? text : (self?.buffer.text ?? "") + "\n" + text)
            return (offered.candidates, offered.appendSpace)
        }
    }

    /// The lines of the statement being typed.
    private var buffer = StatementBuffer()

    public var prompt: String { "hmq(\(configuration.target))> " }
    public var continuationPrompt: String { String(repeating: " ", count: max(0, prompt.count - 5)) + "...> " }
    /// While a quote is open: says so, and how to get out.
    public var quotePrompt: String { String(repeating: " ", count: max(0, prompt.count - 22)) + "(quote open; empty line ends)> " }

    /// Words that are no statement, taken alone on a line as the dot-command a
    /// newcomer means (psql takes `help`, `quit` and `exit` the same way).
    static let bareCommands = ["help": ".help", "exit": ".quit", "quit": ".quit"]

    /// Runs until Ctrl-D or `.quit`; returns the exit status (0).
    public func run() async -> Int32 {
        if configuration.welcome {
            let on = configuration.target == "sandbox" ? "on the sandbox (demo data)" : "on \(configuration.target)"
            print("hmq \(configuration.version) \(on). .help for help, Ctrl-D to leave.")
        }
        if let history = configuration.history, history.isLink {
            writeError("hmq: note: history is off: \(history.path) is a symbolic link, which hmq does not write through\n")
        } else if let history = configuration.history {
            entries = history.load()
            for entry in entries { reader.addHistory(entry) }
            lastEntry = entries.last
        }
        await refreshMasking()
        if let rc = configuration.rcFile, FileManager.default.fileExists(atPath: rc) {
            await runFile(rc, arguments: nil)
            await refreshMasking()
        }
        while true {
            let shownPrompt = buffer.isEmpty ? prompt : (buffer.hasOpenQuote ? quotePrompt : continuationPrompt)
            switch reader.readLine(prompt: shownPrompt) {
            case .endOfInput:
                print("")
                closeOutputFiles()
                return 0
            case .interrupted:
                // The line (and a statement being continued) is dropped.
                buffer.clear()
            case .line(let line):
                if buffer.isEmpty {
                    let trimmed = line.trimmingCharacters(in: .whitespaces)
                    if trimmed.isEmpty { continue }
                    // Dot-commands, psql's \x, and `help`, `exit` and `quit` alone on a line (as psql takes them).
                    let bare = Self.bareCommands[trimmed.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: ";"))]
                    if trimmed.hasPrefix(".") || trimmed.hasPrefix("\\") || bare != nil {
                        remember(trimmed)
                        if await dotCommand(bare ?? trimmed) == .quit {
                            closeOutputFiles()
                            return 0
                        }
                        await refreshMasking()
                        continue
                    }
                }
                // An empty line (or a lone `;`) while a quote is open ends the
                // statement, so the error is shown instead of waiting for the quote.
                let givesUp = buffer.hasOpenQuote && ["", ";"].contains(line.trimmingCharacters(in: .whitespaces))
                if !givesUp { buffer.append(line) }
                if buffer.needsMore, !givesUp { continue }
                let text = buffer.text
                buffer.clear()
                remember(text)
                let report = await execute(text, name: "<stdin>")
                // What `.watch` runs again: the last statement that shows rows.
                if Self.showsRows(text, stages: evaluator.registry.stageNames) { lastStatement = (text, report.requests, report.cached) }
                await refreshMasking()
            }
        }
    }

    /// Writes the REPL's own text (not a result) on the screen, whatever `.output` says.
    func print(_ text: String) {
        try? output.writeToScreen(Array((text + "\n").utf8))
    }

    /// Takes up the session's `set mask` for stderr and the history.
    private func refreshMasking() async {
        let masker = await evaluator.masker
        masking.value.withLock { $0 = masker.isOn ? masker : nil }
    }

    /// Adds a statement to the history (in memory, then appended to the file),
    /// its phones and emails masked under `set mask`.
    private func remember(_ text: String) {
        // Trailing blanks (a space Tab left after a word) are not part of the statement.
        var entry = masking.value.withLock { $0 }.map { $0.text(text) } ?? text
        while let last = entry.last, last.isWhitespace { entry.removeLast() }
        guard configuration.historyPolicy.shouldStore(entry, after: lastEntry) else { return }
        lastEntry = entry
        entries.append(entry)
        reader.addHistory(entry)
        if let history = configuration.history, !history.isLink {
            do {
                try history.append(entry)
            } catch {
                let why = (error as? HistoryFile.Refused)?.description ?? error.localizedDescription
                writeError("hmq: note: cannot write history to \(history.path): \(why)\n")
            }
        }
    }

    /// How running a statement went.
    struct RunReport {
        /// Ctrl-C cancelled it.
        var interrupted = false
        /// It wrote output before it was cancelled.
        var partial = false
        var requests = 0
        /// Values answered from the answer cache (no request).
        var cached = 0
        var seconds = 0.0
    }

    /// Parses and runs `text` the way every other caller does (``ScriptRunner``),
    /// its rows to where `.once`, `.output` and `.pager` send them. Errors are
    /// printed and the session goes on. Returns how it ended (its requests, values from the cache).
    @discardableResult
    func execute(_ text: String, name: String, arguments: [String]? = nil) async -> RunReport {
        let report: RunReport
        if let file = onceFile ?? outputFile {
            report = await run(text, name: name, arguments: arguments, into: file, context: fileContext, writeError: writeError)
            if let once = onceFile {
                onceFile = nil
                close(once)
            }
        } else if let held = heldForPager() {
            // Held until the statement ends, then shown on the screen or through the pager;
            // errors and notes are said after it, below what was paged.
            let errors = HeldErrors()
            report = await run(text, name: name, arguments: arguments, into: held.output, context: held.context, writeError: { errors.append($0) })
            show(held.output, height: held.context.height ?? 24)
            for line in errors.take() { writeError(line) }
        } else {
            report = await run(text, name: name, arguments: arguments, into: nil, context: outputContext(), writeError: writeError)
        }
        say(report)
        return report
    }

    /// Says how a statement ended: cancelled, or its time with `.timing on`.
    func say(_ report: RunReport) {
        if report.interrupted {
            writeError("hmq: cancelled" + (report.partial ? "; the rows above are incomplete" : "") + "\n")
        } else if timing {
            writeError(String(format: "Time: %.3f s, %d request%@", report.seconds, report.requests, report.requests == 1 ? "" : "s")
                       + (report.cached > 0 ? ", \(report.cached) value\(report.cached == 1 ? "" : "s") from the cache" : "") + "\n")
        }
    }

    /// Runs `text` with its rows going to `target` (nil: the screen) attached to
    /// `context`. Ctrl-C while it runs cancels it (its requests too).
    /// `arguments` replace `$1`, `$2`... for this text (`.read FILE ARGS`).
    func run(_ text: String, name: String, arguments: [String]?, into target: (any OutputSink & Sendable)?, context: OutputContext,
             writeError: @escaping @Sendable (String) -> Void) async -> RunReport {
        let source = Source(name: name, text: text)
        var context = context
        context.expanded = expanded
        await evaluator.setOutputContext(context)
        output.divert(to: target)
        defer { output.divert(to: nil) }
        let started = Date()
        let requestsBefore = evaluator.requestsSent
        let cachedBefore = evaluator.valuesFromCache
        let bytesBefore = output.count
        let interruptsBefore = interruptCount()
        let evaluator = self.evaluator
        let (renderer, progress) = (self.renderer, self.progress)
        let run = Task {
            await ScriptRunner().run([source], in: evaluator, report: { diagnostic, source in
                writeError(renderer.render(diagnostic, in: source))
            }, events: RunEvents(progress: progress), arguments: arguments)
        }
        let watcher = Task { @MainActor [interruptCount] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(50))
                if interruptCount() != interruptsBefore {
                    run.cancel()
                    return true
                }
            }
            return false
        }
        _ = await run.value
        watcher.cancel()
        let interrupted = await watcher.value
        try? output.flush()
        snapshot = await evaluator.snapshot
        return RunReport(interrupted: interrupted, partial: output.count != bytesBefore, requests: evaluator.requestsSent - requestsBefore,
                         cached: evaluator.valuesFromCache - cachedBefore, seconds: Date().timeIntervalSince(started))
    }

    /// `.cache`: what the answer cache holds and how often it answered;
    /// `.cache clear` empties it (every answer is asked for again).
    func cacheCommand(_ argument: String) {
        guard let cache = evaluator.answerCache else {
            writeError("hmq: error: no answer cache: this session has no connection\n")
            return
        }
        switch argument.lowercased() {
        case "":
            let setting = snapshot.settings.cache, stats = cache.statistics
            let size = cache.size(maximumAge: setting ?? 0)
            let looked = stats.hits + stats.misses
            var text = "cache \(setting.map { "on: answers younger than \(Settings.shownDuration($0)) are used" } ?? "off ('set cache 5m' turns it on)")"
            if snapshot.settings.refresh { text += " (refresh on: every value is asked again)" }
            let kept = "\(size.answers) answer\(size.answers == 1 ? "" : "s") kept for this server and key" + (setting == nil ? "" : " (\(size.fresh) young enough to use)")
            switch cache.storage {
            case .directory: text += "\n\(kept), \(Self.bytes(size.bytes)), in \(cache.scopeDirectory ?? "")"
            case .memory: text += "\n\(kept), in memory (the embedded sandbox is new each run)"
            }
            text += "\nthis session: \(stats.hits) of \(looked) value\(looked == 1 ? "" : "s") answered from the cache"
                + (looked > 0 ? String(format: " (%.0f%%)", Double(stats.hits) * 100 / Double(looked)) : "") + ", \(stats.stored) answer\(stats.stored == 1 ? "" : "s") stored\n"
            try? output.write(text)
        case "clear":
            let removed = cache.clear()
            try? output.write("cache cleared: \(removed) answer\(removed == 1 ? "" : "s") of this server and key removed\n")
        default:
            writeError("hmq: error: .cache takes nothing (what it holds) or clear\n")
        }
    }

    /// `1.2 MB`.
    nonisolated static func bytes(_ count: Int) -> String {
        if count < 1024 { return "\(count) bytes" }
        if count < 1 << 20 { return String(format: "%.1f kB", Double(count) / 1024) }
        return String(format: "%.1f MB", Double(count) / Double(1 << 20))
    }

    /// Runs a script file in this session (`.read`, the rc file).
    func runFile(_ path: String, arguments: [String]?) async {
        guard let data = FileManager.default.contents(atPath: path) else {
            writeError("hmq: error: cannot read \(path)\n")
            return
        }
        await execute(String(decoding: data, as: UTF8.self), name: path, arguments: arguments)
    }

    enum DotResult { case `continue`, quit }

    func dotCommand(_ line: String) async -> DotResult {
        let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
        let command = parts[0].lowercased()
        let argument = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
        switch command {
        case ".quit", ".exit", ".q":
            return .quit
        case ".help", ".h":
            print(help.text(argument))
        case ".formats":
            try? output.write(evaluator.registry.formatterListing())
        case ".plugins":
            var text = ""
            for plugin in evaluator.registry.allFormatters {
                let kind = configuration.builtinFormats.contains(plugin.name) ? "built-in" : "external"
                text += "format \(plugin.name) (\(kind)): \(plugin.summary)\n"
            }
            for stage in evaluator.registry.allStages { text += "stage \(stage.name): \(stage.summary)\n" }
            try? output.write(text + "(external formats: executables named hmq-format-NAME in ~/.config/hmq/plugins or on PATH; see docs/plugins.md)\n")
        case ".vars":
            var text = ""
            for (name, rows) in snapshot.bindings.sorted(by: { $0.key < $1.key }) {
                text += "$\(name)\t\(rows) row\(rows == 1 ? "" : "s") (let)\n"
            }
            for (name, value) in snapshot.inputs.variables.sorted(by: { $0.key < $1.key }) { text += "$\(name)\t\(value) (--var)\n" }
            for (i, value) in snapshot.inputs.arguments.enumerated() { text += "$\(i + 1)\t\(value)\n" }
            try? output.write(text.isEmpty ? "no variables: bind one with let NAME = find ...\n" : text)
        case ".settings":
            let s = snapshot.settings
            let width = (Settings.descriptors.map(\.name.count).max() ?? 0) + 2
            var text = ""
            for descriptor in Settings.descriptors {
                text += descriptor.name.padding(toLength: width, withPad: " ", startingAt: 0) + s.value(of: descriptor) + "\n"
            }
            for (name, value) in [("timing", timing ? "on" : "off"), ("expanded", expanded.rawValue), ("pager", pagerMode.rawValue),
                                  ("output", outputFile?.path ?? "stdout")] {
                text += name.padding(toLength: width, withPad: " ", startingAt: 0) + value + "\n"
            }
            try? output.write(text)
        case ".history":
            let count = Int(argument) ?? 20
            let shown = entries.suffix(count)
            var text = ""
            for (i, entry) in zip((entries.count - shown.count + 1)..., shown) {
                text += String(format: "%5d  ", i) + entry.replacingOccurrences(of: "\n", with: "\n       ") + "\n"
            }
            try? output.write(text)
        case "\\x":
            setExpanded(argument)
        case ".output", ".once":
            redirect(command, argument)
        case ".pager":
            setPager(argument)
        case ".watch":
            await watch(argument)
        case ".cache":
            cacheCommand(argument)
        case ".timing":
            switch argument.lowercased() {
            case "on": timing = true
            case "off": timing = false
            case "": timing.toggle()
            default:
                writeError("hmq: error: .timing takes on or off\n")
                return .continue
            }
            print("timing \(timing ? "on" : "off")")
        case ".read":
            // .read FILE [ARGS...]: the file's $1, $2... are ARGS. Words split like a shell's (quotes kept together).
            guard let words = ShellWords.split(argument), let file = words.first else {
                writeError("hmq: error: .read needs a file (and its arguments): .read lookups.hmq 14155551234\n")
                return .continue
            }
            await runFile(file.hasPrefix("~/") ? NSHomeDirectory() + file.dropFirst(1) : file, arguments: Array(words.dropFirst()))
        default:
            let guess = Suggestion.closest(to: command, among: Completer.dotCommands)
            writeError("hmq: error: unknown command \(command)" + (guess.map { "; did you mean \($0)?" } ?? "; .help lists them") + "\n")
        }
        try? output.flush()
        return .continue
    }
}

/// The REPL's output: what the evaluator writes to, counted (to tell whether
/// a cancelled query printed anything), and sent where the REPL says: the
/// screen, or for a statement a file (`.output`) or held output (the pager).
public final class CountingSink: OutputSink, Sendable {
    private let state: Mutex<(base: any OutputSink, count: Int)>
    /// Where writes go instead of the screen, while a statement runs.
    private let diversion = Mutex<(any OutputSink & Sendable)?>(nil)

    public init(_ base: sending any OutputSink) { state = Mutex((base, 0)) }

    /// Bytes written so far.
    public var count: Int { state.withLock { $0.count } }

    /// Sends what is written from now on to `sink`; nil: to the screen again.
    func divert(to sink: (any OutputSink & Sendable)?) { diversion.withLock { $0 = sink } }

    public func write(_ text: String) throws {
        if let target = diversion.withLock({ $0 }) {
            state.withLock { $0.count += text.utf8.count }
            return try target.write(text)
        }
        try state.withLock { state in
            state.count += text.utf8.count
            try state.base.write(text)
        }
    }

    public func write(bytes: [UInt8]) throws {
        if let target = diversion.withLock({ $0 }) {
            state.withLock { $0.count += bytes.count }
            return try target.write(bytes: bytes)
        }
        try state.withLock { state in
            state.count += bytes.count
            try state.base.write(bytes: bytes)
        }
    }

    public func flush() throws {
        try diversion.withLock { $0 }?.flush()
        try state.withLock { try $0.base.flush() }
    }

    /// Writes `bytes` on the screen (not counted, whatever the diversion) and flushes.
    func writeToScreen(_ bytes: [UInt8]) throws {
        try state.withLock { state in
            try state.base.write(bytes: bytes)
            try state.base.flush()
        }
    }

    /// The screen as a sink (for held output past what is held, with no pager to take it).
    var screen: any OutputSink & Sendable { Screen(sink: self) }

    private final class Screen: OutputSink, Sendable {
        let sink: CountingSink
        init(sink: CountingSink) { self.sink = sink }
        func write(_ text: String) throws { try sink.writeToScreen(Array(text.utf8)) }
        func write(bytes: [UInt8]) throws { try sink.writeToScreen(bytes) }
    }
}
