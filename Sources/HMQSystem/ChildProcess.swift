import Foundation

/// A program hmq runs (a formatter plugin, a `secret_key_command`), in a
/// process group of its own, with pipes for its stdin, stdout and stderr.
/// Ending it ends the whole group (children it left behind included):
/// SIGTERM, then SIGKILL to what is left after a grace period, and it is
/// always reaped, so nothing hmq started outlives it.
///
/// A program that uses the terminal (the REPL's pager) is started `inTerminal`:
/// it stays in hmq's process group (the one the terminal lets read keys; one of
/// its own would be stopped by SIGTTIN), writes to hmq's stdout and stderr,
/// and only its stdin is a pipe.
public final class ChildProcess {
    /// How it ended.
    public enum Termination: Sendable, Equatable {
        case exited(Int32)
        case signalled(Int32)
    }

    /// Why it could not be started.
    public struct StartError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public let pid: pid_t
    /// Our ends of its pipes (non-blocking); -1 once closed.
    public private(set) var input: Int32
    public private(set) var output: Int32
    public private(set) var errors: Int32
    private var termination: Termination?
    /// In a process group of its own (ended as a group), or in hmq's (`inTerminal`).
    private let ownGroup: Bool

    /// Starts `executable` with `arguments` (and `environment`, else ours).
    /// SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGUSR1/2 and SIGALRM are at their defaults in the child, whatever hmq set for itself.
    /// `inTerminal`: stdout and stderr are hmq's, and it stays in hmq's process group.
    public init(executable: String, arguments: [String], environment: [String: String]? = nil, inTerminal: Bool = false) throws(StartError) {
        ownGroup = !inTerminal
        var stdinPipe: [Int32] = [-1, -1], stdoutPipe: [Int32] = [-1, -1], stderrPipe: [Int32] = [-1, -1]
        guard pipe(&stdinPipe) == 0, inTerminal || (pipe(&stdoutPipe) == 0 && pipe(&stderrPipe) == 0) else {
            for fd in stdinPipe + stdoutPipe + stderrPipe where fd >= 0 { close(fd) }
            throw StartError(description: "cannot make pipes: \(String(cString: strerror(errno)))")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdinPipe[0], 0)
        if !inTerminal {
            posix_spawn_file_actions_adddup2(&actions, stdoutPipe[1], 1)
            posix_spawn_file_actions_adddup2(&actions, stderrPipe[1], 2)
        }
        for fd in stdinPipe + stdoutPipe + stderrPipe where fd >= 0 { posix_spawn_file_actions_addclose(&actions, fd) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGUSR1, SIGUSR2, SIGALRM] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        posix_spawnattr_setsigmask(&attributes, &unblocked)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16((inTerminal ? 0 : POSIX_SPAWN_SETPGROUP) | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var pid: pid_t = 0
        var status: Int32 = 0
        // A program written a moment ago may still be open for writing in a
        // process another thread forked meanwhile (ETXTBSY): try again shortly.
        for attempt in 0..<50 {
            status = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
            guard status == ETXTBSY, attempt < 49 else { break }
            usleep(20_000)
        }
        close(stdinPipe[0])
        if !inTerminal {
            close(stdoutPipe[1])
            close(stderrPipe[1])
        }
        guard status == 0 else {
            for fd in [stdinPipe[1], stdoutPipe[0], stderrPipe[0]] where fd >= 0 { close(fd) }
            throw StartError(description: "cannot start \(executable): \(String(cString: strerror(status)))")
        }
        self.pid = pid
        input = stdinPipe[1]
        output = stdoutPipe[0]
        errors = stderrPipe[0]
        for fd in [input, output, errors] where fd >= 0 {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
    }

    deinit {
        if termination == nil { _ = terminate(grace: 0.5) }
        for fd in [input, output, errors] where fd >= 0 { close(fd) }
    }

    /// Closes our end of one of its pipes.
    public func closePipe(_ which: KeyPath<ChildProcess, Int32>) {
        let fd = self[keyPath: which]
        guard fd >= 0 else { return }
        Foundation.close(fd)
        switch which {
        case \ChildProcess.input: input = -1
        case \ChildProcess.output: output = -1
        default: errors = -1
        }
    }

    /// How it ended, if it has (never blocks).
    public func poll() -> Termination? {
        if let termination { return termination }
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        guard result == pid else { return nil }
        termination = Self.decode(status)
        return termination
    }

    /// How it ended, waiting up to `timeout` seconds.
    public func wait(timeout: Double) -> Termination? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let ended = poll() { return ended }
            if Date() >= deadline { return nil }
            usleep(2_000)
        }
    }

    /// How it ended, waiting as long as it takes (a pager ends when the user quits it).
    public func waitForExit() -> Termination {
        if let termination { return termination }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else {
                termination = .exited(-1)
                return .exited(-1)
            }
        }
        let ended = Self.decode(status)
        termination = ended
        return ended
    }

    /// Ends its whole process group: SIGTERM, then SIGKILL after `grace`
    /// seconds if anything is left; reaps it.
    @discardableResult
    public func terminate(grace: Double = 1) -> Termination {
        // Alone (not a group), once reaped its pid may be another process's.
        if !ownGroup, let termination { return termination }
        _ = ownGroup ? killpg(pid, SIGTERM) : kill(pid, SIGTERM)
        let ended = wait(timeout: grace)
        // Children it left behind may still hold the group: end them too.
        if ownGroup { killpg(pid, SIGKILL) } else if ended == nil { kill(pid, SIGKILL) }
        if let ended { return ended }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        termination = Self.decode(status)
        return termination ?? .signalled(SIGKILL)
    }

    private static func decode(_ status: Int32) -> Termination {
        let signal = status & 0x7F
        return signal == 0 ? .exited((status >> 8) & 0xFF) : .signalled(signal)
    }

    /// The executable `name` names: itself when it holds a `/`, else the first
    /// of that name in the directories of `path` (a `PATH`).
    public static func find(_ name: String, path: String) -> String? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
