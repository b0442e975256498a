import Foundation
import HMQAgent
import Synchronization
import Testing

/// `hmq mcp` and `hmq lsp` driven over pipes, as an agent or an editor does:
/// stdin stays open until the replies arrive.
@Suite struct ServerTests {
    /// A running hmq whose stdout is collected as it comes.
    final class Peer: Sendable {
        let process: Process
        let input: FileHandle
        /// Bytes a pipe has delivered so far.
        final class Buffer: Sendable {
            let data = Mutex(Data())
        }
        private let output = Buffer()
        private let errors = Buffer()

        init(_ args: [String], environment: [String: String] = [:]) throws {
            process = Process()
            process.executableURL = HMQProcess.binary
            process.arguments = args
            process.environment = HMQProcess.environment(adding: ["XDG_CONFIG_HOME": NSTemporaryDirectory() + "hmq-server-tests-none"].merging(environment) { $1 })
            let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
            process.standardInput = stdin
            process.standardOutput = stdout
            process.standardError = stderr
            input = stdin.fileHandleForWriting
            let output = self.output, errors = self.errors
            stdout.fileHandleForReading.readabilityHandler = { handle in
                let data = handle.availableData
                output.data.withLock { $0.append(data) }
            }
            stderr.fileHandleForReading.readabilityHandler = { handle in
                let data = handle.availableData
                errors.data.withLock { $0.append(data) }
            }
            try process.run()
        }

        func send(_ bytes: Data) { input.write(bytes) }
        var stderr: String { String(decoding: errors.data.withLock { $0 }, as: UTF8.self) }
        var stdout: Data { output.data.withLock { $0 } }

        /// Waits (up to 30 s) until `extract` finds what it wants in stdout; removes what it consumed.
        func next<T>(_ extract: (inout Data) -> T?) async throws -> T {
            for _ in 0..<3000 {
                if let found = output.data.withLock({ extract(&$0) }) { return found }
                try await Task.sleep(for: .milliseconds(10))
            }
            Issue.record("no reply within 30 s; stdout so far: \(String(decoding: stdout.prefix(500), as: UTF8.self)); stderr: \(stderr)")
            throw CancellationError()
        }

        /// Closes stdin and waits (up to `polls` polls 10 ms apart) for the exit; past that, ends it.
        func finish(polls: Int = 3000) async -> Int32 {
            try? input.close()
            for _ in 0..<polls where process.isRunning { try? await Task.sleep(for: .milliseconds(10)) }
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
            return process.terminationStatus
        }
    }

    static func json(_ object: Any) -> Data { try! JSONSerialization.data(withJSONObject: object) }

    // MARK: MCP

    /// MCP over stdio: one JSON message per line.
    struct MCP {
        let peer: Peer
        var nextID = 1

        mutating func request(_ method: String, _ params: [String: Any] = [:]) async throws -> [String: Any] {
            try await reply(to: send(method, params))
        }

        /// Sends a request without waiting for its reply; its id.
        mutating func send(_ method: String, _ params: [String: Any] = [:]) -> Int {
            let id = nextID
            nextID += 1
            peer.send(ServerTests.json(["jsonrpc": "2.0", "id": id, "method": method, "params": params]) + Data("\n".utf8))
            return id
        }

        func notify(_ method: String, _ params: [String: Any]) {
            peer.send(ServerTests.json(["jsonrpc": "2.0", "method": method, "params": params]) + Data("\n".utf8))
        }

        /// The reply to request `id`, whenever it comes.
        func reply(to id: Int) async throws -> [String: Any] {
            try await peer.next { data -> [String: Any]? in
                // Lines in any order: take the one answering `id`.
                var lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
                guard lines.count > 1 else { return nil }
                for (i, line) in lines.dropLast().enumerated() {
                    if let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any], object["id"] as? Int == id {
                        lines.remove(at: i)
                        data = Data(lines.joined(separator: [UInt8(ascii: "\n")]))
                        return object
                    }
                }
                return nil
            }
        }

        mutating func call(_ tool: String, _ arguments: [String: Any]) async throws -> (text: String, structured: [String: Any], isError: Bool) {
            try await answer(to: send("tools/call", ["name": tool, "arguments": arguments]))
        }

        /// The answer to tools/call `id`.
        func answer(to id: Int) async throws -> (text: String, structured: [String: Any], isError: Bool) {
            let reply = try await reply(to: id)
            let result = try #require(reply["result"] as? [String: Any], "no result: \(reply)")
            let content = try #require((result["content"] as? [[String: Any]])?.first?["text"] as? String)
            let structured = try #require(result["structuredContent"] as? [String: Any])
            return (content, structured, result["isError"] as? Bool ?? false)
        }
    }

    @Test func mcpAnswersAnAgentWithRowsStructuredErrorsAndNoSecret() async throws {
        let peer = try Peer(["mcp", "--sandbox"])
        var mcp = MCP(peer: peer)
        let hello = try await mcp.request("initialize", ["protocolVersion": "2025-06-18", "capabilities": [:], "clientInfo": ["name": "test", "version": "1"]])
        #expect((hello["result"] as? [String: Any])?["serverInfo"].flatMap { ($0 as? [String: Any])?["name"] as? String } == "hmq")
        peer.send(Self.json(["jsonrpc": "2.0", "method": "notifications/initialized"]) + Data("\n".utf8))

        let listed = try await mcp.request("tools/list")
        let names = ((listed["result"] as? [String: Any])?["tools"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
        #expect(names == ["query", "explain", "check", "lookup"])

        // Rows, as structured JSON; a value that found nothing is listed with its reason.
        let found = try await mcp.call("query", ["text": "find phone 14155551234, 19990000000 | show name, tags"])
        #expect(!found.isError)
        #expect(found.text.hasPrefix(#"{"results":[{"columns":["name","tags"],"rows":[{"name":"Ada Lovelace","tags":["vip","customer"]}],"row_count":1,"truncated":false}],"#
            + #""rows":[{"name":"Ada Lovelace","tags":["vip","customer"]}],"columns":["name","tags"],"row_count":1,"truncated":false,"#
            + #""unmatched":[{"type":"phone","value":"19990000000","reason":"no contact","detail":null}],"failures":[],"requests":2,"#
            + #""notes":["1 value matched no contact: 19990000000 (list them with '| unmatched')"],"explain":"","error":null}"#))
        #expect(found.structured["row_count"] as? Int == 1)

        // A syntax error: structured, with the exit code hmq would give and the place.
        let wrong = try await mcp.call("query", ["text": "find phone 14155551234 | shwo name"])
        #expect(wrong.isError)
        let error = try #require(wrong.structured["error"] as? [String: Any])
        #expect(error["kind"] as? String == "syntax")
        #expect(error["exit_code"] as? Int == 3)
        #expect(wrong.structured["requests"] as? Int == 0)
        let diagnostic = try #require((error["diagnostics"] as? [[String: Any]])?.first)
        #expect(diagnostic["line"] as? Int == 1 && diagnostic["column"] as? Int == 26 && diagnostic["end_column"] as? Int == 30)
        #expect(diagnostic["suggestion"] as? String == "did you mean 'show'?")

        // The row cap: 3 of 1,000 rows come back, and the count says how many there were.
        let phones = (1003...1320).map { "1415555\($0 + 1000)" }.joined(separator: ", ")
        let capped = try await mcp.call("query", ["text": "find phone \(phones) | show id", "limit": 3])
        #expect(!capped.isError)
        #expect((capped.structured["rows"] as? [[String: Any]])?.compactMap { $0["id"] as? Int } == [1003, 1004, 1005])
        #expect(capped.structured["truncated"] as? Bool == true)
        #expect((capped.structured["row_count"] as? Int ?? 0) > 250)
        let defaultCap = try await mcp.call("query", ["text": "find phone \(phones) | show id"])
        #expect((defaultCap.structured["rows"] as? [Any])?.count == AgentTools.defaultRowLimit)

        // explain sends nothing and shows no credential; check gives every diagnostic; lookup gives the report.
        let explained = try await mcp.call("explain", ["text": "find phone 14155551234"])
        #expect((explained.structured["explain"] as? String)?.contains("POST http://127.0.0.1:") == true)
        let checked = try await mcp.call("check", ["text": "find phone 1 | shwo\nfind email | show"])
        #expect((checked.structured["diagnostics"] as? [[String: Any]])?.compactMap { $0["line"] as? Int } == [1, 2])
        let looked = try await mcp.call("lookup", ["phone": ["12123000009"], "email": ["nobody@example.com"]])
        #expect(!looked.isError)
        #expect((looked.structured["contacts"] as? [Any])?.count == 1)
        // A contact no field ties to either value (a second phone): exact attribution asks which found it.
        #expect(looked.text.contains(#""unmatched":[{"type":"email","value":"nobody@example.com"}],"undetermined":[]"#), "\(looked.text)")

        // save would write files on the agent's behalf: refused, with the place.
        let save = try await mcp.call("query", ["text": "find phone 14155551234 | save \"x.csv\""])
        #expect(save.isError && (save.structured["error"] as? [String: Any])?["exit_code"] as? Int == 2)

        // Arguments of the wrong type are errors that name them, never ignored.
        for (arguments, message) in [(["text": "find phone 1", "limit": "5"], "'limit' must be a whole number from 0 to 1000, not the string \"5\""),
                                     (["text": "find phone 1", "limit": -1], "'limit' must be a whole number from 0 to 1000, not the number -1"),
                                     (["text": 5], "'text' must be a string of hmq text, not the number 5")] as [([String: Any], String)] {
            let refused = try await mcp.call("query", arguments)
            #expect(refused.isError && (refused.structured["error"] as? [String: Any])?["message"] as? String == message)
        }
        // skip_invalid (its former name skipInvalid still works) leaves an invalid value out; without it, nothing is sent.
        let refusedInvalid = try await mcp.call("lookup", ["phone": ["14155551234", "12"]])
        #expect(refusedInvalid.isError && (refusedInvalid.structured["error"] as? [String: Any])?["message"] as? String == "1 invalid value; nothing was sent (skip_invalid: true leaves them out)",
                "\(refusedInvalid.text)")
        // The report all the same, as hmq search --report gives it: the invalid value listed, the other not searched, no request.
        #expect((refusedInvalid.structured["invalid"] as? [[String: Any]])?.first?["value"] as? String == "12", "\(refusedInvalid.text)")
        #expect((refusedInvalid.structured["not_searched"] as? [[String: Any]])?.first?["value"] as? String == "14155551234")
        #expect(refusedInvalid.structured["requests"] as? Int == 0)
        for name in ["skip_invalid", "skipInvalid"] {
            let skipped = try await mcp.call("lookup", ["phone": ["14155551234", "12"], name: true])
            #expect((skipped.structured["contacts"] as? [Any])?.count == 1 && (skipped.structured["invalid"] as? [Any])?.count == 1, "\(name): \(skipped.text)")
        }
        let numbers = try await mcp.call("lookup", ["phone": [14155551234]])
        #expect((numbers.structured["error"] as? [String: Any])?["message"] as? String
                == "'phone' must be an array of strings; it holds the number 14155551234 (quote numbers: \"14155551234\")")

        // A pattern that can never match is found before anything is sent, by check and by query.
        let pattern = "find phone 14155551234 | where name matches \"(a)\\\\1\""
        let badPattern = try await mcp.call("check", ["text": pattern])
        #expect(badPattern.structured["ok"] as? Bool == false)
        let ranPattern = try await mcp.call("query", ["text": pattern])
        #expect(ranPattern.isError && ranPattern.structured["requests"] as? Int == 0)

        // The key, written by the agent into a text it checks or runs, comes back in no answer (nor any 16 characters of it).
        for tool in ["check", "query", "explain"] {
            for text in ["find phone sk_demo_sandbox_not_a_real_key", "find phone \"sk_demo_sandbox_not_a_real_key\"", "find phone \"demo_sandbox_not_a_re\" | shwo"] {
                let answer = try await mcp.call(tool, ["text": text])
                #expect(!answer.text.contains("demo_sandbox_not"), "\(tool) \(text): \(answer.text)")
            }
        }
        let checkedKey = try await mcp.call("check", ["text": "find phone sk_demo_sandbox_not_a_real_key"])
        #expect(checkedKey.text.contains("found '****'"), "\(checkedKey.text)")

        // The grammar is a resource.
        let grammar = try await mcp.request("resources/read", ["uri": "hmq://docs/grammar"])
        #expect(((grammar["result"] as? [String: Any])?["contents"] as? [[String: Any]])?.first?["text"] as? String == EmbeddedDocs.grammar)

        #expect(await peer.finish() == 0)
        // stdout held protocol messages only, and no message held the key.
        let everything = String(decoding: peer.stdout, as: UTF8.self) + peer.stderr
        #expect(!everything.contains("sk_demo_sandbox_not_a_real_key"))
        #expect(!everything.contains("eyJ"))  // no JWT either
    }

    /// An agent branches on a diagnostic's `id`, as a program reading `--error-format json` does.
    @Test func mcpDiagnosticsCarryTheIdOfTheirKind() async throws {
        let peer = try Peer(["mcp", "--sandbox"])
        var mcp = MCP(peer: peer)
        _ = try await mcp.request("initialize", ["protocolVersion": "2025-06-18", "capabilities": [:], "clientInfo": ["name": "test", "version": "1"]])
        peer.send(Self.json(["jsonrpc": "2.0", "method": "notifications/initialized"]) + Data("\n".utf8))
        for (tool, text, id) in [("query", "find phone 14155551234 | show nmae", "unknown-field"),
                                 ("query", "find phone 14155551234, 12 | show name", "invalid-values"),
                                 ("query", "find phone file \"ids.txt\" | show name", "not-permitted"),
                                 ("query", "find phone 14155551234 | save \"x.csv\"", "not-permitted"),
                                 ("query", "$r | show name", "unbound-variable"),
                                 ("check", "find phone 1 | shwo", "unknown-stage")] {
            let answer = try await mcp.call(tool, ["text": text])
            let diagnostics = tool == "check" ? answer.structured["diagnostics"] : (answer.structured["error"] as? [String: Any])?["diagnostics"]
            let first = try #require((diagnostics as? [[String: Any]])?.first, "\(text): \(answer.text)")
            #expect(first["id"] as? String == id, "\(text): \(first)")
        }
        #expect(await peer.finish() == 0)
    }

    /// An agent is an untrusted caller: it reads no environment, writes no file
    /// (save, checkpoint) and reads files only under --allow-read, by their real path.
    @Test func mcpConfinesTheAgentToWhatTheUserAllowed() async throws {
        let allowed = FileManager.default.temporaryDirectory.appendingPathComponent("hmq-allowed-\(UUID())")
        try FileManager.default.createDirectory(at: allowed, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: allowed) }
        try Data("14155551234\n".utf8).write(to: allowed.appendingPathComponent("phones.txt"))
        try FileManager.default.createSymbolicLink(atPath: allowed.appendingPathComponent("passwd").path, withDestinationPath: "/etc/passwd")
        #expect(mkfifo(allowed.appendingPathComponent("fifo").path, 0o600) == 0)
        let links = ["fd0": "/proc/self/fd/0", "stdin": "/dev/stdin", "etc": "/etc", "dangling": "/nonexistent-hmq/secret"]
        for (name, destination) in links {
            try FileManager.default.createSymbolicLink(atPath: allowed.appendingPathComponent(name).path, withDestinationPath: destination)
        }
        let checkpoint = allowed.appendingPathComponent("agent.ckpt").path

        let peer = try Peer(["mcp", "--sandbox", "--allow-read", allowed.path], environment: ["AWS_SECRET_ACCESS_KEY": "topsecret-aws-value-123"])
        var mcp = MCP(peer: peer)
        _ = try await mcp.request("initialize", ["protocolVersion": "2025-06-18", "capabilities": [:], "clientInfo": ["name": "test", "version": "1"]])
        let refusals: [(String, String)] = [
            ("explain find any $env.AWS_SECRET_ACCESS_KEY", "$env is not available to an agent (hmq mcp)"),
            ("find any $env.HOME", "$env is not available to an agent (hmq mcp)"),
            ("set invalid skip; find any file \"/etc/passwd\" | unmatched", "reads only files under"),
            ("find any file \"\(allowed.path)/passwd\"", "reads only files under"),
            ("find any file \"\(allowed.path)/../../etc/passwd\"", "reads only files under"),
            ("find any csv \"/etc/passwd\" column 1", "reads only files under"),
            ("find phone file \"-\"", "reads only files under"),
            ("find phone file \"\(allowed.path)/fifo\"", "reads only regular files"),
            // A link to the protocol's own stdin, through /proc or /dev.
            ("find phone file \"\(allowed.path)/fd0\"", "reads only files under"),
            ("find phone file \"\(allowed.path)/stdin\"", "reads only files under"),
            // Outside, a file that is not there is refused like one that is: its existence is not told.
            ("find phone file \"\(allowed.path)/etc/passwd\"", "reads only files under"),
            ("find phone file \"\(allowed.path)/etc/no-such-file-hmq\"", "reads only files under"),
            ("find phone file \"\(allowed.path)/etc/../no-such-file-hmq\"", "reads only files under"),
            ("find phone file \"\(allowed.path)/dangling\"", "reads only files under"),
            // Inside, it is simply not there.
            ("find phone file \"\(allowed.path)/missing.txt\"", "no such file"),
            ("set checkpoint \"\(checkpoint)\"; find phone 14155551234", "checkpoint is not available to an agent"),
        ]
        for (text, message) in refusals {
            let answer = try await mcp.call("query", ["text": text])
            #expect(answer.isError, "\(text): \(answer.text)")
            #expect(answer.text.contains(message), "\(text): \(answer.text)")
            #expect(answer.structured["requests"] as? Int == 0, "\(text)")
            #expect(!answer.text.contains("topsecret") && !answer.text.contains("root:"), "\(text): \(answer.text)")
        }
        #expect(!FileManager.default.fileExists(atPath: checkpoint))
        // What the user allowed is read.
        let allowedRead = try await mcp.call("query", ["text": "find phone file \"\(allowed.path)/phones.txt\" | show id"])
        #expect(!allowedRead.isError, "\(allowedRead.text)")
        #expect((allowedRead.structured["rows"] as? [[String: Any]])?.compactMap { $0["id"] as? Int } == [1001])
        #expect(await peer.finish() == 0)
        #expect(!peer.stderr.contains("topsecret"))

        // Without --allow-read no file is read at all; a directory that is not there is a usage error.
        let closed = try Peer(["mcp", "--sandbox"])
        var agent = MCP(peer: closed)
        _ = try await agent.request("initialize", ["protocolVersion": "2025-06-18", "capabilities": [:], "clientInfo": ["name": "test", "version": "1"]])
        let none = try await agent.call("query", ["text": "find phone file \"\(allowed.path)/phones.txt\""])
        #expect(none.isError && none.text.contains("files are not available to an agent (hmq mcp): start it with --allow-read DIR"), "\(none.text)")
        #expect(await closed.finish() == 0)
        let missing = try await HMQProcess.run(["mcp", "--sandbox", "--allow-read", "/nonexistent-hmq-dir"])
        #expect(missing.status == 2 && missing.stderr.contains("--allow-read /nonexistent-hmq-dir: no such directory"), "\(missing.stderr)")
    }

    @Test func mcpAnswersRequestsSentJustBeforeStdinCloses() async throws {
        let peer = try Peer(["mcp", "--sandbox"])
        let messages: [[String: Any]] = [
            ["jsonrpc": "2.0", "id": 1, "method": "initialize", "params": ["protocolVersion": "2025-06-18", "capabilities": [:], "clientInfo": ["name": "t", "version": "1"]]],
            ["jsonrpc": "2.0", "method": "notifications/initialized"],
            ["jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": ["name": "query", "arguments": ["text": "find phone 14155551234 | show name"]]],
        ]
        peer.send(messages.map { Self.json($0) + Data("\n".utf8) }.reduce(Data(), +))
        #expect(await peer.finish() == 0)
        let lines = String(decoding: peer.stdout, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.contains { $0.contains(#"\"rows\":[{\"name\":\"Ada Lovelace\"}]"#) })
    }

    @Test func mcpRunsASessionsCallsInTheOrderTheyCame() async throws {
        let peer = try Peer(["mcp", "--sandbox"])
        func call(_ id: Int, _ tool: String, _ arguments: [String: Any]) -> Data {
            Self.json(["jsonrpc": "2.0", "id": id, "method": "tools/call", "params": ["name": tool, "arguments": arguments]]) + Data("\n".utf8)
        }
        // All in one write: each call needs the one before it.
        peer.send(Self.json(["jsonrpc": "2.0", "id": 1, "method": "initialize",
                             "params": ["protocolVersion": "2025-06-18", "capabilities": [:], "clientInfo": ["name": "t", "version": "1"]]]) + Data("\n".utf8)
                  + call(2, "query", ["text": "let a = find phone 14155551234, 14155559876"])
                  + call(3, "query", ["text": "$a | show name"])
                  + call(4, "query", ["text": "set batch 1"])
                  + call(5, "explain", ["text": "find phone 14155551234, 14155559876"]))
        #expect(await peer.finish() == 0)
        var replies: [Int: [String: Any]] = [:]
        for line in String(decoding: peer.stdout, as: UTF8.self).split(separator: "\n") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], let id = object["id"] as? Int,
                  let result = object["result"] as? [String: Any] else { continue }
            replies[id] = result["structuredContent"] as? [String: Any]
        }
        #expect(replies[2]?["requests"] as? Int == 1)
        #expect((replies[3]?["rows"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["Ada Lovelace", "José Núñez"])
        #expect(replies[3]?["requests"] as? Int == 0)
        // explain sees the session's settings: batch 1 makes two requests.
        #expect((replies[5]?["explain"] as? String)?.contains("2 requests (batch 1") == true)
    }

    @Test func mcpAnswersABadIdOrABadLineWithIdNullAndStaysLive() async throws {
        let peer = try Peer(["mcp", "--sandbox"])
        var mcp = MCP(peer: peer)
        _ = try await mcp.request("initialize", ["protocolVersion": "2025-06-18", "capabilities": [:], "clientInfo": ["name": "t", "version": "1"]])
        let call = #""method":"tools/call","params":{"name":"query","arguments":{"text":"find phone 14155551234 | show name"}}"#
        // (what is sent, the error code of its answer)
        let bad = [(#"{"jsonrpc":"2.0","id":1.5,\#(call)}"#, -32600), (#"{"jsonrpc":"2.0","id":true,\#(call)}"#, -32600),
                   (#"{"jsonrpc":"2.0","id":{},\#(call)}"#, -32600), (#"{"jsonrpc":"2.0","id":[],\#(call)}"#, -32600),
                   (#"{"jsonrpc":"2.0","id":null,\#(call)}"#, -32600), ("this is not json {", -32700), (#"{"jsonrpc":"2.0","id":7,"#, -32700)]
        for (line, code) in bad {
            peer.send(Data((line + "\n").utf8))
            let answer = try await peer.next { data -> [String: Any]? in
                guard let end = data.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
                let first = data[..<end]
                data.removeSubrange(...end)
                return (try? JSONSerialization.jsonObject(with: Data(first))) as? [String: Any] ?? [:]
            }
            #expect(answer.keys.contains("id") && answer["id"] is NSNull, "\(line): \(answer)")
            #expect((answer["error"] as? [String: Any])?["code"] as? Int == code, "\(line): \(answer)")
            // The server is still live: the next call is answered.
            let next = try await mcp.call("query", ["text": "find phone 14155551234 | show name"])
            #expect(!next.isError && next.text.contains("Ada Lovelace"), "after \(line): \(next.text)")
        }
        #expect(await peer.finish() == 0)
    }

    /// Messages the SDK alone would leave unanswered (a batch with one member it
    /// cannot read, a request that also carries `result`) or answer with a made-up
    /// id are answered by their id (or null), and stdin closing ends the server at
    /// once: a request never answered would hold it for minutes. (Found by FuzzMCP.)
    @Test func mcpAnswersEveryRequestOfABatchWithABadMemberAndNeverMakesUpAnId() async throws {
        let peer = try Peer(["mcp", "--sandbox"])
        let lines = [
            #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#,
            #"[{"jsonrpc":"3.0","id":7,"method":"ping"},{"jsonrpc":"2.0","id":8,"method":"ping"},5,{"jsonrpc":"2.0","id":9,"result":{}}]"#,
            #"{"jsonrpc":"2.0","id":10,"method":"ping","result":{}}"#,
            #"{"jsonrpc":"3.0","id":"eleven","method":"ping"}"#,
            #"{"jsonrpc":"2.0","method":5}"#,
        ]
        peer.send(Data(lines.map { $0 + "\n" }.joined().utf8))
        #expect(await peer.finish() == 0, "stdin closed: the server ends with every request answered")
        var answers: [(id: String, code: Int?)] = []
        for line in String(decoding: peer.stdout, as: UTF8.self).split(separator: "\n") {
            let json = try JSONSerialization.jsonObject(with: Data(line.utf8))
            for object in (json as? [[String: Any]]) ?? [json as? [String: Any] ?? [:]] {
                answers.append(("\(object["id"] ?? "none")", (object["error"] as? [String: Any])?["code"] as? Int))
            }
        }
        let expected: [(id: String, code: Int?)] = [("1", nil), ("7", -32600), ("<null>", -32600), ("8", nil), ("10", -32600), ("eleven", -32600), ("<null>", -32600)]
        #expect(answers.map(\.id).sorted() == expected.map(\.id).sorted(), "each request once, the response 9 not at all, no made-up id: \(answers)")
        for (id, code) in expected {
            #expect(answers.contains { $0.id == id && $0.code == code }, "\(id): \(answers)")
        }
    }

    static var initialize: [String: Any] { ["protocolVersion": "2025-06-18", "capabilities": [:], "clientInfo": ["name": "t", "version": "1"]] }

    @Test func mcpAnswersAreBoundedWhateverTheyHold() async throws {
        let peer = try Peer(["mcp", "--sandbox"])
        var mcp = MCP(peer: peer)
        _ = try await mcp.request("initialize", Self.initialize)
        // 2,000 values that find nothing, limit 1: one is listed, the rest counted.
        let misses = (0..<2000).map { String(19_990_000_000 + $0) }
        let missed = try await mcp.call("query", ["text": "find phone \(misses.joined(separator: ", ")) | show id", "limit": 1])
        #expect(!missed.isError, "\(missed.text.prefix(500))")
        #expect((missed.structured["unmatched"] as? [Any])?.count == 1)
        #expect((missed.structured["omitted"] as? [String: Any])?["unmatched"] as? Int == 1999, "\(missed.text.prefix(2000))")
        #expect((missed.structured["hint"] as? String)?.contains("1999 unmatched") == true, "\(missed.text.prefix(2000))")
        #expect(missed.text.utf8.count < 10_000, "\(missed.text.utf8.count) bytes")
        // explain of 10,000 values: cut to 65,536 characters, saying how many more there were.
        let many = (0..<10_000).map { String(19_990_000_000 + $0) }.joined(separator: ", ")
        let explained = try await mcp.call("explain", ["text": "find phone \(many)"])
        let text = try #require(explained.structured["explain"] as? String)
        #expect(text.count < AgentTools.textLimit + 40 && text.hasSuffix(" more characters)"), "\(text.count) characters: \(text.suffix(100))")
        #expect(await peer.finish() == 0)
    }

    @Test func aServersHugeErrorMessageIsCutInAnswersAndOnStderr() async throws {
        let huge = String(repeating: "x", count: 2_000_000)
        let server = try ChaosServer { _, _ in .answer(status: 400, body: #"{"message":"\#(huge)"}"#) }
        defer { server.stop() }
        let credentials = ["HEYMARKET_SECRET_ID": "chaos-id", "HEYMARKET_SECRET_KEY": "sk_chaos_key_never_shown_0123"]
        let cli = try await HMQProcess.run(["--base-url", server.url, "--rate", "0", "--retries", "1", "-e", "find phone 14155551234"], environment: credentials)
        #expect(cli.status == 4, "\(cli.stderr.prefix(500))")
        #expect(cli.stderr.contains("x… (1999000 more characters)"), "\(cli.stderr.prefix(500))")
        #expect(cli.stderr.utf8.count < 5000, "\(cli.stderr.utf8.count) bytes on stderr")

        let peer = try Peer(["mcp", "--base-url", server.url, "--rate", "0", "--retries", "1"], environment: credentials)
        var mcp = MCP(peer: peer)
        _ = try await mcp.request("initialize", Self.initialize)
        for (tool, arguments) in [("query", ["text": "find phone 14155551234"]), ("lookup", ["phone": ["14155551234"]])] as [(String, [String: Any])] {
            let answer = try await mcp.call(tool, arguments)
            #expect(answer.isError)
            #expect(answer.text.contains("x… (1999000 more characters)"), "\(tool): \(answer.text.prefix(500))")
            #expect(answer.text.utf8.count < 10_000, "\(tool): \(answer.text.utf8.count) bytes")
        }
        #expect(await peer.finish() == 0)
    }

    @Test func mcpReadsAMessageJustUnderTheCapAndRefusesOneOverItAndStaysLive() async throws {
        let peer = try Peer(["mcp", "--sandbox"])
        var mcp = MCP(peer: peer)
        _ = try await mcp.request("initialize", Self.initialize)
        // Just under 1 MB (1,048,576 bytes): read and answered.
        let under = try await mcp.call("check", ["text": "# " + String(repeating: "x", count: 1_000_000) + "\nfind phone 14155551234"])
        #expect(!under.isError && under.structured["ok"] as? Bool == true)
        // Over it: answered with -32600 naming the request, and discarded.
        func answer(to line: String) async throws -> [String: Any] {
            peer.send(Data((line + "\n").utf8))
            return try await peer.next { data -> [String: Any]? in
                guard let end = data.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
                let first = data[..<end]
                data.removeSubrange(...end)
                return (try? JSONSerialization.jsonObject(with: Data(first))) as? [String: Any] ?? [:]
            }
        }
        let huge = String(repeating: "y", count: 2_000_000)
        let over = try await answer(to: #"{"jsonrpc":"2.0","id":"big-1","method":"tools/call","params":{"name":"check","arguments":{"text":"\#(huge)"}}}"#)
        #expect(over["id"] as? String == "big-1", "\(over)")
        let error = over["error"] as? [String: Any]
        #expect(error?["code"] as? Int == -32600 && (error?["message"] as? String)?.contains("more than the 1048576 a message may be") == true, "\(over)")
        // The id comes after the cap (a nested "id" is not it): answered with "id": null.
        let late = try await answer(to: #"{"jsonrpc":"2.0","method":"tools/call","params":{"id":99,"name":"check","arguments":{"text":"\#(huge)"}},"id":8}"#)
        #expect(late.keys.contains("id") && late["id"] is NSNull, "\(late)")
        #expect((late["error"] as? [String: Any])?["code"] as? Int == -32600)
        // Still live.
        let pong = try await mcp.request("ping")
        #expect(pong["result"] != nil, "\(pong)")
        let next = try await mcp.call("query", ["text": "find phone 14155551234 | show name"])
        #expect(!next.isError && next.text.contains("Ada Lovelace"))
        #expect(await peer.finish() == 0)
    }

    /// Waits (counted polls, up to 30 s) until `test` holds.
    static func eventually(_ what: String, _ test: () -> Bool) async throws {
        for _ in 0..<3000 {
            if test() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("not within 30 s: \(what)")
        throw CancellationError()
    }

    @Test func mcpAnswersPingAndCancelsACallWhileItRunsAndCapsItsTime() async throws {
        // A server that never finishes an answer: every lookup hangs until it is stopped.
        let server = try ChaosServer { _, _ in .stallAfterHeaders(length: 1000) }
        defer { server.stop() }
        let credentials = ["HEYMARKET_SECRET_ID": "chaos-id", "HEYMARKET_SECRET_KEY": "sk_chaos_key_never_shown_0123"]
        let options = ["--base-url", server.url, "--rate", "0", "--timeout", "600", "--retries", "1"]
        let peer = try Peer(["mcp"] + options, environment: credentials)
        var mcp = MCP(peer: peer)
        _ = try await mcp.request("initialize", Self.initialize)

        let slow = mcp.send("tools/call", ["name": "query", "arguments": ["text": "find phone 14155551234 | show name"]])
        try await Self.eventually("the query's request reaches the server") { server.requests.count == 1 }
        // Queued behind it: runs when it is done.
        let queued = mcp.send("tools/call", ["name": "check", "arguments": ["text": "find phone 14155551234"]])
        // Reading goes on while the call runs: ping is answered at once.
        let pong = try await mcp.request("ping")
        #expect(pong["result"] != nil, "\(pong)")
        #expect(!String(decoding: peer.stdout, as: UTF8.self).contains(#""id":\#(queued)"#), "the second call waits for the first")
        // Cancelling the running call answers it, saying so; the queued one then runs.
        mcp.notify("notifications/cancelled", ["requestId": slow, "reason": "test"])
        let cancelled = try await mcp.answer(to: slow)
        #expect(cancelled.isError && cancelled.text.contains("cancelled by the client"), "\(cancelled.text)")
        #expect((cancelled.structured["error"] as? [String: Any])?["kind"] as? String == "interrupted")
        let checked = try await mcp.answer(to: queued)
        #expect(!checked.isError && checked.structured["ok"] as? Bool == true, "\(checked.text)")

        // A lookup, and a call queued behind it cancelled before it starts.
        let lookup = mcp.send("tools/call", ["name": "lookup", "arguments": ["phone": ["14155551234"]]])
        try await Self.eventually("the lookup's request reaches the server") { server.requests.count == 2 }
        let waiting = mcp.send("tools/call", ["name": "query", "arguments": ["text": "let a = find phone 14155559876"]])
        mcp.notify("notifications/cancelled", ["requestId": waiting])
        let dropped = try await mcp.answer(to: waiting)
        #expect(dropped.isError && dropped.text.contains("cancelled before it started"), "\(dropped.text)")
        mcp.notify("notifications/cancelled", ["requestId": lookup])
        let stopped = try await mcp.answer(to: lookup)
        #expect(stopped.isError && stopped.text.contains("cancelled by the client"), "\(stopped.text)")
        // The dropped call never ran: no third request, and the session is live.
        let after = try await mcp.call("query", ["text": "$a | count"])
        #expect(after.isError && after.text.contains("$a is not bound") && server.requests.count == 2, "\(after.text)")
        #expect(await peer.finish() == 0)

        // The time cap: a call past --call-timeout is cancelled and answered with an error naming it.
        let capped = try Peer(["mcp", "--call-timeout", "1"] + options, environment: credentials)
        var agent = MCP(peer: capped)
        _ = try await agent.request("initialize", Self.initialize)
        let late = try await agent.call("query", ["text": "find phone 14155551234"])
        #expect(late.isError && late.text.contains("ran longer than the time cap, 1 s (hmq mcp --call-timeout SECONDS)"), "\(late.text)")
        let next = try await agent.call("check", ["text": "find phone 1"])
        #expect(!next.isError)
        #expect(await capped.finish() == 0)
        let refused = try await HMQProcess.run(["mcp", "--sandbox", "--call-timeout", "0"])
        #expect(refused.status == 2 && refused.stderr.contains("--call-timeout must be"), "\(refused.stderr)")
    }

    @Test func mcpWithoutCredentialsStillChecksAndSaysWhyQueriesCannotRun() async throws {
        let peer = try Peer(["mcp"])
        var mcp = MCP(peer: peer)
        _ = try await mcp.request("initialize", ["protocolVersion": "2025-06-18", "capabilities": [:], "clientInfo": ["name": "t", "version": "1"]])
        let checked = try await mcp.call("check", ["text": "find phone 14155551234"])
        #expect(!checked.isError && checked.structured["ok"] as? Bool == true)
        let query = try await mcp.call("query", ["text": "find phone 14155551234"])
        let error = query.structured["error"] as? [String: Any]
        #expect(query.isError && error?["kind"] as? String == "authentication" && error?["exit_code"] as? Int == 5)
        #expect(await peer.finish() == 0)
    }

    // MARK: LSP

    /// LSP over stdio: Content-Length frames.
    struct LSP {
        let peer: Peer
        var nextID = 1

        func frame(_ object: [String: Any]) -> Data {
            let body = ServerTests.json(object)
            return Data("Content-Length: \(body.count)\r\n\r\n".utf8) + body
        }

        /// A new `hmq lsp`, past `initialize` and `initialized`.
        static func initialized() async throws -> LSP {
            var lsp = LSP(peer: try Peer(["lsp"]))
            _ = try await lsp.request("initialize", ["capabilities": [:]])
            lsp.notify("initialized", [:])
            return lsp
        }

        func notify(_ method: String, _ params: [String: Any]) { peer.send(frame(["jsonrpc": "2.0", "method": method, "params": params])) }

        mutating func request(_ method: String, _ params: [String: Any] = [:]) async throws -> Any? {
            let id = nextID
            nextID += 1
            peer.send(frame(["jsonrpc": "2.0", "id": id, "method": method, "params": params]))
            let reply = try await message { $0["id"] as? Int == id }
            return reply["result"] ?? NSNull()
        }

        /// The next message that passes `test` (messages before it are dropped).
        func message(where test: @escaping ([String: Any]) -> Bool) async throws -> [String: Any] {
            try await peer.next { data -> [String: Any]? in
                while let (object, used) = Self.firstFrame(data) {
                    data.removeFirst(used)
                    if test(object) { return object }
                }
                return nil
            }
        }

        func diagnostics() async throws -> [[String: Any]] {
            let published = try await message { $0["method"] as? String == "textDocument/publishDiagnostics" }
            return ((published["params"] as? [String: Any])?["diagnostics"] as? [[String: Any]]) ?? []
        }

        static func firstFrame(_ data: Data) -> ([String: Any], Int)? {
            guard let end = data.firstRange(of: Data("\r\n\r\n".utf8)) else { return nil }
            let header = String(decoding: data[data.startIndex..<end.lowerBound], as: UTF8.self)
            guard let length = header.split(separator: ":").last.flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }) else { return nil }
            let bodyStart = end.upperBound
            guard data.count - (bodyStart - data.startIndex) >= length else { return nil }
            let body = data[bodyStart..<bodyStart + length]
            guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else { return nil }
            return (object, bodyStart + length - data.startIndex)
        }
    }

    static func range(_ diagnostic: [String: Any]) -> [Int] {
        let range = diagnostic["range"] as? [String: [String: Int]] ?? [:]
        return [range["start"]?["line"], range["start"]?["character"], range["end"]?["line"], range["end"]?["character"]].map { $0 ?? -1 }
    }

    @Test func lspServesDiagnosticsInUTF16CompletionFormattingAndSymbols() async throws {
        let peer = try Peer(["lsp"])
        var lsp = LSP(peer: peer)
        let capabilities = try await lsp.request("initialize", ["capabilities": [:]]) as? [String: Any]
        #expect((capabilities?["capabilities"] as? [String: Any])?["positionEncoding"] as? String == "utf-16")
        lsp.notify("initialized", [:])

        // Two errors, on lines holding é, 李 and 👩‍💻 (1, 1 and 5 UTF-16 units).
        let uri = "file:///tmp/a.hmq"
        let text = "let é = find phone 14155551234 | shwo name\n# 李 👩‍💻\nfind email \"👩‍💻\" | sort last | limt 3\n"
        lsp.notify("textDocument/didOpen", ["textDocument": ["uri": uri, "languageId": "hmq", "version": 1, "text": text]])
        let two = try await lsp.diagnostics()
        #expect(two.map(Self.range) == [[0, 33, 0, 37], [2, 33, 2, 37]])
        #expect(two.first?["message"] as? String == "unknown stage 'shwo'\ndid you mean 'show'?")

        lsp.notify("textDocument/didChange", ["textDocument": ["uri": uri, "version": 2],
                                              "contentChanges": [["text": text.replacingOccurrences(of: "shwo", with: "show")]]])
        let one = try await lsp.diagnostics()
        #expect(one.map(Self.range) == [[2, 33, 2, 37]])
        // An incremental change (a range in UTF-16) fixes the other.
        lsp.notify("textDocument/didChange", ["textDocument": ["uri": uri, "version": 3],
                                              "contentChanges": [["range": ["start": ["line": 2, "character": 33], "end": ["line": 2, "character": 37]], "text": "limit"]]])
        #expect(try await lsp.diagnostics().isEmpty)

        // Completion after `| sh` offers show.
        let partial = "file:///tmp/b.hmq"
        lsp.notify("textDocument/didOpen", ["textDocument": ["uri": partial, "languageId": "hmq", "version": 1, "text": "find phone 1 | sh"]])
        _ = try await lsp.diagnostics()
        let completion = try await lsp.request("textDocument/completion", ["textDocument": ["uri": partial], "position": ["line": 0, "character": 17]]) as? [String: Any]
        #expect((completion?["items"] as? [[String: Any]])?.compactMap { $0["label"] as? String } == ["show"])

        // Hover over a stage gives its help.
        let hover = try await lsp.request("textDocument/hover", ["textDocument": ["uri": uri], "position": ["line": 2, "character": 22]]) as? [String: Any]
        #expect(((hover?["contents"] as? [String: Any])?["value"] as? String)?.contains("| sort FIELD [desc]") == true)

        // Formatting is hmq fmt; symbols are the let bindings.
        let messy = "file:///tmp/c.hmq"
        let messyText = "find   phone 14155551234|show name,tags\nlet  x=find email a@b.com\n"
        lsp.notify("textDocument/didOpen", ["textDocument": ["uri": messy, "languageId": "hmq", "version": 1, "text": messyText]])
        _ = try await lsp.diagnostics()
        let edits = try await lsp.request("textDocument/formatting", ["textDocument": ["uri": messy], "options": ["tabSize": 2, "insertSpaces": true]]) as? [[String: Any]]
        let fmt = try await HMQProcess.run(["fmt", "-"], stdin: messyText)
        #expect(edits?.first?["newText"] as? String == fmt.stdout)
        let symbols = try await lsp.request("textDocument/documentSymbol", ["textDocument": ["uri": messy]]) as? [[String: Any]]
        #expect(symbols?.compactMap { $0["name"] as? String } == ["x"])

        _ = try await lsp.request("shutdown")
        lsp.notify("exit", [:])
        #expect(await peer.finish() == 0)
    }

    /// A change whose range is malformed is refused with a log message (a
    /// notification has no response) and the document stays as it was: it is
    /// never taken for the whole text, so formatting still edits the original.
    @Test func lspRefusesAChangeWithAMalformedRangeAndKeepsTheDocument() async throws {
        var lsp = try await LSP.initialized()
        let peer = lsp.peer
        let uri = "file:///tmp/messy.hmq"
        let text = "find   phone 14155551234|show name,tags\nlet  x=find email a@b.com\n"
        lsp.notify("textDocument/didOpen", ["textDocument": ["uri": uri, "languageId": "hmq", "version": 1, "text": text]])
        #expect(try await lsp.diagnostics().isEmpty)

        func range(_ sl: Any, _ sc: Any, _ el: Any, _ ec: Any) -> [String: Any] {
            ["start": ["line": sl, "character": sc], "end": ["line": el, "character": ec]]
        }
        let malformed: [(range: Any, says: String)] = [
            (range(1.5, 0, 2, 0), "its range's start line is 1.5"),
            (range("1", 0, 2, 0), #"its range's start line is "1""#),
            (range(0, -3, 0, 4), "its range's start character is -3"),
            (range(1, 4, 0, 2), "its range starts (line 1, character 4) after it ends (line 0, character 2)"),
            (range(0, 0, 7, 0), "its range's end (line 7, character 0) is not in the document (lines 0 to 3)"),  // after the line the first change puts in
            (NSNull(), "its range is null"),
        ]
        for (version, change) in malformed.enumerated() {
            // A good change first: the notification is refused whole.
            lsp.notify("textDocument/didChange", ["textDocument": ["uri": uri, "version": version + 2], "contentChanges": [
                ["range": range(0, 0, 0, 0), "text": "# fine\n"], ["range": change.range, "text": "shwo"],
            ]])
            let next = try await lsp.message { _ in true }
            #expect(next["method"] as? String == "window/logMessage", "\(next)")
            let params = next["params"] as? [String: Any]
            #expect(params?["type"] as? Int == 1)
            let said = params?["message"] as? String ?? ""
            #expect(said.contains("a change to \(uri) was refused, and the document is kept as it was: content change 2: " + change.says), "\(said)")
        }
        // Formatting edits the original text, whole: nothing was taken.
        let edits = try await lsp.request("textDocument/formatting", ["textDocument": ["uri": uri], "options": ["tabSize": 2, "insertSpaces": true]]) as? [[String: Any]]
        let fmt = try await HMQProcess.run(["fmt", "-"], stdin: text)
        #expect(edits?.count == 1)
        #expect(edits?.first?["newText"] as? String == fmt.stdout)
        #expect((edits?.first).map(Self.range) == [0, 0, 2, 0])

        _ = try await lsp.request("shutdown")
        lsp.notify("exit", [:])
        #expect(await peer.finish() == 0)
        #expect(!peer.stdout.contains(Data(#""id":null"#.utf8)))
    }

    /// 1,000 range edits in one change on a 20,000-line document are applied
    /// within the reply wait's 3,000 polls (each edit rebuilt the whole text
    /// before, some 70 s in a debug build); the diagnostics show every edit.
    @Test func lspAppliesAThousandEditsToALongDocumentPromptly() async throws {
        var lsp = try await LSP.initialized()
        let peer = lsp.peer
        let uri = "file:///tmp/long.hmq"
        let text = String(repeating: "find phone 14155551234 | show name\n", count: 20_000)
        lsp.notify("textDocument/didOpen", ["textDocument": ["uri": uri, "languageId": "hmq", "version": 1, "text": text]])
        #expect(try await lsp.diagnostics().isEmpty)
        // `show` becomes `shwo` on every 20th line, then a line goes in at the top.
        var changes: [[String: Any]] = (0..<1000).map { i in
            ["range": ["start": ["line": i * 20, "character": 25], "end": ["line": i * 20, "character": 29]], "text": "shwo"]
        }
        changes.append(["range": ["start": ["line": 0, "character": 0], "end": ["line": 0, "character": 0]], "text": "# edited\n"])
        lsp.notify("textDocument/didChange", ["textDocument": ["uri": uri, "version": 2], "contentChanges": changes])
        let diagnostics = try await lsp.diagnostics()
        #expect(diagnostics.count == 1000)
        #expect(diagnostics.map(Self.range) == (0..<1000).map { [$0 * 20 + 1, 25, $0 * 20 + 1, 29] })

        _ = try await lsp.request("shutdown")
        lsp.notify("exit", [:])
        #expect(await peer.finish() == 0)
    }

    @Test func lspRefusesABrokenFrameWithAMessageAndExitsNonZero() async throws {
        let peer = try Peer(["lsp"])
        peer.send(Data("Content-Length: banana\r\n\r\n{}".utf8))
        #expect(await peer.finish() != 0)
        #expect(peer.stderr.contains("Content-Length is not a number"))
        #expect(peer.stdout.isEmpty)
    }

    @Test func embeddedDocsMatchTheirFiles() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let grammar = try String(contentsOf: root.appendingPathComponent("grammar/hmq.ebnf"), encoding: .utf8)
        #expect(EmbeddedDocs.grammar == grammar, "run scripts/embed-docs")
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains(EmbeddedDocs.languageGuide.trimmingCharacters(in: .newlines)), "run scripts/embed-docs")
        #expect(EmbeddedDocs.languageGuide.hasPrefix("## The language\n"))
    }
}
