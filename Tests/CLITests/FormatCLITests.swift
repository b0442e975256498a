import Foundation
import HeymarketSandbox
import Testing

/// Choosing formats from the command line and the language, `save` inference,
/// and external `hmq-format-NAME` plugins, through the built binary.
@Suite(.serialized) struct FormatCLITests {
    let cli = RuntimeCLITests()
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Examples/plugins").path

    /// A folder of plugin scripts for one test.
    func plugins(_ scripts: [String: String]) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hmq-plugins-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (name, body) in scripts {
            let path = folder.appendingPathComponent("hmq-format-\(name)").path
            try HMQProcess.writeExecutable(body, to: path)
        }
        return folder.path
    }

    var path: String { ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin" }

    @Test func formatsAreChosenByFlagSettingAndStage() async throws {
        try await cli.withSandbox { url, _, _ in
            let query = "find phone 14155551234, 14155552003 | show id, name"
            let csv = try await cli.hmq(["-f", "csv", "-e", query], url: url)
            #expect(csv.stdout == "id,name\n1001,Ada Lovelace\n1003,李小龍\n")
            let set = try await cli.hmq(["-e", "set format tsv\n" + query], url: url)
            #expect(set.stdout == "id\tname\n1001\tAda Lovelace\n1003\t李小龍\n")
            let stage = try await cli.hmq(["-e", query + " | format markdown"], url: url)
            #expect(stage.stdout == "| id   | name         |\n| ---: | ------------ |\n| 1001 | Ada Lovelace |\n| 1003 | 李小龍       |\n")
            let table = try await cli.hmq(["-e", query + " | format table --ascii"], url: url)
            #expect(table.stdout == """
                +------+--------------+
                | id   | name         |
                +------+--------------+
                | 1001 | Ada Lovelace |
                | 1003 | 李小龍       |
                +------+--------------+
                (2 rows)

                """)
            let bad = try await cli.hmq(["-e", query + " | format csv --pretty"], url: url)
            #expect(bad.status == 2)
            #expect(bad.stderr.contains("format csv: unknown option --pretty (csv has --no-header, --crlf, --null TEXT)"))
        }
    }

    @Test func saveInfersTheFormatFromTheExtension() async throws {
        try await cli.withSandbox { url, _, directory in
            let out = try await cli.hmq(["-e", "find phone 14155551234 | show id, name | save \"out.yaml\"",
                                         "-e", "find phone 14155551234 | show id, name | save \"out.txt\" --format csv"], url: url, in: directory)
            #expect(out.status == 0)
            #expect(try String(contentsOf: directory.appendingPathComponent("out.yaml"), encoding: .utf8) == "- id: 1001\n  name: Ada Lovelace\n")
            #expect(try String(contentsOf: directory.appendingPathComponent("out.txt"), encoding: .utf8) == "id,name\n1001,Ada Lovelace\n")
        }
    }

    @Test func anExternalPluginOnPathFormatsRows() async throws {
        try await cli.withSandbox { url, _, _ in
            let out = try await cli.hmq(["-e", "find phone 14155551234, 14155559876 | show id, name, tags | format upper"], url: url,
                                        env: ["PATH": Self.examples + ":" + path])
            #expect(out.status == 0)
            #expect(out.stdout == "ID\tNAME\tTAGS\n1001\tADA LOVELACE\t[\"VIP\", \"CUSTOMER\"]\n1002\tJOSÉ NÚÑEZ\t[\"CUSTOMER\"]\n")
            let listed = try await HMQProcess.run(["formats"], environment: ["PATH": Self.examples + ":" + path])
            #expect(listed.stdout.contains("upper     external plugin \(Self.examples)/hmq-format-upper\n"))
        }
    }

    @Test func aPluginInTheConfigFolderIsFound() async throws {
        try await cli.withSandbox { url, _, _ in
            let config = FileManager.default.temporaryDirectory.appendingPathComponent("hmq-config-\(UUID())")
            let folder = config.appendingPathComponent("hmq/plugins")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: Self.examples + "/hmq-format-upper", toPath: folder.appendingPathComponent("hmq-format-shout").path)
            let out = try await cli.hmq(["-e", "find phone 14155551234 | show name | format shout --no-header"], url: url,
                                        env: ["XDG_CONFIG_HOME": config.path])
            #expect(out.stdout == "ADA LOVELACE\n")
        }
    }

    @Test func aFailingPluginIsReportedWithItsStatusAndStderr() async throws {
        let folder = try plugins(["bad": "#!/bin/sh\necho 'bad: cannot go on' >&2\nexit 1\n"])
        try await cli.withSandbox { url, _, _ in
            let out = try await cli.hmq(["-e", "find phone 14155551234 | format bad"], url: url, env: ["PATH": folder + ":" + path])
            #expect(out.status == 2)
            #expect(out.stderr.contains("plugin \(folder)/hmq-format-bad exited with status 1"))
            #expect(out.stderr.contains("bad: cannot go on"))
        }
    }

    @Test func aPluginThatNeverReadsIsStoppedNotWaitedFor() async throws {
        let folder = try plugins(["sleepy": "#!/bin/sh\nexec sleep 60\n"])
        try await cli.withSandbox { url, _, _ in
            let start = ContinuousClock.now
            let out = try await cli.hmq(["-e", "find phone 14155551234 | format sleepy"], url: url,
                                        env: ["PATH": folder + ":" + path, "HMQ_PLUGIN_TIMEOUT": "1"])
            #expect(out.status == 2)
            #expect(out.stderr.contains("plugin \(folder)/hmq-format-sleepy did not finish within 1 s of its input ending; stopped it"))
            #expect(((ContinuousClock.now - start) / .seconds(1)) < 15)
        }
    }

    @Test func aPluginIsDoneWhenItExitsThoughAChildStillHoldsItsOutput() async throws {
        let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent("hmq-hold-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: pidFile) }
        let folder = try plugins(["hold": "#!/bin/sh\ncat\nsleep 30 &\necho \"$!\" > \"$HOLD_PID\"\necho end\nexit 0\n"])
        let peer = try ServerTests.Peer(["--sandbox", "-e", "find phone 14155551234, 14155559876 | show id, name | format hold"],
                                        environment: ["PATH": folder + ":" + path, "HOLD_PID": pidFile])
        // Waiting for the sleep would take 30 s (the plugin timeout): 1,500 polls end well before.
        let status = await peer.finish(polls: 1500)
        #expect(status == 0, "stderr: \(peer.stderr)")
        let expected = "{\"id\":1001,\"name\":\"Ada Lovelace\"}\n{\"id\":1002,\"name\":\"José Núñez\"}\nend\n"
        let output = try await peer.next { data in data.count >= expected.utf8.count ? String(decoding: data, as: UTF8.self) : nil }
        #expect(output == expected)
        #expect(peer.stderr.isEmpty)
        // The child it left was ended with its group.
        let pid = try #require(Int32(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        var polls = 0
        while Self.isLive(pid), polls < 500 {
            polls += 1
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(!Self.isLive(pid), "the plugin's sleep \(pid) is still running")
    }

    /// Whether process `pid` runs (a zombie waiting for its reaper does not).
    static func isLive(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let state = stat.split(separator: ")").last?.split(separator: " ").first else { return true }
        return state != "Z"
    }

    @Test func aBuiltInNameCannotBeTakenByAPlugin() async throws {
        let folder = try plugins(["csv": "#!/bin/sh\necho hijacked\n"])
        try await cli.withSandbox { url, _, _ in
            let out = try await cli.hmq(["-f", "csv", "-e", "find phone 14155551234 | show id"], url: url, env: ["PATH": folder + ":" + path])
            #expect(out.stdout == "id\n1001\n")
            let listed = try await HMQProcess.run(["formats"], environment: ["PATH": folder + ":" + path])
            #expect(listed.stderr.contains("hmq-format-csv is ignored: 'csv' is a built-in format"))
        }
    }
}
