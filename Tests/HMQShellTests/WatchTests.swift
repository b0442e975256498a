import Foundation
import HMQRuntime
import HMQShell
import LineEditing
import Synchronization
import Testing

/// `.watch N`, on a clock of its own: waiting moves it on at once, so no test
/// depends on the wall clock.
@MainActor
@Suite(.serialized) struct WatchTests {
    /// Time that passes only when `.watch` waits. `at(seconds, do:)` runs
    /// something once that much time has passed (a file changes, Ctrl-C).
    final class FakeTime: Sendable {
        let start = Date(timeIntervalSince1970: 1_700_000_000)
        private let elapsed = Mutex(0.0)
        private let pending = Mutex<[(at: Double, action: @Sendable () -> Void)]>([])
        private let interrupts = Mutex(0)

        var clock: WatchClock {
            WatchClock(now: { [self] in start.addingTimeInterval(elapsed.withLock { $0 }) }, sleep: { [self] duration in
                let now = elapsed.withLock { $0 += Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18; return $0 }
                let due = pending.withLock { list in
                    let due = list.filter { $0.at <= now }
                    list.removeAll { $0.at <= now }
                    return due
                }
                for item in due { item.action() }
            })
        }

        func at(_ seconds: Double, do action: @escaping @Sendable () -> Void) { pending.withLock { $0.append((seconds, action)) } }
        /// Ctrl-C once `seconds` have passed.
        func interrupt(at seconds: Double) { at(seconds) { [self] in interrupts.withLock { $0 += 1 } } }
        var interruptCount: Int { interrupts.withLock { $0 } }
    }

    /// A file of phone numbers holding `text`, in a folder of its own.
    static func phones(_ text: String) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hmq-watch-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try text.write(toFile: folder + "/phones.txt", atomically: true, encoding: .utf8)
        return folder + "/phones.txt"
    }

    @Test func watchShowsEveryRowThenOnlyWhatChanged() async throws {
        try await SandboxHarness.run { client in
            let phones = try Self.phones("14155551234\n")
            let time = FakeTime()
            // Between the first run and the second, a number is added to the file; Ctrl-C during the third wait.
            time.at(1) { try? "14155551234\n14155552003\n".write(toFile: phones, atomically: true, encoding: .utf8) }
            time.interrupt(at: 5)
            let statement = "find phone file \"\(phones)\" | show id, name"
            let h = await Harness([.line(statement), .line(".watch 2"), .line("find phone 14155552004 | show id")],
                                  client: client, clock: time.clock, interruptCount: { time.interruptCount })
            _ = await h.repl.run()
            let lines = h.output.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let header = "Every 2 s: \(statement)   "
            #expect(lines.count == 9, "\(lines)")
            guard lines.count == 9 else { return }
            #expect(lines[0] == "id=1001 name=\"Ada Lovelace\"")
            #expect(lines[1].hasPrefix(header) && lines[1].count == header.count + 8)
            #expect(lines[2] == "id=1001 name=\"Ada Lovelace\"")
            #expect(lines[3].hasPrefix(header))
            #expect(lines[4] == "change=\"added\" id=1003 name=\"李小龍\" changed=null old=null")
            #expect(lines[5].hasPrefix(header) && lines[5].hasSuffix("   no change"))
            // After the watch, statements show their rows as they are.
            #expect(lines[6] == "id=1004")
            #expect(h.errors == ["hmq: watching every 2 s: 1 request a run, 30 a minute (6% of the key's 500 requests a minute); Ctrl-C stops\n",
                                 "hmq: watch stopped\n"])
        }
    }

    @Test func aRemovedRowAndARowWithNoIdAreShownAsDiffShowsThem() async throws {
        try await SandboxHarness.run { client in
            let phones = try Self.phones("14155551234\n14155552003\n")
            let time = FakeTime()
            time.at(1) { try? "14155551234\n".write(toFile: phones, atomically: true, encoding: .utf8) }
            time.interrupt(at: 3)
            time.at(4) { try? "14155551234\n14155552003\n".write(toFile: phones, atomically: true, encoding: .utf8) }
            time.interrupt(at: 6.5)
            let h = await Harness([.line("find phone file \"\(phones)\" | show id, name"), .line(".watch 2"),
                                   .line("find phone file \"\(phones)\" | count"), .line(".watch 2")],
                                  client: client, clock: time.clock, interruptCount: { time.interruptCount })
            _ = await h.repl.run()
            let lines = h.output.text.split(separator: "\n").filter { !$0.hasPrefix("Every 2 s: ") }
            #expect(lines == [
                "id=1001 name=\"Ada Lovelace\"", "id=1003 name=\"李小龍\"",
                "id=1001 name=\"Ada Lovelace\"", "id=1003 name=\"李小龍\"",
                "change=\"removed\" id=1003 name=\"李小龍\" changed=null old=null",
                "count=1",
                "count=1",
                // A row with no id matches by its whole content: a count that changed is one row added, one removed.
                "change=\"added\" count=2 changed=null old=null",
                "change=\"removed\" count=1 changed=null old=null",
            ], "\(h.output.text)")
            #expect(h.errors.count == 4 && h.errors.last == "hmq: watch stopped\n", "\(h.errors)")
        }
    }

    @Test func watchKeepsWithinTheRateBudget() async throws {
        try await SandboxHarness.run { client in
            let time = FakeTime()
            time.interrupt(at: 1)
            let h = await Harness([
                .line(".watch 5"),
                .line("find phone 14155551234 | show id"),
                .line("find phone 14155552003 | save \"/dev/null\" --format csv"),
                .line(".watch 1"), .line(".watch soon"),
                .line("set rate 100"),
                .line(".watch 2"),
                .line(".watch 6"),
            ], client: client, clock: time.clock, interruptCount: { time.interruptCount })
            _ = await h.repl.run()
            #expect(h.errors == [
                "hmq: error: nothing to watch yet: run a statement that shows rows (find ... without save), then .watch N runs it again every N seconds\n",
                "hmq: error: .watch takes the seconds between runs, 2 or more: .watch 10\n",
                "hmq: error: .watch takes the seconds between runs, 2 or more: .watch 10\n",
                "hmq: error: .watch 2 would send 30 requests a minute (1 a run), more than 10% of the key's 100 requests a minute, which other integrations share; watch every 6 s or more\n",
                "hmq: watching every 6 s: 1 request a run, 10 a minute (10% of the key's 100 requests a minute); Ctrl-C stops\n",
                "hmq: watch stopped\n",
            ])
            // The statement watched is the last that showed rows (not the save).
            #expect(h.output.text.contains("Every 6 s: find phone 14155551234 | show id   "))
        }
    }
}
