import Foundation
import HMQRuntime
import HMQShell
import LineEditing
import Synchronization
import Testing

/// The habits psql and sqlite3 users bring to the prompt: `\x`, `.output`,
/// `.once` and the pager.
@MainActor
@Suite(.serialized) struct OutputHabitsTests {
    static func folder() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hmq-output-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    static func mode(_ path: String) throws -> Int? {
        try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
    }

    @Test func expandedDisplayIsSaidAsPsqlSaysIt() async {
        let h = await Harness([.line("\\x"), .line("\\x"), .line("\\x auto"), .line("\\X ON"), .line("\\x sideways"), .line(".settings")])
        _ = await h.repl.run()
        #expect(h.output.text.hasPrefix("""
            Expanded display is on.
            Expanded display is off.
            Expanded display is used automatically.
            Expanded display is on.

            """))
        #expect(h.output.text.range(of: #"\nexpanded +on\npager +auto\noutput +stdout\n"#, options: .regularExpression) != nil, "\(h.output.text)")
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

    @Test func outputAndOnceSendResultsToAFileAndErrorsStayOnTheScreen() async throws {
        try await SandboxHarness.run { client in
            let folder = try Self.folder()
            let out = folder + "/out.txt", once = folder + "/once file.txt"
            let h = await Harness([
                .line(".output \(out)"),
                .line("find phone 14155551234 | show id"),
                .line("find phone 14155551234 | show nmae"),
                .line("find phone 14155552003 | show id"),
                .line(".output"),
                .line("find phone 14155559876 | show name"),
                .line(".once \"\(once)\""),
                .line("find phone 14155552003 | show id"),
                .line("find phone 14155551234 | show id"),
            ], client: client)
            _ = await h.repl.run()
            #expect(try String(contentsOfFile: out, encoding: .utf8) == "id=1001\nid=1003\n")
            #expect(try String(contentsOfFile: once, encoding: .utf8) == "id=1003\n")
            #expect(h.output.text == """
                results go to \(out) until .output
                results go to the screen again
                name="José Núñez"
                the next result goes to \(once)
                id=1001


                """)
            #expect(h.errors.count == 1)
            #expect(h.errors.first?.contains("unknown field 'nmae'") == true)
            #expect(try Self.mode(out) == 0o600)
        }
    }

    @Test func outputOpensAFileAsSaveDoes() async throws {
        try await SandboxHarness.run { client in
            let folder = try Self.folder()
            let existing = folder + "/existing.txt", target = folder + "/target.txt", link = folder + "/link.txt", fifo = folder + "/fifo"
            try "old rows\nmore old rows\n".write(toFile: existing, atomically: true, encoding: .utf8)
            chmod(existing, 0o644)
            try "".write(toFile: target, atomically: true, encoding: .utf8)
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
            mkfifo(fifo, 0o600)
            let h = await Harness([
                .line(".output \(existing)"), .line("find phone 14155551234 | show id"),
                .line(".output \(link)"), .line("find phone 14155552003 | show id"),
                .line(".output \(folder)"), .line(".output \(fifo)"), .line(".once"), .line(".output a b"),
            ], client: client)
            _ = await h.repl.run()
            // Emptied, then the result; the mode kept.
            #expect(try String(contentsOfFile: existing, encoding: .utf8) == "id=1001\n")
            #expect(try Self.mode(existing) == 0o644)
            // Through the link, which stays a link.
            #expect(try String(contentsOfFile: target, encoding: .utf8) == "id=1003\n")
            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == target)
            #expect(h.errors == [
                "hmq: error: cannot write \(folder): it is a directory\n",
                "hmq: error: cannot write \(fifo): it is a FIFO nobody reads\n",
                "hmq: error: .once needs a file: .once results.csv\n",
                "hmq: error: .output takes one file name (quote one with spaces): .output \"my results.csv\"\n",
            ])
        }
    }

    /// A pager that appends what it reads to a file, so the test sees what was paged.
    static func pager(into file: String) -> PagerCommand {
        PagerCommand(words: ["sh", "-c", "cat >> '\(file)'"], executable: "/bin/sh", environment: [:])
    }

    @Test func resultsTallerThanTheTerminalGoThroughThePager() async throws {
        try await SandboxHarness.run { client in
            let paged = try Self.folder() + "/paged.txt"
            let h = await Harness([
                .line("find phone 14155551234, 14155552003, 14155552004 | show id"),  // 3 lines: as tall as the terminal
                .line("find phone 14155551234 | show id"),
                .line(".pager on"), .line("find phone 14155552003 | show id"),
                .line(".pager off"), .line("find phone 14155551234, 14155552003, 14155552004 | show id"),
                .line(".pager auto"), .line("find phone 14155551234, 14155550000, 14155552003, 14155552004 | show id"),
            ], client: client, outputContext: { OutputContext(isTerminal: true, width: 80, height: 3) }, pager: Self.pager(into: paged))
            _ = await h.repl.run()
            #expect(try String(contentsOfFile: paged, encoding: .utf8) == "id=1001\nid=1003\nid=1004\nid=1003\nid=1001\nid=1003\nid=1004\n")
            #expect(h.output.text == """
                id=1001
                pager on (sh -c cat >> '\(paged)')
                pager off (sh -c cat >> '\(paged)')
                id=1001
                id=1003
                id=1004
                pager auto (sh -c cat >> '\(paged)')


                """)
            // The note of the paged statement is said (after the pager closed).
            #expect(h.errors.contains { $0.contains("1 value matched no contact: 14155550000") }, "\(h.errors)")
        }
    }

    @Test func neverAPagerOffATerminalOrWithOutput() async throws {
        try await SandboxHarness.run { client in
            let folder = try Self.folder()
            let paged = folder + "/paged.txt"
            let h = await Harness([.line(".pager on"), .line("find phone 14155551234 | show id"),
                                   .line(".once \(folder)/once.txt"), .line("find phone 14155552003 | show id")],
                                  client: client, pager: Self.pager(into: paged))
            _ = await h.repl.run()
            #expect(!FileManager.default.fileExists(atPath: paged))
            #expect(h.output.text.hasPrefix("pager on (sh -c cat >> '\(paged)')\nid=1001\n"))
            #expect(try String(contentsOfFile: folder + "/once.txt", encoding: .utf8) == "id=1003\n")
        }
    }

    @Test func aMissingPagerIsSaidOnceAndResultsAreShown() async throws {
        try await SandboxHarness.run { client in
            let h = await Harness([.line("find phone 14155551234, 14155552003 | show id"), .line("find phone 14155552003, 14155552004 | show id")],
                                  client: client, outputContext: { OutputContext(isTerminal: true, width: 80, height: 2) },
                                  pager: PagerCommand(words: ["no-such-pager", "-R"], executable: nil, environment: [:]))
            _ = await h.repl.run()
            #expect(h.output.text == "id=1001\nid=1003\nid=1003\nid=1004\n\n")
            #expect(h.errors == ["hmq: note: the pager 'no-such-pager' was not found; results are shown here (set PAGER, or .pager off)\n"])
        }
    }

    @Test func pagerComesFromTheEnvironment() {
        let found = PagerCommand.from(environment: ["PATH": "/usr/bin:/bin"])
        #expect(found?.words == ["less", "-FRSX"])
        #expect(PagerCommand.from(environment: ["PAGER": "", "PATH": "/usr/bin:/bin"]) == nil)
        let given = PagerCommand.from(environment: ["PAGER": "less 'a b'", "PATH": "/nowhere"])
        #expect(given?.words == ["less", "a b"])
        #expect(given?.executable == nil)
        #expect(given?.environment["LESS"] == "FRSX")
        #expect(PagerCommand.from(environment: ["PAGER": "less", "LESS": "R"])?.environment["LESS"] == "R")
        #expect(PagerCommand.from(environment: ["PAGER": "/bin/cat -n"])?.executable == "/bin/cat")
    }
}
