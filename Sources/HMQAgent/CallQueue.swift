import Foundation
import MCP
import Synchronization

/// `tools/call`s run one at a time, in the order they came, while messages
/// are read on: a `ping` or a `notifications/cancelled` is handled at once.
///
/// The transport hands each call a ticket as it reads it (the SDK handles each
/// request in a task of its own, in no set order), and the call's handler
/// waits for its ticket's turn. A call is answered at once when the client
/// cancels it or it runs past the time cap, even if what it was doing does not
/// stop at once; the next call starts when it has stopped.
actor CallQueue {
    /// `params._meta` key of the ticket the transport adds to a `tools/call`.
    static let ticketKey = "hmq/ticket"

    private var nextTicket = 0
    /// Tickets waiting for their turn, in order.
    private var waiting: [Int] = []
    private var running: Int?
    private var sleepers: [Int: CheckedContinuation<Void, Never>] = [:]
    /// The ticket of each request id read and not answered.
    private var tickets: [String: Int] = [:]

    /// A ticket for the call `id`, after every ticket handed out before.
    func arrive(_ id: String) -> Int {
        defer { nextTicket += 1 }
        waiting.append(nextTicket)
        tickets[id] = nextTicket
        return nextTicket
    }

    /// The call `id` will not run (it was answered without its handler, or
    /// cancelled before its turn): out of the line. A running call is left alone.
    func drop(_ id: String) {
        guard let ticket = tickets.removeValue(forKey: id), ticket != running else { return }
        remove(ticket)
    }

    /// Waits for `ticket`'s turn; false when it was cancelled or dropped first.
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

    /// Runs `work` when `params`' ticket comes up, answered with its result, or
    /// with an error when the client cancels it or it runs past `timeout`.
    nonisolated func run(_ params: CallTool.Parameters, timeout: Duration, _ work: @escaping @Sendable () async -> CallTool.Result) async -> CallTool.Result {
        // Without a ticket (not read by the transport) it runs as it is.
        guard let ticket = params._meta?[Self.ticketKey]?.intValue else { return await work() }
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
    static func stopped(_ why: String) -> CallTool.Result {
        MCPServer.result(AgentTools.failure(AgentTools.errorObject(kind: "interrupted", status: .interrupted, message: "the call did not finish: \(why)")))
    }
}

/// The first of several possible answers, waited for once.
final class FirstAnswer: Sendable {
    private struct State {
        var answer: CallTool.Result?
        var waiter: CheckedContinuation<CallTool.Result, Never>?
    }
    private let state = Mutex(State())

    /// Gives `answer` unless one was given; true when this one was the first.
    @discardableResult func settle(_ answer: CallTool.Result) -> Bool {
        let (first, waiter) = state.withLock { state -> (Bool, CheckedContinuation<CallTool.Result, Never>?) in
            guard state.answer == nil else { return (false, nil) }
            state.answer = answer
            defer { state.waiter = nil }
            return (true, state.waiter)
        }
        waiter?.resume(returning: answer)
        return first
    }

    func wait() async -> CallTool.Result {
        await withCheckedContinuation { (waiter: CheckedContinuation<CallTool.Result, Never>) in
            let ready = state.withLock { state -> CallTool.Result? in
                if let answer = state.answer { return answer }
                state.waiter = waiter
                return nil
            }
            if let ready { waiter.resume(returning: ready) }
        }
    }
}
