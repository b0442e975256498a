import Dispatch
import Foundation
import Synchronization

/// SIGINT and SIGTERM end a command cleanly: the first cancels its task (so
/// requests stop, a file being saved is not left behind, and the command ends
/// with status 130); a second one ends the process at once.
public enum Interruption {
    /// Runs `body` in a task the signals cancel; returns its status.
    public static func cancellingOnSignals(_ body: @escaping @Sendable () async -> Int32) async -> Int32 {
        let task = Task { await body() }
        let sources = [SIGINT, SIGTERM].map { number -> any DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            let seen = Counter()
            source.setEventHandler {
                if seen.increment() > 1 { exit(130) }
                task.cancel()
            }
            source.resume()
            return source
        }
        let status = await task.value
        for source in sources { source.cancel() }
        return task.isCancelled ? 130 : status
    }

    private final class Counter: Sendable {
        private let value = Mutex(0)
        func increment() -> Int { value.withLock { $0 += 1; return $0 } }
    }
}
