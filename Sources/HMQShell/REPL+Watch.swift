import Foundation
import HMQRuntime
import HMQSyntax

/// The time `.watch` shows in its header and waits by. Tests give one that
/// moves on when asked to wait, so they never depend on the wall clock.
public struct WatchClock: Sendable {
    public var now: @Sendable () -> Date
    public var sleep: @Sendable (Duration) async -> Void

    public init(now: @escaping @Sendable () -> Date, sleep: @escaping @Sendable (Duration) async -> Void) {
        self.now = now
        self.sleep = sleep
    }

    public static let system = WatchClock(now: { Date() }, sleep: { try? await Task.sleep(for: $0) })
}

/// `.watch N`: the last statement again every N seconds, showing what changed.
extension REPL {
    /// The shortest wait between runs, in seconds.
    nonisolated static let watchMinimum = 2.0
    /// The share of the key's request budget a watch may spend: the budget is
    /// shared by every integration on the key, and a watch runs unattended.
    nonisolated static let watchShare = 0.10

    /// Runs the last statement that showed rows again every `argument` seconds
    /// until Ctrl-C. The first run shows every row; each later one only the rows
    /// added, changed or removed since the run before (as `| diff` shows them),
    /// or "no change". Refuses a period that would spend more than
    /// ``watchShare`` of the request budget.
    func watch(_ argument: String) async {
        guard let seconds = Double(argument), seconds.isFinite, seconds >= Self.watchMinimum else {
            writeError("hmq: error: .watch takes the seconds between runs, \(Int(Self.watchMinimum)) or more: .watch 10\n")
            return
        }
        guard let last = lastStatement else {
            writeError("hmq: error: nothing to watch yet: run a statement that shows rows (find ... without save), then .watch N runs it again every N seconds\n")
            return
        }
        let (statement, requests) = (last.text, last.requests)
        if last.cached > 0 {
            // Its last run cost less than a watch's will: each watch run asks the server again.
            writeError("hmq: note: the last run answered \(last.cached) value\(last.cached == 1 ? "" : "s") from the cache; a watch asks the server every run, "
                + "so it may cost more than the \(requests) request\(requests == 1 ? "" : "s") counted below (it stops if a run goes over the share)\n")
        }
        let budget = Self.budget(snapshot.settings.rate)
        let allowed = budget.perMinute * Self.watchShare
        let perMinute = Double(requests) * 60 / seconds
        guard perMinute <= allowed else {
            let shortest = Int((Double(requests) * 60 / allowed).rounded(.up))
            writeError("hmq: error: .watch \(Self.seconds(seconds)) would send \(Self.number(perMinute)) requests a minute (\(requests) a run), "
                + "more than \(Int(Self.watchShare * 100))% of the key's \(budget.text), which other integrations share; "
                + "watch every \(shortest) s or more\n")
            return
        }
        let cost = requests == 0 ? "no requests" : "\(requests) request\(requests == 1 ? "" : "s") a run, \(Self.number(perMinute)) a minute "
            + "(\(Self.number(perMinute / budget.perMinute * 100))% of the key's \(budget.text))"
        writeError("hmq: watching every \(Self.seconds(seconds)) s: \(cost); Ctrl-C stops\n")

        let baseline = WatchBaseline()
        await evaluator.watch(baseline)
        let interruptsBefore = interruptCount()
        let clock = configuration.clock
        let shown = masking.value.withLock { $0 }.map { $0.text(Self.oneLine(statement)) } ?? Self.oneLine(statement)
        let time = DateFormatter()
        time.dateFormat = "HH:mm:ss"
        var first = true
        while true {
            // Results go where .output says, else the screen (never the pager: they follow one another).
            let destination: any OutputSink & Sendable = outputFile.map { $0 as any OutputSink & Sendable } ?? output.screen
            let context = outputFile == nil ? outputContext() : fileContext
            let held = HeldOutput(overflow: { destination })
            let header = "Every \(Self.seconds(seconds)) s: \(shown)   \(time.string(from: clock.now()))"
            let report = await run(statement, name: "<watch>", arguments: nil, into: held, context: context, writeError: writeError)
            let (bytes, _, passedTo) = held.take()
            if report.interrupted {
                say(report)
                break
            }
            if first || baseline.changes > 0 || passedTo != nil {
                try? destination.write(bytes: Array((header + "\n").utf8) + bytes)
            } else {
                try? destination.write(header + "   no change\n")
            }
            try? destination.flush()
            first = false
            // A run that cost more (its values grew, retries) is held to the same share.
            if Double(report.requests) * 60 / seconds > allowed {
                writeError("hmq: watch stopped: the last run sent \(report.requests) requests, \(Self.number(Double(report.requests) * 60 / seconds)) a minute "
                    + "every \(Self.seconds(seconds)) s, more than \(Int(Self.watchShare * 100))% of the key's \(budget.text)\n")
                break
            }
            // Waits, looking for Ctrl-C every tenth of a second.
            let end = clock.now().addingTimeInterval(seconds)
            var stopped = false
            while !stopped, clock.now() < end {
                stopped = interruptCount() != interruptsBefore
                if !stopped { await clock.sleep(.milliseconds(Int64(min(100, max(1, end.timeIntervalSince(clock.now()) * 1000))))) }
            }
            if stopped || interruptCount() != interruptsBefore {
                writeError("hmq: watch stopped\n")
                break
            }
        }
        await evaluator.watch(nil)
    }

    /// Whether `text` is one statement that shows rows: a pipeline without `save`.
    nonisolated static func showsRows(_ text: String, stages: Set<String>) -> Bool {
        let parsed = ScriptCheck.parse(Source(name: "<watch>", text: text), pluginStages: stages)
        guard !parsed.hasErrors, parsed.script.statements.count == 1,
              case .pipeline(let pipeline) = parsed.script.statements[0] else { return false }
        return !pipeline.stages.contains { if case .save = $0 { true } else { false } }
    }

    /// The key's request budget a minute: the `rate` setting, else Heymarket's 500 a minute (pacing off does not lift it).
    nonisolated static func budget(_ rate: RateLimit?) -> (perMinute: Double, text: String) {
        guard let rate, rate.requests > 0, rate.window > 0 else { return (500, "500 requests a minute") }
        let perMinute = Double(rate.requests) * 60 / rate.window
        return (perMinute, rate.window == 60 ? "\(rate.requests) requests a minute" : "\(rate.description) (\(number(perMinute)) a minute)")
    }

    nonisolated static func oneLine(_ statement: String) -> String {
        statement.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    }

    /// 5, 2.5.
    nonisolated static func seconds(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }

    /// A rate for people: 30, 7.5, 0.6.
    nonisolated static func number(_ value: Double) -> String {
        value >= 10 || value == value.rounded() ? String(Int(value.rounded())) : String(format: "%.1f", value)
    }
}
