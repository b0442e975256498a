import HMQFormatters
import HMQJSON
import HMQRuntime
import Heymarket
import HeymarketSandbox
@testable import HMQAgent
import Testing

/// The MCP tools as `tools/call` reaches them (``MCPServer/call(_:_:)``):
/// each name dispatched to its tool with its arguments checked, on a client of
/// a sandbox in this process.
@Suite struct AgentToolsTests {
    /// What a `tools/call` of `tool` with `arguments` answers.
    static func call(_ tool: String, _ arguments: JSONValue, _ tools: AgentTools) async -> AgentTools.Answer {
        await MCPServer.call(MCPServer.Arguments(tool: tool, values: arguments.objectValue ?? JSONObject()), tools)
    }

    /// Runs `body` with tools whose client reaches a fresh sandbox, and the sandbox's service (to count its requests).
    static func withTools<T>(_ body: (AgentTools, SandboxService) async throws -> T) async throws -> T {
        let service = SandboxService()
        return try await SandboxServer.with(service: service) { running in
            let client = HeymarketClient(credentials: .secret(id: SandboxConfiguration.demoSecret.id, key: Secret(SandboxConfiguration.demoSecret.key)),
                                         baseURL: try BaseURL(running.baseURL), options: SearchOptions(rateLimit: nil))
            return try await body(AgentTools(client: client, registry: BuiltinFormatters.registry, settings: Settings(), inputs: ScriptInputs()), service)
        }
    }

    @Test func lookupAnswersTheReportOfItsValues() async throws {
        try await Self.withTools { tools, service in
            let answer = await Self.call("lookup", ["phone": ["14155551234", "19990000000"], "email": ["ada@example.com"]], tools)
            #expect(!answer.isError, "\(JSONWriter().string(answer.json))")
            let contacts = answer.json["contacts"]?.arrayValue ?? []
            #expect(contacts.compactMap { $0["contact"]?["id"]?.integerValue } == [1001])
            #expect((answer.json["unmatched"]?.arrayValue ?? []).compactMap { $0["value"]?.stringValue } == ["19990000000"])
            #expect(answer.json["requests"]?.integerValue == Int64(service.statistics.searchRequests))
            #expect(answer.json["error"] == .null)
        }
    }

    @Test func queryRunsHmqTextAndAnswersItsRows() async throws {
        try await Self.withTools { tools, _ in
            let answer = await Self.call("query", ["text": "find phone 14155551234, 14155559876 | show id, name", "limit": 1], tools)
            #expect(!answer.isError, "\(JSONWriter().string(answer.json))")
            #expect(answer.json["columns"] == ["id", "name"])
            #expect(answer.json["row_count"]?.integerValue == 2 && answer.json["truncated"] == true)
            #expect((answer.json["rows"]?.arrayValue ?? []).compactMap { $0["id"]?.integerValue } == [1001])
        }
    }

    @Test func checkAndExplainSendNothing() async throws {
        try await Self.withTools { tools, service in
            let check = await Self.call("check", ["text": "find phone 14155551234 | shwo name"], tools)
            #expect(check.json["ok"] == false)
            #expect((check.json["diagnostics"]?.arrayValue ?? []).first?["suggestion"]?.stringValue == "did you mean 'show'?")
            let explain = await Self.call("explain", ["text": "find phone 14155551234"], tools)
            #expect(!explain.isError && JSONWriter().string(explain.json).contains("POST"), "\(JSONWriter().string(explain.json))")
            #expect(service.statistics.searchRequests == 0)
        }
    }

    @Test func anUnknownToolOrArgumentIsAUsageErrorNamingIt() async throws {
        try await Self.withTools { tools, service in
            let cases: [(String, JSONValue, String)] = [
                ("nothing", [:], "no tool 'nothing': query, explain, check and lookup are offered"),
                ("check", ["text": "find phone 1", "extra": 1], "check takes no argument 'extra' (it takes text)"),
                ("query", ["text": 7], "'text' must be a string of hmq text"),
                ("lookup", ["phone": "14155551234"], "'phone' must be an array of strings"),
            ]
            for (tool, arguments, says) in cases {
                let answer = await Self.call(tool, arguments, tools)
                #expect(answer.isError && answer.json["error"]?["kind"] == "usage", "\(tool): \(JSONWriter().string(answer.json))")
                #expect(answer.json["error"]?["message"]?.stringValue?.contains(says) == true, "\(tool): \(JSONWriter().string(answer.json))")
            }
            #expect(service.statistics.searchRequests == 0)
        }
    }

    @Test func lookupTakesSkipInvalidUnderBothItsNames() async throws {
        try await Self.withTools { tools, _ in
            let refused = await Self.call("lookup", ["phone": ["14155551234", "12"]], tools)
            #expect(refused.isError && refused.json["error"]?["kind"] == "usage")
            for name in ["skip_invalid", "skipInvalid"] {
                let answer = await Self.call("lookup", ["phone": ["14155551234", "12"], name: true], tools)
                #expect(!answer.isError, "\(name): \(JSONWriter().string(answer.json))")
                #expect((answer.json["contacts"]?.arrayValue ?? []).compactMap { $0["contact"]?["id"]?.integerValue } == [1001], "\(name)")
            }
        }
    }
}
