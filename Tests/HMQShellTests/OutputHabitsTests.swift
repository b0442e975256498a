import Foundation
import HMQRuntime
import HMQShell
import LineEditing
import Synchronization
import Testing

/// The habits psql and sqlite3 users bring to the prompt: `\x`.
@MainActor
@Suite(.serialized) struct OutputHabitsTests {
    @Test func expandedDisplayIsSaidAsPsqlSaysIt() async {
        let h = await Harness([.line("\\x"), .line("\\x"), .line("\\x auto"), .line("\\X ON"), .line("\\x sideways"), .line(".settings")])
        _ = await h.repl.run()
        #expect(h.output.text.hasPrefix("""
            Expanded display is on.
            Expanded display is off.
            Expanded display is used automatically.
            Expanded display is on.

            """))
        #expect(h.output.text.range(of: #"\ntiming +off\nexpanded +on\n"#, options: .regularExpression) != nil, "\(h.output.text)")
        #expect(h.errors == ["hmq: error: \\x takes on, off or auto\n"])
    }

    @Test func theFormatterIsToldOfExpandedDisplay() async throws {
        try await SandboxHarness.run { client in
            let h = await Harness([.line("set format width"), .line("find phone 14155551234 | show id"), .line("\\x auto"), .line("find phone 14155551234 | show id")],
                                  client: client, outputContext: { OutputContext(isTerminal: true, width: 80) })
            _ = await h.repl.run()
            #expect(h.output.text.contains("width=80\nexpanded=off\n"))
            #expect(h.output.text.contains("width=80\nexpanded=auto\n"), "\(h.output.text)")
        }
    }
}
