import Foundation
@_spi(Fuzzing) import HMQAgent
import HMQJSON
import Heymarket
import Testing

/// `hmq mcp`'s JSON-RPC 2.0 on stdin lines, message by message: what each kind
/// of line is answered with (through ``MCPServer/fuzzServe(_:limit:)``: the
/// framing, dispatch and tools of `hmq mcp`, with no client, over files).
@Suite struct MCPProtocolTests {
    static let initialize = #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#

    /// The messages written for `input` (each line parsed; a batch's answer is an array).
    static func serve(_ input: String, limit: Int = 4096) async throws -> [JSONValue] {
        let report = await MCPServer.fuzzServe(Array(input.utf8), limit: limit)
        #expect(report.problem == nil, "\(report.problem ?? "")")
        return try report.answers.map { try JSONParser.parse($0) }
    }

    /// The one answer whose id is `id` (in a batch's array too).
    static func answer(_ id: JSONValue, in answers: [JSONValue]) throws -> JSONValue {
        let all = answers.flatMap { $0.arrayValue ?? [$0] }
        let matching = all.filter { $0["id"] == id }
        try #require(matching.count == 1, "\(matching.count) answers to \(JSONWriter().string(id)): \(answers.map { JSONWriter().string($0) })")
        return matching[0]
    }

    /// (a line, the id it is answered to, the error code, words the message holds)
    static let refusals: [(line: String, id: JSONValue, code: Int64, says: String)] = [
        ("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"", nil, -32700, "Parse error"),
        ("[1, 2", nil, -32700, "Parse error"),
        ("\"just a string\"", nil, -32600, "a message is an object or a batch"),
        ("[]", nil, -32600, "a batch holds at least one message"),
        (#"{"jsonrpc":"2.0","id":3,"method":"prompts/list"}"#, 3, -32601, "Method not found: prompts/list"),
        (#"{"jsonrpc":"2.0","id":"s","method":"nothing/here","params":{}}"#, "s", -32601, "Method not found: nothing/here"),
        (#"{"jsonrpc":"2.0","id":4,"method":"tools/call"}"#, 4, -32602, "tools/call needs params {name, arguments}"),
        (#"{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":7}}"#, 5, -32602, "tools/call needs params {name, arguments}"),
        (#"{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"check","arguments":["find"]}}"#, 6, -32602, "arguments are an object, not an array"),
        (#"{"jsonrpc":"2.0","id":7,"method":"resources/read","params":{"url":"hmq://docs/grammar"}}"#, 7, -32602, "resources/read needs params {uri}"),
        (#"{"jsonrpc":"2.0","id":8,"method":"initialize","params":{}}"#, 8, -32602, "initialize needs params"),
        (#"{"jsonrpc":"1.0","id":9,"method":"ping"}"#, 9, -32600, "jsonrpc 2.0"),
        (#"{"jsonrpc":"2.0","id":{"n":1},"method":"ping"}"#, nil, -32600, "the id must be a string or an integer"),
        (#"{"jsonrpc":"2.0","id":1e2,"method":"ping"}"#, nil, -32600, "the id must be a string or an integer"),
        (#"{"jsonrpc":"2.0","id":99999999999999999999999999,"method":"nothing/here"}"#, .number("99999999999999999999999999"), -32601, "Method not found"),
        (#"{"jsonrpc":"2.0","id":10,"method":"ping","error":{"code":1,"message":"x"}}"#, 10, -32600, "a request carries no result or error"),
    ]

    @Test func aLineThatIsNoRequestItCanServeIsRefusedWithItsCodeAndTheServerGoesOn() async throws {
        for refusal in Self.refusals {
            let answers = try await Self.serve(refusal.line + "\n" + #"{"jsonrpc":"2.0","id":"after","method":"ping"}"# + "\n")
            try #require(answers.count == 2, "\(refusal.line): \(answers)")
            let error = answers[0]["error"]
            #expect(answers[0]["id"] == refusal.id, "\(refusal.line): \(answers[0])")
            #expect(error?["code"] == .integer(refusal.code), "\(refusal.line): \(answers[0])")
            #expect(error?["message"]?.stringValue?.contains(refusal.says) == true, "\(refusal.line): \(answers[0])")
            #expect(answers[0]["result"] == nil)
            #expect(try Self.answer("after", in: answers)["result"] == [:])
        }
    }

    @Test func initializeNegotiatesTheVersionOnceAndNamesTheServer() async throws {
        let answers = try await Self.serve([
            Self.initialize,
            #"{"jsonrpc":"2.0","id":2,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#,
        ].joined(separator: "\n") + "\n")
        let result = try Self.answer(1, in: answers)["result"]
        #expect(result?["protocolVersion"] == "2025-06-18")
        #expect(result?["serverInfo"]?["name"] == "hmq")
        #expect(result?["serverInfo"]?["version"] == "fuzz")
        #expect(result?["capabilities"] == ["resources": ["subscribe": false, "listChanged": false], "tools": ["listChanged": false]])
        #expect(result?["instructions"]?.stringValue == MCPServer.instructions)
        // Only once.
        #expect(try Self.answer(2, in: answers)["error"]?["code"] == -32600)

        // A version this server does not speak is answered with the newest it does.
        let other = try await Self.serve(Self.initialize.replacingOccurrences(of: "2025-06-18", with: "1999-01-01") + "\n")
        #expect(try Self.answer(1, in: other)["result"]?["protocolVersion"] == "2025-11-25")
        for known in ["2024-11-05", "2025-03-26", "2025-11-25"] {
            let asked = try await Self.serve(Self.initialize.replacingOccurrences(of: "2025-06-18", with: known) + "\n")
            #expect(try Self.answer(1, in: asked)["result"]?["protocolVersion"] == .string(known))
        }
    }

    /// As before the server was our own: a client that skips `initialize` is served all the same.
    @Test func aRequestBeforeInitializeIsServed() async throws {
        let answers = try await Self.serve([
            #"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#,
            #"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"check","arguments":{"text":"find phone 14155551234"}}}"#,
        ].joined(separator: "\n") + "\n")
        let names = try Self.answer(1, in: answers)["result"]?["tools"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
        #expect(names == ["query", "explain", "check", "lookup"])
        let checked = try Self.answer(2, in: answers)["result"]
        #expect(checked?["isError"] == false)
        #expect(checked?["structuredContent"]?["ok"] == true)
        #expect(checked?["content"]?.arrayValue?.first?["text"] == #"{"ok":true,"diagnostics":[],"error":null}"#)
    }

    @Test func notificationsAndResponsesAreNeverAnswered() async throws {
        let answers = try await Self.serve([
            #"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
            #"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":99}}"#,
            #"{"jsonrpc":"2.0","method":"no/such/notification","params":[1]}"#,
            #"{"jsonrpc":"2.0","id":5,"result":{}}"#,
            #"[{"jsonrpc":"2.0","method":"notifications/initialized"},{"jsonrpc":"2.0","id":6,"error":{"code":1,"message":"x"}}]"#,
        ].joined(separator: "\n") + "\n")
        #expect(answers.isEmpty, "\(answers)")
    }

    @Test func aBatchIsAnsweredWithOneArrayOnceItsCallsAreDone() async throws {
        let answers = try await Self.serve(#"[{"jsonrpc":"2.0","id":"p","method":"ping"},{"jsonrpc":"2.0","method":"notifications/initialized"},"#
            + #"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"check","arguments":{"text":"find | show"}}},7]"# + "\n")
        try #require(answers.count == 1)
        let batch = try #require(answers[0].arrayValue)
        #expect(batch.count == 3)
        #expect(try Self.answer("p", in: answers)["result"] == [:])
        #expect(try Self.answer(2, in: answers)["result"]?["structuredContent"]?["ok"] == false)
        #expect(try Self.answer(nil, in: answers)["error"]?["code"] == -32600)
    }

    @Test func aLineOverTheCapIsRefusedByItsIdAndTheNextIsRead() async throws {
        let long = #"{"jsonrpc":"2.0","id":"long","method":"tools/call","params":{"name":"check","arguments":{"text":""#
            + String(repeating: "#", count: 10_000) + #""}}}"#
        let answers = try await Self.serve(long + "\n" + #"{"jsonrpc":"2.0","id":2,"method":"ping"}"# + "\n", limit: 1000)
        let refused = try Self.answer("long", in: answers)["error"]
        #expect(refused?["code"] == -32600)
        #expect(refused?["message"]?.stringValue?.contains("the message is \(long.utf8.count) bytes, more than the 1000 a message may be") == true, "\(answers)")
        #expect(try Self.answer(2, in: answers)["result"] == [:])
    }

    @Test func theInputEndingMidLineEndsTheLastMessage() async throws {
        // A whole message without its newline is read and answered.
        let whole = try await Self.serve(#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#)
        #expect(try Self.answer(1, in: whole)["result"] == [:])
        // Half a message is not JSON: answered with a parse error, and the server ends.
        let half = try await Self.serve(#"{"jsonrpc":"2.0","id":1,"method":"ping"}"# + "\n" + #"{"jsonrpc":"2.0","id":2,"meth"#)
        #expect(half.count == 2)
        #expect(try Self.answer(1, in: half)["result"] == [:])
        #expect(try Self.answer(nil, in: half)["error"]?["code"] == -32700)
    }

    @Test func resourcesAreListedAndRead() async throws {
        let answers = try await Self.serve([
            #"{"jsonrpc":"2.0","id":1,"method":"resources/list"}"#,
            #"{"jsonrpc":"2.0","id":2,"method":"resources/read","params":{"uri":"hmq://docs/language"}}"#,
        ].joined(separator: "\n") + "\n")
        let listed = try Self.answer(1, in: answers)["result"]?["resources"]?.arrayValue?.compactMap { $0["uri"]?.stringValue }
        #expect(listed == ["hmq://docs/grammar", "hmq://docs/language"])
        let read = try Self.answer(2, in: answers)["result"]?["contents"]?.arrayValue?.first
        #expect(read?["mimeType"] == "text/markdown")
        #expect(read?["text"]?.stringValue == EmbeddedDocs.languageGuide)
    }
}
