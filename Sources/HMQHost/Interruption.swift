import Dispatch
import Foundation
import HMQRuntime
import HMQSystem
import Synchronization

/// SIGINT and SIGTERM, and the other signals that would end hmq (SIGHUP from
/// a closed terminal or ssh session, SIGUSR1, SIGUSR2, SIGALRM), end a command
/// cleanly: the first cancels its task (so requests stop, a file being saved
/// is not left behind, and the command ends with status 130); a second one
/// ends the process at once, removing any temporary file of a save first. When stdout is a
/// pipe or socket whose reader has gone (`hmq ... | head -1` after `head`
/// exits), the task is cancelled too, within ``hangUpPollInterval``, even if no
/// row is ever written again; the command then ends with status 0, as it does
/// when a write finds the reader gone.
public enum Interruption {
    /// How long a cancelled command may take to end before the process exits anyway.
    public static let stopGrace: Duration = .seconds(3)

    /// How often stdout is checked for a reader that has gone.
    public static let hangUpPollInterval: Duration = .milliseconds(250)

    /// Runs `body` in a task the signals (and a hung-up stdout) cancel; returns its status.
    public static func cancellingOnSignals(_ body: @escaping @Sendable () async -> Int32) async -> Int32 {
        let task = Task { await body() }
        // One count for both signals: SIGINT then SIGTERM is a second request too.
        let seen = Counter()
        let sources = endingSignals.map { number -> any DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if seen.increment() > 1 { exitNow() }
                task.cancel()
                // Cancellation cannot interrupt a blocking system call (opening a
                // FIFO nobody writes to): if the command has not ended after the
                // grace period, it ends here.
                DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(Int(stopGrace.components.seconds))) { exitNow() }
            }
            source.resume()
            return source
        }
        let readerGone = Counter()
        let watcher: Task<Void, Never>? = isPipeOrSocket(STDOUT_FILENO) ? Task.detached {
            while !Task.isCancelled {
                if hungUp(STDOUT_FILENO) {
                    _ = readerGone.increment()
                    task.cancel()
                    return
                }
                try? await Task.sleep(for: hangUpPollInterval)
            }
        } : nil
        let status = await task.value
        watcher?.cancel()
        for source in sources { source.cancel() }
        if readerGone.value > 0 { return 0 }
        return task.isCancelled ? 130 : status
    }

    /// The signals whose default would end hmq at once, leaving a save's temporary file behind.
    static let endingSignals = [SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2, SIGALRM]

    /// Ends the process with status 130, removing the temporary files of saves first.
    static func exitNow() -> Never {
        AtomicFile.removeTemporaryFiles()
        exit(130)
    }

    /// Whether `fd` is a pipe, FIFO or socket (the kinds whose reader can go away).
    static func isPipeOrSocket(_ fd: Int32) -> Bool {
        var info = stat()
        guard fstat(fd, &info) == 0 else { return false }
        let kind = info.st_mode & S_IFMT
        return kind == S_IFIFO || kind == S_IFSOCK
    }

    /// Whether the reader of `fd` has gone: poll reports an error or hang-up
    /// on the write end (Linux: POLLERR for a pipe, POLLHUP for a socket).
    static func hungUp(_ fd: Int32) -> Bool {
        var entry = pollfd(fd: fd, events: 0, revents: 0)
        guard poll(&entry, 1, 0) > 0 else { return false }
        return entry.revents & Int16(POLLERR | POLLHUP) != 0
    }

    private final class Counter: Sendable {
        private let count = Mutex(0)
        func increment() -> Int { count.withLock { $0 += 1; return $0 } }
        var value: Int { count.withLock { $0 } }
    }
}
