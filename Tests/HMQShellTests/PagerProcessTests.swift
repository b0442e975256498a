import Foundation
import HMQRuntime
@testable import HMQShell
import HMQSystem
import Synchronization
import Testing

/// A pager quit before the end (`q` in less) neither ends nor holds hmq.
@Suite struct PagerProcessTests {
    @Test func aPagerThatQuitsEarlyClosesTheOutputAndIsWaitedFor() throws {
        // hmq ignores SIGPIPE (main.swift); so does this test process, as a write to a gone pager must fail, not kill.
        signal(SIGPIPE, SIG_IGN)
        let launcher = PagerLauncher(PagerCommand(words: ["sh", "-c", "head -c 10 >/dev/null"], executable: "/bin/sh", environment: [:]),
                                     writeError: { _ in })
        let pager = try #require(launcher.start())
        // More than a pipe holds: the write waits while the pager reads, then finds it gone.
        let text = [UInt8](repeating: UInt8(ascii: "x"), count: 1 << 20)
        #expect(throws: FileSink.Closed.self) { try pager.write(bytes: text) }
        #expect(throws: FileSink.Closed.self) { try pager.write("more") }
        pager.finish()
    }

    @Test func heldOutputPassesOnPastItsLimit() throws {
        let sink = Collected()
        let held = HeldOutput(limit: 8) { sink }
        try held.write("1234\n")
        #expect(sink.text.isEmpty)
        try held.write("5678\n")
        try held.write("9\n")
        #expect(sink.text == "1234\n5678\n9\n")
        let (bytes, lines, passedTo) = held.take()
        #expect(bytes.isEmpty && lines == 2 && passedTo != nil)
    }

    final class Collected: OutputSink, Sendable {
        private let collected = Mutex("")
        var text: String { collected.withLock { $0 } }
        func write(_ text: String) throws { collected.withLock { $0 += text } }
    }
}
