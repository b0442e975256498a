import Foundation
import HeymarketSandbox
import Testing

/// The REPL in a real terminal: tmux runs the built binary against a sandbox
/// (with latency, so a query can be interrupted), keys are sent as a user
/// types them, and the screen is read back.
@Suite(.serialized) struct REPLTerminalTests {
    /// One tmux server of our own (its own socket), killed at the end.
    struct Tmux {
        let socket = "hmq-test-\(UUID().uuidString.prefix(8))"

        /// Runs `tmux -L socket arguments...` and returns its stdout. posix_spawn
        /// and waitpid, not Foundation's Process: the tmux server that the first
        /// command starts inherits what Process uses to watch its child, and
        /// Process would then wait for the server too.
        @discardableResult
        func run(_ arguments: [String]) throws -> String {
            let output = FileManager.default.temporaryDirectory.appendingPathComponent("\(socket)-\(UUID()).out").path
            defer { unlink(output) }
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
            let argv = (["tmux", "-L", socket] + arguments).map { strdup($0) } + [nil]
            defer { for arg in argv { free(arg) } }
            var pid: pid_t = 0
            let spawned = posix_spawnp(&pid, "tmux", &actions, nil, argv, environ)
            guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .ENOENT) }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0, errno == EINTR {}
            return (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        }

        func keys(_ keys: String...) throws { try run(["send-keys", "-t", "t"] + keys) }
        /// Text typed literally (no key names).
        func type(_ text: String) throws { try run(["send-keys", "-t", "t", "-l", text]) }
        /// The screen, in NFC (the demo data has decomposed accents; tests compare composed text).
        func screen() throws -> String { try run(["capture-pane", "-p", "-t", "t", "-S", "-200"]).precomposedStringWithCanonicalMapping }

        /// Waits until the screen satisfies `condition`; returns the screen and the seconds it took.
        func wait(timeout: Double = 10, _ condition: (String) -> Bool) async throws -> (String, Double) {
            let start = ContinuousClock.now
            while true {
                let text = try screen()
                if condition(text) { return (text, ((ContinuousClock.now - start) / .seconds(1))) }
                if ((ContinuousClock.now - start) / .seconds(1)) > timeout {
                    Issue.record("timed out waiting; the screen was:\n\(text)")
                    return (text, timeout)
                }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    static var tmuxInstalled: Bool {
        ["/usr/bin/tmux", "/usr/local/bin/tmux", "/opt/homebrew/bin/tmux"].contains { FileManager.default.isExecutableFile(atPath: $0) }
    }

    @Test(.enabled(if: tmuxInstalled, "tmux is installed by scripts/setup"))
    func aSessionAsAUserTypesIt() async throws {
        // The sandbox as its own process (`hmq sandbox serve`), each search 1 s slow.
        let server = Process()
        server.executableURL = HMQProcess.binary
        server.arguments = ["sandbox", "serve", "--port", "0", "--latency", "1"]
        let serverOutput = Pipe()
        server.standardOutput = serverOutput
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer { server.interrupt(); server.waitUntilExit() }
        var firstLine = Data()
        while !firstLine.contains(10) {
            let chunk = serverOutput.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            firstLine += chunk
        }
        let baseURL = String(decoding: firstLine, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
        #expect(baseURL.hasPrefix("http://127.0.0.1:"))
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("hmq-repl-\(UUID())")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        let history = home.appendingPathComponent("state/hmq/history").path
        let tmux = Tmux()
        defer {
            _ = try? tmux.run(["kill-server"])
            try? FileManager.default.removeItem(at: home)
        }
        var words: [String] = [
            "env", "-i", "PATH=/usr/bin:/bin", "HOME=\(home.path)", "TERM=xterm-256color", "LANG=C.UTF-8", "NO_COLOR=1",
            "XDG_STATE_HOME=\(home.path)/state", "XDG_CONFIG_HOME=\(home.path)/config",
            "HEYMARKET_SECRET_ID=\(SandboxConfiguration.demoSecret.id)", "HEYMARKET_SECRET_KEY=\(SandboxConfiguration.demoSecret.key)",
        ]
        words += HMQProcess.fakedClock.map { "\($0.key)=\($0.value)" }
        words += [HMQProcess.binary.path, "--base-url", baseURL]
        let command = words.map { "'\($0)'" }.joined(separator: " ") + "; echo EXIT=$?; sleep 30"
        try tmux.run(["new-session", "-d", "-s", "t", "-x", "140", "-y", "60", command])
        let prompt = "hmq(127.0.0.1)> "
        _ = try await tmux.wait { $0.contains("hmq(127.0.0.1)>") }

        // A query and its table.
        try tmux.type("find phone 14155551234, 14155552003 | show id, name")
        try tmux.keys("Enter")
        var (screen, _) = try await tmux.wait { $0.contains("(2 rows)") }
        #expect(screen.contains("│ 1001 │ Ada Lovelace │\n│ 1003 │ 李小龍       │"))

        // A statement over two lines, with the continuation prompt.
        try tmux.type("find phone 14155559876 |")
        try tmux.keys("Enter")
        _ = try await tmux.wait { $0.contains("...>") }
        try tmux.type("  show name")
        try tmux.keys("Enter")
        (screen, _) = try await tmux.wait { $0.contains("│ José Núñez │") }

        // Tab completes a stage, then a field.
        try tmux.type("find phone 14155551234 | sh")
        try tmux.keys("Tab")
        _ = try await tmux.wait { $0.contains("find phone 14155551234 | show\n") }
        try tmux.type("disp")
        try tmux.keys("Tab")
        _ = try await tmux.wait { $0.contains("| show display_name") }
        try tmux.keys("Enter")
        _ = try await tmux.wait { $0.components(separatedBy: "Ada Lovelace").count == 3 }

        // Tab on a word nothing matches offers nothing (no fallback to file names).
        try tmux.type("Packag")  // Package.swift is in the current directory
        try tmux.keys("Tab")
        try await Task.sleep(for: .milliseconds(200))
        #expect(try tmux.screen().contains(prompt + "Packag\n"))
        try tmux.keys("C-u")

        // Up-arrow twice recalls the two-line statement, whole; Enter runs it again.
        try tmux.keys("Up")
        try tmux.keys("Up")
        _ = try await tmux.wait { $0.components(separatedBy: "  show name").count == 3 }
        try tmux.keys("Enter")
        _ = try await tmux.wait { $0.components(separatedBy: "│ José Núñez │").count == 3 }

        // Non-ASCII input comes back intact (in the line and in the error about it).
        try tmux.type("find email \"José 李\"")
        _ = try await tmux.wait { $0.contains(prompt + "find email \"José 李\"") }
        try tmux.keys("Enter")
        _ = try await tmux.wait { $0.contains("error: email 'José 李': not an email address") }

        // A statement holding the configured Secret Key runs but is not kept in history.
        try tmux.type("find email \"\(SandboxConfiguration.demoSecret.key)\"")
        try tmux.keys("Enter")
        _ = try await tmux.wait { $0.contains("not an email address") && $0.components(separatedBy: "error: email").count == 3 }

        // Ctrl-C at the prompt drops the line.
        try tmux.type("find phone 1 | show nothing-to-run")
        try tmux.keys("C-c")
        // The next line is typed once the fresh prompt is there (a loaded machine may take a moment).
        _ = try await tmux.wait { screen in
            let lines = screen.split(separator: "\n").map { String($0) }
            return screen.contains("show nothing-to-run") && lines.last == prompt.trimmingCharacters(in: .whitespaces)
        }
        try tmux.type(".timing on")
        try tmux.keys("Enter")
        _ = try await tmux.wait { $0.contains("timing on\n") }

        // Ctrl-C during a slow query cancels it and gives the prompt back quickly.
        try tmux.type("find phone 14155552010 | show name")
        try tmux.keys("Enter")
        try await Task.sleep(for: .milliseconds(300))
        try tmux.keys("C-c")
        let (afterCancel, seconds) = try await tmux.wait { $0.contains("hmq: cancelled") }
        #expect(seconds < 0.5)
        #expect(!afterCancel.contains("Time: "))  // no result was reported for it
        _ = try await tmux.wait { $0.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix(prompt.trimmingCharacters(in: .whitespaces)) }

        // Ctrl-D leaves with status 0.
        try tmux.keys("C-d")
        _ = try await tmux.wait { $0.contains("EXIT=0") }

        // The history: owner-only, one entry per statement, the two-line one whole.
        let attributes = try FileManager.default.attributesOfItem(atPath: history)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let historyText = try String(contentsOfFile: history, encoding: .utf8)
        #expect(!historyText.contains(SandboxConfiguration.demoSecret.key))
        let entries = historyText.split(separator: "\n").map(String.init)
        #expect(entries == [
            "find phone 14155551234, 14155552003 | show id, name",
            "find phone 14155559876 |\\n  show name",
            "find phone 14155551234 | show display_name",
            "find phone 14155559876 |\\n  show name",
            "find email \"José 李\"",
            ".timing on",
            "find phone 14155552010 | show name",
        ])
    }
}
