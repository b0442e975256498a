import Foundation
import HeymarketSandbox
import Testing

/// The language end to end: the built hmq binary against a sandbox over real HTTP.
@Suite(.serialized) struct RuntimeCLITests {
    static let credentials = ["HEYMARKET_SECRET_ID": SandboxConfiguration.demoSecret.id, "HEYMARKET_SECRET_KEY": SandboxConfiguration.demoSecret.key]

    /// Runs `body` with a sandbox and a scratch directory (the current directory of hmq).
    func withSandbox(_ body: (String, SandboxService, URL) async throws -> Void) async throws {
        try await CLISandbox.with { sandbox in try await body(sandbox.url, sandbox.service, sandbox.directory) }
    }

    func hmq(_ args: [String], url: String, in directory: URL? = nil, stdin: String = "", env: [String: String] = [:]) async throws -> HMQProcess.Output {
        try await HMQProcess.run(["--base-url", url] + args, environment: Self.credentials.merging(env) { $1 }, stdin: stdin, directory: directory)
    }

    @Test func oneShotPrintsNDJSON() async throws {
        try await withSandbox { url, _, _ in
            let out = try await hmq(["-e", "find phone 14155551234, 14155559876 | show id, name, tags"], url: url)
            #expect(out.status == 0)
            #expect(out.stdout == """
                {"id":1001,"name":"Ada Lovelace","tags":["vip","customer"]}
                {"id":1002,"name":"José Núñez","tags":["customer"]}

                """)
            #expect(out.stderr.isEmpty)
        }
    }

    @Test(arguments: [
        ("find phone 14155551234 | show name as who, custom.12 as plan, note.text", #"{"who":"Ada Lovelace","plan":"Free","note.text":["Prefers SMS after 5pm. Asked about the Enterprise plan.","Follow up next quarter — “renewal” pending."]}"#),
        ("find phone 14155552010, 14155552011, 14155552012, 14155552013, 14155552014 | where custom.12 == \"pro\" | show id", "{\"id\":1011}\n{\"id\":1014}"),
        ("find phone 14155552010, 14155552011, 14155552012, 14155552013, 14155552014 | where id >= 1012 and not is_opted_out | show id, custom.12 as plan", "{\"id\":1012,\"plan\":\"Enterprise\"}\n{\"id\":1014,\"plan\":\"Pro\"}"),
        ("find phone 14155552010, 14155552020, 14155552030 | where id > 1015 and not is_opted_out | show id", "{\"id\":1020}\n{\"id\":1030}"),
        ("find phone 14155552010, 14155552020, 14155552030 | sort id desc | first 2 | show id", "{\"id\":1030}\n{\"id\":1020}"),
        ("find phone 14155552010, 14155552020, 14155552030 | count", #"{"count":3}"#),
        ("find phone 14155551234, 14155552003, 14155552013 | count by tags | sort tags", "{\"tags\":[],\"count\":1}\n{\"tags\":\"customer\",\"count\":1}\n{\"tags\":\"enterprise\",\"count\":1}\n{\"tags\":\"vip\",\"count\":1}"),
        ("find email patel.family@example.com | show last | unique", #"{"last":"Patel"}"#),
        ("find phone 14155551234, 19990000000, email nobody@example.com | unmatched", "{\"type\":\"phone\",\"value\":\"19990000000\",\"reason\":\"no contact\",\"detail\":null}\n{\"type\":\"email\",\"value\":\"nobody@example.com\",\"reason\":\"no contact\",\"detail\":null}"),
        ("find phone 14155551234 | where tags has \"VIP\" and email matches \"^ada@\" and custom.12 in [\"Free\", \"Pro\"] and company exists | show id", #"{"id":1001}"#),
        ("find phone 14155551234 | where display_name contains \"LOVE\" | show id | format json", #"[{"id":1001}]"#),
        ("find phone 14155551234, 14155559876 | show id | format json --pretty", "[\n  {\n    \"id\": 1001\n  },\n  {\n    \"id\": 1002\n  }\n]"),
        ("find 14155551234, ada@example.com | show id, matched", #"{"id":1001,"matched":["14155551234","ada@example.com"]}"#),
    ])
    func stages(query: String, expected: String) async throws {
        try await withSandbox { url, _, _ in
            let out = try await hmq(["-e", query], url: url)
            #expect(out.status == 0, "\(out.stderr)")
            #expect(out.stdout == expected + "\n")
        }
    }

    @Test func scriptFileWithArgumentsVariablesAndEnvironment() async throws {
        try await withSandbox { url, _, dir in
            let script = dir.appendingPathComponent("lookup.hmq")
            try Data("""
                # $1, --var and $env
                find phone $1 | show name
                find email $who | show name
                find phone $env.HMQ_TEST_PHONE | show name

                """.utf8).write(to: script)
            let out = try await hmq(["--var", "who=jose.nunez@example.com", script.path, "14155551234"], url: url, env: ["HMQ_TEST_PHONE": "14155552003"])
            #expect(out.status == 0, "\(out.stderr)")
            #expect(out.stdout == "{\"name\":\"Ada Lovelace\"}\n{\"name\":\"José Núñez\"}\n{\"name\":\"李小龍\"}\n")
            let missing = try await hmq([script.path], url: url, env: ["HMQ_TEST_PHONE": "1"])
            #expect(missing.status == 2)
            #expect(missing.stderr.contains("lookup.hmq:2:12: error: $1 is not set: the script was given 0 arguments"))
        }
    }

    @Test func shebangScriptsRun() async throws {
        try await withSandbox { url, _, dir in
            let script = dir.appendingPathComponent("who")
            try HMQProcess.writeExecutable("#!/usr/bin/env hmq\nfind phone $1 | show name\n", to: script.path)
            let process = Process()
            process.executableURL = script
            process.arguments = ["14155559876"]
            var env = Self.credentials
            env["PATH"] = HMQProcess.binary.deletingLastPathComponent().path + ":/usr/bin:/bin"
            env["HMQ_BASE_URL"] = url
            env.merge(HMQProcess.fakedClock) { $1 }
            process.environment = env
            // The base URL travels in the environment for a shebang script.
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = Pipe()
            try process.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            #expect(String(decoding: data, as: UTF8.self) == "{\"name\":\"José Núñez\"}\n")
        }
    }

    @Test func scriptOnStdin() async throws {
        try await withSandbox { url, _, _ in
            let out = try await hmq([], url: url, stdin: "set format json\nfind phone 14155551234 | show id\n")
            #expect(out.status == 0, "\(out.stderr)")
            #expect(out.stdout == "[{\"id\":1001}]\n")
        }
    }

    @Test func findsOfAScriptShareBatchesAndLetReusesResults() async throws {
        try await withSandbox { url, service, dir in
            // 5 finds over 1,000 phones (200 each) and 150 emails: at most
            // ceil(1000/100) + ceil(150/100) = 12 requests.
            var lines: [String] = []
            for k in 0..<5 {
                let phones = (0..<200).map { String(14_155_552_000 + k * 200 + $0) }
                let emails = k < 3 ? (0..<50).map { ", email u\(k)_\($0)@example.com" }.joined() : ""
                lines.append("find phone " + phones.joined(separator: ", ") + emails + " | count")
            }
            let script = dir.appendingPathComponent("five.hmq")
            try Data(lines.joined(separator: "\n").utf8).write(to: script)
            let out = try await hmq(["--attribution", "fast", script.path], url: url)
            #expect(out.status == 0, "\(out.stderr)")
            #expect(out.stdout.split(separator: "\n").count == 5)
            #expect(service.statistics.searchRequests <= 12)
            #expect(service.statistics.searchRequests == 12)

            let before = service.statistics.searchRequests
            let reuse = try await hmq(["-e", "let a = find phone 14155551234, 14155559876; $a | count; $a | where tags has \"vip\" | show name; $a | show id"], url: url)
            #expect(reuse.status == 0, "\(reuse.stderr)")
            #expect(reuse.stdout == "{\"count\":2}\n{\"name\":\"Ada Lovelace\"}\n{\"id\":1001}\n{\"id\":1002}\n")
            #expect(service.statistics.searchRequests - before == 1, "let reuse sends no request")
        }
    }

    @Test func valuesFromFilesAndKnownMissesAreListedExactly() async throws {
        try await withSandbox { url, _, dir in
            try Data("# phones\n14155551234\n\n19990000001\n+1 (415) 555-9876\n19990000002\n".utf8).write(to: dir.appendingPathComponent("phones.txt"))
            try Data("Name,Email\n\"Patel, P\",patel.family@example.com\nNobody,nobody@example.com\n".utf8).write(to: dir.appendingPathComponent("leads.csv"))
            let out = try await hmq(["-e", "find phone file \"phones.txt\", email csv \"leads.csv\" column \"Email\" | unmatched | show value"], url: url, in: dir)
            #expect(out.status == 0, "\(out.stderr)")
            #expect(out.stdout == "{\"value\":\"19990000001\"}\n{\"value\":\"19990000002\"}\n{\"value\":\"nobody@example.com\"}\n")
            let found = try await hmq(["-e", "find phone file \"phones.txt\", email csv \"leads.csv\" column 2 | show id"], url: url, in: dir)
            #expect(found.stdout == "{\"id\":1001}\n{\"id\":1002}\n{\"id\":1004}\n{\"id\":1005}\n")
            #expect(found.stderr.contains("note: 3 values matched no contact: 19990000001, 19990000002, nobody@example.com"))
        }
    }

    @Test func aRuntimeErrorPointsAtItsLineAndContinueOnErrorGoesOn() async throws {
        try await withSandbox { url, _, dir in
            let script = dir.appendingPathComponent("seven.hmq")
            try Data("""
                # line 1
                find phone 14155551234 | show id
                set batch 50

                # line 5
                find phone 14155559876 | show id
                find phone 14155551234 | show idd
                find phone 14155552003 | show id

                """.utf8).write(to: script)
            let stop = try await hmq([script.path], url: url)
            #expect(stop.status == 2)
            #expect(stop.stdout == "{\"id\":1001}\n{\"id\":1002}\n")
            #expect(stop.stderr.contains("seven.hmq:7:31: error: unknown field 'idd'"))
            #expect(stop.stderr.contains("^~~ did you mean 'id'?"))
            let goOn = try await hmq(["--continue-on-error", script.path], url: url)
            #expect(goOn.status == 2)
            #expect(goOn.stdout == "{\"id\":1001}\n{\"id\":1002}\n{\"id\":1003}\n")
        }
    }

    @Test func saveWritesAFileAtomically() async throws {
        try await withSandbox { url, _, dir in
            let out = try await hmq(["-e", "find phone 14155551234 | show id, name | save \"out.json\""], url: url, in: dir)
            #expect(out.status == 0, "\(out.stderr)")
            #expect(out.stdout.isEmpty)
            #expect(try String(contentsOf: dir.appendingPathComponent("out.json"), encoding: .utf8) == "[{\"id\":1001,\"name\":\"Ada Lovelace\"}]\n")
            let bad = try await hmq(["-e", "find phone 14155551234 | save \"out.unknown\""], url: url, in: dir)
            #expect(bad.status == 2)
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["out.json"])
        }
    }

    @Test func dryRunAndExplainSendNothing() async throws {
        try await withSandbox { url, service, _ in
            let out = try await hmq(["--dry-run", "-e", "find phone 14155551234, \"(415) 555-9876\", email A@B.com | show name"], url: url)
            #expect(out.status == 0, "\(out.stderr)")
            #expect(out.stdout.contains("POST \(url)/v2/contacts/search"))
            #expect(out.stdout.contains("\"14155559876\""))
            #expect(out.stdout.contains("\"a@b.com\""))
            #expect(!out.stdout.contains("eyJ"))
            let explain = try await hmq(["-e", "explain find phone 14155551234"], url: url)
            #expect(explain.stdout.contains(#"{"contact_channels":[{"channel_ids":["14155551234"],"channel_type":"phone"}]}"#))
            #expect(service.statistics.requests == 0)
            let noCredentials = try await HMQProcess.run(["--dry-run", "-e", "find phone 14155551234"])
            #expect(noCredentials.status == 0)
            #expect(noCredentials.stdout.contains("POST https://api.heymarket.com/v2/contacts/search"))
        }
    }

    @Test(arguments: [
        (["-e", "find phone 14155551234 | shwo name"], Int32(3)),
        (["-e", "find phone 14155551234 | where id > 3 | where nmae == 1"], 2),
        (["-e", "find phone file \"/nonexistent/phones.txt\""], 2),
        (["-e", "set bacth 50"], 2),
        (["-e", "find phone 14155551234 | format xml"], 2),
        (["-e", "find phone 14155551234 | format json --bogus"], 2),
        (["-e", "find phone abc"], 3),
        (["-e", "find phone \"abc\""], 2),
        (["-e", "$nothing | count"], 2),
        (["--var", "1x=2", "-e", "find 1"], 2),
    ] as [([String], Int32)])
    func errorsExitWithTheirCodes(args: [String], status: Int32) async throws {
        try await withSandbox { url, _, _ in
            let out = try await hmq(args, url: url)
            #expect(out.status == status, "\(args): \(out.stderr)")
            #expect(out.stderr.lowercased().contains("error"), "\(args)")
        }
    }
}
