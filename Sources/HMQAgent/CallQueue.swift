import Foundation
import Synchronization

/// `tools/call`s run one at a time, in the order they came, while messages
/// are read on: a `ping` or a `notifications/cancelled` is handled at once.
///
/// The server hands each call a ticket as it reads it (each call runs in a
/// task of its own, and tasks start in no set order), and the call waits for
/// its ticket's turn. A call is answered at once when the client cancels it
/// (its task is cancelled) or it runs past the time cap, even if what it was
/// doing does not stop at once; the next call starts when it has stopped.
actor CallQueue {
    private var nextTicket = 0
    /// Tickets waiting for their turn, in order.
    private var waiting: [Int] = []
    private var running: Int?
    private var sleepers: [Int: CheckedContinuation<Void, Never>] = [:]

    /// A ticket for the next call, after every ticket handed out before.
    func arrive() -> Int {
        defer { nextTicket += 1 }
        waiting.append(nextTicket)
        return nextTicket
    }

    /// Waits for `ticket`'s turn; false when it was cancelled first.
    func enter(_ ticket: Int) async -> Bool {
        while true {
            guard waiting.contains(ticket) else { return false }
            if Task.isCancelled {
                remove(ticket)
                return false
            }
            if running == nil, waiting.first == ticket {
                waiting.removeFirst()
                running = ticket
                return true
            }
            await withTaskCancellationHandler {
                await withCheckedContinuation { sleepers[ticket] = $0 }
            } onCancel: {
                Task { await self.wake(ticket) }
            }
        }
    }

    /// `ticket` has stopped: the next may start.
    func leave(_ ticket: Int) {
        if running == ticket { running = nil }
        advance()
    }

    private func remove(_ ticket: Int) {
        waiting.removeAll { $0 == ticket }
        wake(ticket)
        advance()
    }

    private func wake(_ ticket: Int) { sleepers.removeValue(forKey: ticket)?.resume() }

    private func advance() {
        if running == nil, let head = waiting.first { wake(head) }
    }

    /// Runs `work` when `ticket` comes up, answered with its answer, or with
    /// an error when the client cancels it (cancels this task) or it runs past `timeout`.
    nonisolated func run(_ ticket: Int, timeout: Duration, _ work: @escaping @Sendable () async -> AgentTools.Answer) async -> AgentTools.Answer {
        guard await enter(ticket) else { return Self.stopped("it was cancelled before it started (notifications/cancelled)") }
        let answer = FirstAnswer()
        let task = Task {
            let result = await work()
            await self.leave(ticket)
            answer.settle(result)
        }
        let timer = Task {
            try await Task.sleep(for: timeout)
            if answer.settle(Self.stopped("it ran longer than the time cap, \(Self.seconds(timeout)) (hmq mcp --call-timeout SECONDS), and was cancelled")) {
                task.cancel()
            }
        }
        let result = await withTaskCancellationHandler {
            await answer.wait()
        } onCancel: {
            if answer.settle(Self.stopped("it was cancelled by the client (notifications/cancelled)")) { task.cancel() }
        }
        timer.cancel()
        return result
    }

    static func seconds(_ duration: Duration) -> String {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return seconds == seconds.rounded() ? "\(Int(seconds)) s" : "\(seconds) s"
    }

    /// The answer of a call that was stopped: `{error}`, kind `interrupted`.
    static func stopped(_ why: String) -> AgentTools.Answer {
        AgentTools.failure(AgentTools.errorObject(kind: "interrupted", status: .interrupted, message: "the call did not finish: \(why)"))
    }
}

/// The first of several possible answers, waited for once.
final class FirstAnswer: Sendable {
    private struct State {
        var answer: AgentTools.Answer?
        var waiter: CheckedContinuation<AgentTools.Answer, Never>?
    }
    private let state = Mutex(State())

    /// Gives `answer` unless one was given; true when this one was the first.
    @discardableResult func settle(_ answer: AgentTools.Answer) -> Bool {
        let (first, waiter) = state.withLock { state -> (Bool, CheckedContinuation<AgentTools.Answer, Never>?) in
            guard state.answer == nil else { return (false, nil) }
            state.answer = answer
            defer { state.waiter = nil }
            return (true, state.waiter)
        }
        waiter?.resume(returning: answer)
        return first
    }

    func wait() async -> AgentTools.Answer {
        await withCheckedContinuation { (waiter: CheckedContinuation<AgentTools.Answer, Never>) in
            let ready = state.withLock { state -> AgentTools.Answer? in
                if let answer = state.answer { return answer }
                state.waiter = waiter
                return nil
            }
            if let ready { waiter.resume(returning: ready) }
        }
    }
}
