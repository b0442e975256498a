import Foundation
import HMQRuntime
import HMQSystem
import Synchronization

/// The pager long results go through: `$PAGER`, else `less -FRSX`.
public struct PagerCommand: Sendable, Hashable {
    /// The program and its arguments, as `PAGER` gave them.
    public var words: [String]
    /// The program found on `PATH`; nil when it was not found (results then go
    /// to the screen, with a note the first time).
    public var executable: String?
    /// Its environment.
    public var environment: [String: String]

    public static let defaultWords = ["less", "-FRSX"]

    public init(words: [String], executable: String?, environment: [String: String]) {
        self.words = words
        self.executable = executable
        self.environment = environment
    }

    /// `PAGER` split as a shell splits words (no shell runs it); unset, `less
    /// -FRSX`; empty, no pager (nil), as git takes it. `less` with `LESS` unset
    /// gets `LESS=FRSX`, as git gives it, so colour and wide tables show as they should.
    public static func from(environment: [String: String]) -> PagerCommand? {
        let words = environment["PAGER"].map { ShellWords.split($0) ?? [$0] } ?? defaultWords
        guard let program = words.first, !program.isEmpty else { return nil }
        var childEnvironment = environment
        if (program as NSString).lastPathComponent == "less", environment["LESS"] == nil { childEnvironment["LESS"] = "FRSX" }
        return PagerCommand(words: words, executable: ChildProcess.find(program, path: environment["PATH"] ?? "/usr/bin:/bin"),
                            environment: childEnvironment)
    }

    /// How it is named in messages.
    var display: String { words.joined(separator: " ") }
}

/// Starts the pager for a result; says once, the first time, that it cannot.
final class PagerLauncher: Sendable {
    let command: PagerCommand?
    private let said = Mutex(false)
    private let writeError: @Sendable (String) -> Void

    init(_ command: PagerCommand?, writeError: @escaping @Sendable (String) -> Void) {
        self.command = command
        self.writeError = writeError
    }

    /// The running pager, or nil (no pager, or it could not start: the note is said once).
    func start() -> PagerProcess? {
        guard let command else { return nil }
        guard let executable = command.executable else {
            noteOnce("hmq: note: the pager '\(command.words[0])' was not found; results are shown here (set PAGER, or .pager off)\n")
            return nil
        }
        do {
            let child = try ChildProcess(executable: executable, arguments: Array(command.words.dropFirst()),
                                         environment: command.environment, inTerminal: true)
            return PagerProcess(child)
        } catch {
            noteOnce("hmq: note: \(error.description); results are shown here (set PAGER, or .pager off)\n")
            return nil
        }
    }

    private func noteOnce(_ text: String) {
        let first = said.withLock { said in
            defer { said = true }
            return !said
        }
        if first { writeError(text) }
    }
}

/// A pager running on the terminal, reading a result on its stdin. Quitting
/// it early (`q` in less) closes the pipe: a write then throws
/// ``FileSink/Closed``, which ends a running statement quietly, as a closed
/// stdout does (hmq ignores SIGPIPE, so no signal ends it).
final class PagerProcess: OutputSink, Sendable {
    private let child: Mutex<ChildProcess>
    private let gone = Mutex(false)

    init(_ child: sending ChildProcess) { self.child = Mutex(child) }

    func write(_ text: String) throws { try write(bytes: Array(text.utf8)) }

    /// Writes every byte, waiting while the pager's pipe is full (the pager
    /// reads as the user pages); throws ``FileSink/Closed`` once it has quit.
    func write(bytes: [UInt8]) throws {
        guard !gone.withLock({ $0 }) else { throw FileSink.Closed() }
        let fd = child.withLock { $0.input }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n >= 0 {
                offset += n
                continue
            }
            switch errno {
            case EINTR:
                continue
            case EAGAIN:
                var entry = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                _ = poll(&entry, 1, -1)
            default:
                // EPIPE: the pager has quit (q before the end).
                gone.withLock { $0 = true }
                throw FileSink.Closed()
            }
        }
    }

    /// Ends the pager's input and waits for it to exit (the user quits it).
    func finish() {
        child.withLock { child in
            child.closePipe(\.input)
            _ = child.waitForExit()
        }
    }
}

/// A statement's output held back while it runs, then shown whole: on the
/// screen, or through the pager when taller than the terminal. Held output is
/// bounded: past `limit` bytes, `overflow` says where the rest goes (the pager,
/// started then, or the screen) and what was held goes there first.
final class HeldOutput: OutputSink, Sendable {
    private struct State {
        var bytes: [UInt8] = []
        var lines = 0
        var passing: (any OutputSink & Sendable)?
    }

    private let state = Mutex(State())
    private let limit: Int
    private let overflow: @Sendable () -> any OutputSink & Sendable

    init(limit: Int = 8 << 20, overflow: @escaping @Sendable () -> any OutputSink & Sendable) {
        self.limit = limit
        self.overflow = overflow
    }

    func write(_ text: String) throws { try write(bytes: Array(text.utf8)) }

    func write(bytes: [UInt8]) throws {
        let (target, pending): ((any OutputSink & Sendable)?, [UInt8]) = state.withLock { state in
            if let passing = state.passing { return (passing, bytes) }
            state.bytes += bytes
            state.lines += bytes.reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
            guard state.bytes.count > limit else { return (nil, []) }
            let target = overflow()
            state.passing = target
            defer { state.bytes = [] }
            return (target, state.bytes)
        }
        try target?.write(bytes: pending)
    }

    func flush() throws { try state.withLock { $0.passing }?.flush() }

    /// What was held (and its number of lines), or where the output went past the limit.
    func take() -> (bytes: [UInt8], lines: Int, passedTo: (any OutputSink & Sendable)?) {
        state.withLock { state in
            defer { state.bytes = [] }
            return (state.bytes, state.lines, state.passing)
        }
    }
}

/// Lines written on stderr while a statement's output is held, said after it is shown.
final class HeldErrors: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ text: String) { lines.withLock { $0.append(text) } }
    func take() -> [String] { lines.withLock { lines in defer { lines = [] }; return lines } }
}
