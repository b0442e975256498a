import Foundation
import HMQHost
import HMQJSON
import HMQRuntime
import Heymarket
import Logging
import MCP

/// `hmq mcp`: the Model Context Protocol on stdin/stdout, over ``AgentTools``.
///
/// stdout carries protocol messages only; anything else goes to stderr.
public enum MCPServer {
    public static let instructions = """
        hmq looks contacts up in Heymarket by phone number or email. Write hmq text \
        (`find phone 14155551234, email ada@example.com | show name, tags`): call `check` \
        to validate it, `explain` to see the requests it would send, `query` to run it \
        (rows come back as JSON, at most `limit`), `lookup` for plain values. The \
        resources hold the grammar and the language guide.
        """

    /// The tools, with their input schemas.
    public static let tools: [Tool] = [
        Tool(name: "query", title: "Run hmq text",
             description: "Runs hmq text (statements separated by new lines or ';') and returns {results, rows, columns, row_count, truncated, unmatched, failures, requests, notes, explain, error}: results has one {columns, rows, row_count, truncated} per pipeline, rows/columns/row_count are the last one's; error is null, or {kind, exit_code, message, diagnostics, request_id, details} when it did not finish cleanly. unmatched and failures hold at most `limit` entries; omitted (when present) counts what was cut. `let` and `set` persist between calls, which run one at a time in order. `save` is not available.",
             inputSchema: .object([
                 "type": "object",
                 "properties": .object([
                     "text": .object(["type": "string", "description": "hmq text, e.g. find phone 14155551234 | show name, tags"]),
                     "limit": .object(["type": "integer", "minimum": 0, "maximum": .int(AgentTools.maximumRowLimit),
                                       "description": .string("rows to return at most (default \(AgentTools.defaultRowLimit)); row_count says how many there were")]),
                 ]),
                 "required": ["text"],
             ]),
             annotations: .init(readOnlyHint: true, openWorldHint: true)),
        Tool(name: "explain", title: "Show the requests hmq text would send",
             description: "The HTTP requests a text would send (method, URL, body; never a credential), sending none.",
             inputSchema: .object([
                 "type": "object",
                 "properties": .object(["text": .object(["type": "string"])]),
                 "required": ["text"],
             ]),
             annotations: .init(readOnlyHint: true, idempotentHint: true, openWorldHint: false)),
        Tool(name: "check", title: "Check hmq text",
             description: "Parses hmq text without running it: {ok, diagnostics: [{line, column, end_line, end_column, severity, message, suggestion, notes}]}, lines and columns from 1.",
             inputSchema: .object([
                 "type": "object",
                 "properties": .object(["text": .object(["type": "string"])]),
                 "required": ["text"],
             ]),
             annotations: .init(readOnlyHint: true, idempotentHint: true, openWorldHint: false)),
        Tool(name: "lookup", title: "Look channel values up",
             description: "Looks phone numbers and emails up and returns the report object of `hmq search --report`: every input value with its outcome, and the contacts.",
             inputSchema: .object([
                 "type": "object",
                 "properties": .object([
                     "phone": .object(["type": "array", "items": .object(["type": "string"])]),
                     "email": .object(["type": "array", "items": .object(["type": "string"])]),
                     "values": .object(["type": "array", "items": .object(["type": "string"]), "description": "values whose type the server infers"]),
                     "skipInvalid": .object(["type": "boolean", "description": "leave invalid values out (listed in 'invalid') instead of refusing them all"]),
                 ]),
             ]),
             annotations: .init(readOnlyHint: true, openWorldHint: true)),
    ]

    static let resources: [(resource: Resource, text: String)] = [
        (Resource(name: "hmq grammar", uri: "hmq://docs/grammar", description: "The hmq language's grammar (ISO EBNF), its source of truth.",
                  mimeType: "text/plain"), EmbeddedDocs.grammar),
        (Resource(name: "hmq language guide", uri: "hmq://docs/language", description: "The language by example: values, stages, null, outcomes, phone numbers.",
                  mimeType: "text/markdown"), EmbeddedDocs.languageGuide),
    ]

    /// The time cap of a call when `hmq mcp --call-timeout` does not set one.
    public static let defaultCallTimeout: Duration = .seconds(120)

    /// Serves `tools` on stdin/stdout until stdin closes, then waits for the calls still running.
    /// Calls run one at a time; each is cancelled after `callTimeout`.
    public static func serve(_ agent: AgentTools, version: String, callTimeout: Duration = defaultCallTimeout) async throws {
        try await serve(agent, version: version, callTimeout: callTimeout, over: StdioLines())
    }

    /// Serves `tools` over `lines` (stdin and stdout, or the files of a fuzz run).
    static func serve(_ agent: AgentTools, version: String, callTimeout: Duration, over lines: StdioLines) async throws {
        let server = Server(name: "hmq", version: version, title: "hmq: Heymarket contact search", instructions: instructions,
                            capabilities: .init(resources: .init(subscribe: false, listChanged: false), tools: .init(listChanged: false)))
        let transport = AnsweringTransport(lines)
        let calls = transport.calls
        await server.withMethodHandler(ListTools.self) { _ in .init(tools: tools) }
        await server.withMethodHandler(CallTool.self) { params in
            await calls.run(params, timeout: callTimeout) { await call(params, agent) }
        }
        await server.withMethodHandler(ListResources.self) { _ in .init(resources: resources.map(\.resource)) }
        await server.withMethodHandler(ReadResource.self) { params in
            guard let found = resources.first(where: { $0.resource.uri == params.uri }) else {
                throw MCPError.invalidParams("no resource \(params.uri): hmq://docs/grammar and hmq://docs/language are served")
            }
            return .init(contents: [.text(found.text, uri: found.resource.uri, mimeType: found.resource.mimeType)])
        }
        try await server.start(transport: transport)
        await server.waitUntilCompleted()
        // stdin closed: answer the requests already made before leaving.
        await transport.drained()
        await server.stop()
    }

    /// One tools/call: the answer as JSON text (exact: key order and numbers as
    /// the server sent them) and as structured content.
    static func call(_ params: CallTool.Parameters, _ tools: AgentTools) async -> CallTool.Result {
        // Under `hmq mcp --mask` (or `set mask on`), every answer is masked whole: rows by field, texts by what they hold.
        let masker = await tools.masker
        func result(_ answer: AgentTools.Answer) -> CallTool.Result {
            guard masker.isOn else { return MCPServer.result(answer) }
            return MCPServer.result(AgentTools.Answer(json: masker.value(answer.json, field: nil), isError: answer.isError))
        }
        do throws(ArgumentError) {
            let arguments = Arguments(tool: params.name, values: params.arguments ?? [:])
            switch params.name {
            case "query":
                try arguments.allow(["text", "limit"])
                return result(await tools.query(try arguments.text(), limit: try arguments.limit()))
            case "explain":
                try arguments.allow(["text"])
                return result(await tools.explain(try arguments.text()))
            case "check":
                try arguments.allow(["text"])
                return result(await tools.check(try arguments.text()))
            case "lookup":
                try arguments.allow(["phone", "email", "values", "skipInvalid"])
                return result(await tools.lookup(phones: try arguments.strings("phone"), emails: try arguments.strings("email"),
                                                 untyped: try arguments.strings("values"), skipInvalid: try arguments.bool("skipInvalid")))
            default:
                throw ArgumentError(message: "no tool '\(params.name)': query, explain, check and lookup are offered")
            }
        } catch {
            return result(AgentTools.failure(AgentTools.errorObject(kind: "usage", status: .usage, message: error.message)))
        }
    }

    struct ArgumentError: Error {
        var message: String
    }

    /// A tool's arguments, each checked against its type: a wrong one is an error naming it, never ignored.
    struct Arguments {
        let tool: String
        let values: [String: Value]

        func allow(_ names: Set<String>) throws(ArgumentError) {
            if let unknown = values.keys.sorted().first(where: { !names.contains($0) }) {
                throw ArgumentError(message: "\(tool) takes no argument '\(unknown)' (it takes \(names.sorted().joined(separator: ", ")))")
            }
        }

        func text() throws(ArgumentError) -> String {
            guard let value = values["text"] else { throw ArgumentError(message: "\(tool) needs the argument 'text': hmq text, as a string") }
            guard let text = value.stringValue else { throw ArgumentError(message: "'text' must be a string of hmq text, not \(Self.describe(value))") }
            return text
        }

        func limit() throws(ArgumentError) -> Int {
            guard let value = values["limit"], value != .null else { return AgentTools.defaultRowLimit }
            let number: Int? = value.intValue ?? value.doubleValue.flatMap { $0 == $0.rounded() && abs($0) < 1e9 ? Int($0) : nil }
            guard let number, (0...AgentTools.maximumRowLimit).contains(number) else {
                throw ArgumentError(message: "'limit' must be a whole number from 0 to \(AgentTools.maximumRowLimit), not \(Self.describe(value))")
            }
            return number
        }

        func strings(_ name: String) throws(ArgumentError) -> [String] {
            guard let value = values[name], value != .null else { return [] }
            guard let array = value.arrayValue else { throw ArgumentError(message: "'\(name)' must be an array of strings, not \(Self.describe(value))") }
            var strings: [String] = []
            for element in array {
                guard let text = element.stringValue else {
                    throw ArgumentError(message: "'\(name)' must be an array of strings; it holds \(Self.describe(element)) (quote numbers: \"14155551234\")")
                }
                strings.append(text)
            }
            return strings
        }

        func bool(_ name: String) throws(ArgumentError) -> Bool? {
            guard let value = values[name], value != .null else { return nil }
            guard let flag = value.boolValue else { throw ArgumentError(message: "'\(name)' must be true or false, not \(Self.describe(value))") }
            return flag
        }

        static func describe(_ value: Value) -> String {
            switch value {
            case .null: "null"
            case .bool(let b): "\(b)"
            case .int(let i): "the number \(i)"
            case .double(let d): "the number \(d)"
            case .string(let s): "the string \"\(s.prefix(40))\""
            case .data: "data"
            case .array: "an array"
            case .object: "an object"
            }
        }
    }

    static func result(_ answer: AgentTools.Answer) -> CallTool.Result {
        let text = JSONWriter(indent: nil).string(answer.json)
        let structured = try? JSONDecoder().decode(Value.self, from: Data(text.utf8))
        return CallTool.Result(content: [.text(text: text, annotations: nil, _meta: nil)], structuredContent: structured, isError: answer.isError)
    }
}

/// A transport that counts the requests received and the responses sent, so
/// the server can answer every request before it exits (the SDK ends its loop
/// when stdin closes, while requests are still being handled), and gives each
/// `tools/call` its ticket in ``calls`` as it reads it: the SDK handles each
/// request in a task of its own, and a session's calls (`let` in one, `$name`
/// in the next) must run in order. Reading never waits for a call. It reads
/// and writes stdio with ``StdioLines``: in linear time, a message larger
/// than its cap answered with -32600 and discarded.
actor AnsweringTransport: Transport {
    let base: StdioLines
    nonisolated let calls = CallQueue()
    private var unanswered = Set<String>()
    /// Waiting in ``drained()`` for the last answer.
    private var drainers: [CheckedContinuation<Void, Never>] = []
    nonisolated let logger = Logger(label: "hmq.mcp", factory: { _ in SwiftLogNoOpLogHandler() })

    init(_ base: StdioLines) { self.base = base }

    func connect() async throws {}
    func disconnect() async {}

    func send(_ data: Data) async throws {
        try await base.write(data)
        for id in Self.ids(in: data, withKey: { $0["result"] != nil || $0["error"] != nil }) {
            unanswered.remove(id)
            await calls.drop(id)
        }
        if unanswered.isEmpty { wakeDrainers() }
    }

    func receive() -> AsyncThrowingStream<Data, any Error> {
        let base = self.base
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    for try await line in base.lines() {
                        let received: Data
                        switch line {
                        case .message(let data): received = data
                        case .oversized(let bytes, let id):
                            try await base.write(Self.error(-32600, "Invalid Request: the message is \(bytes) bytes, more than the \(base.limit) a message may be; it was discarded", id: id))
                            continue
                        }
                        // A message the SDK would drop or answer with a made-up id is answered here.
                        guard let screened = try await self.screened(received) else { continue }
                        let data = await self.ticketed(screened)
                        self.received(data)
                        continuation.yield(data)
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// `data` without the messages the SDK would not answer by their id,
    /// each answered here (JSON-RPC -32600, Invalid Request) and taken out, as
    /// text that is not JSON is (-32700, Parse error); nil when nothing is left
    /// for the SDK. Such a request is never the call in flight. (The SDK drops
    /// a request that also carries `result` or `error`, answers one it cannot
    /// read with a made-up id, and fails a whole batch, answering none of its
    /// requests, when one member is not a message it reads.)
    private func screened(_ data: Data) async throws -> Data? {
        guard let json = try? JSONDecoder().decode(Value.self, from: data) else {
            try await base.write(Self.error(-32700, "Parse error: the message is not JSON"))
            return nil
        }
        switch json {
        case .object(let message):
            switch Self.screening(message, inBatch: false) {
            case .pass: return data
            case .drop: return nil
            case .refuse(let answer):
                try await base.write(answer)
                return nil
            }
        case .array(let batch) where !batch.isEmpty:
            var refusals: [Data] = [], rest: [Value] = []
            for member in batch {
                switch member.objectValue.map({ Self.screening($0, inBatch: true) }) ?? .refuse(Self.error(-32600, "Invalid Request: a batch holds message objects")) {
                case .pass: rest.append(member)
                case .drop: break
                case .refuse(let answer): refusals.append(answer)
                }
            }
            guard rest.count < batch.count else { return data }
            if !refusals.isEmpty { try await base.write(Data("[".utf8) + refusals.joined(separator: Data(",".utf8)) + Data("]".utf8)) }
            return rest.isEmpty ? nil : try JSONEncoder().encode(Value.array(rest))
        default:
            try await base.write(Self.error(-32600, "Invalid Request: a message is an object or a batch (an array) of them"))
            return nil
        }
    }

    /// What becomes of one message before the SDK reads it.
    enum Screening {
        /// The SDK reads it (and answers it, when it is a request).
        case pass
        /// A response, in a batch (where the SDK would fail the batch): the server asked nothing, so it is let go.
        case drop
        /// It is answered here with this error.
        case refuse(Data)
    }

    /// Reads `message` as the SDK's server does (alone: as a response, then a request,
    /// then a notification; in a batch: a request when it has an `id`, else a
    /// notification) and says what to do with it.
    static func screening(_ message: [String: Value], inBatch: Bool) -> Screening {
        guard !hasInvalidID(message) else { return .refuse(error(-32600, "Invalid Request: the id must be a string or an integer")) }
        let id = message["id"].flatMap { $0.stringValue != nil || $0.intValue != nil ? $0 : nil }
        guard let data = try? JSONEncoder().encode(Value.object(message)) else { return .refuse(error(-32600, "Invalid Request", id: id)) }
        let decoder = JSONDecoder()
        let response = (try? decoder.decode(Response<AnyCall>.self, from: data)) != nil
        let request = (try? decoder.decode(Request<AnyCall>.self, from: data)) != nil
        let notification = (try? decoder.decode(Message<AnyNote>.self, from: data)) != nil
        if message["method"] != nil, response, !inBatch {
            // Taken for a response, it would never be answered.
            return .refuse(error(-32600, "Invalid Request: a request carries no result or error", id: id))
        }
        let read = inBatch ? (message["id"] != nil ? request : notification) : (response || request || notification)
        if read { return .pass }
        if inBatch, message["method"] == nil, response { return .drop }
        return .refuse(error(-32600, "Invalid Request: a message has jsonrpc 2.0 and a method name (a string)", id: id))
    }

    /// Any method and any notification, as the SDK's server reads them (its own are internal).
    enum AnyCall: MCP.Method {
        static let name = ""
        typealias Parameters = Value
        typealias Result = Value
    }
    struct AnyNote: MCP.Notification {
        static let name = ""
        typealias Parameters = Value
    }

    /// A request (it has a `method`) whose `id` is there and neither a string nor an integer (`1.5`, `true`, `{}`, `[]`,
    /// or `null`, which MCP does not allow).
    static func hasInvalidID(_ message: [String: Value]) -> Bool {
        guard message["method"] != nil, let id = message["id"] else { return false }
        switch id {
        case .string, .int: return false
        default: return true
        }
    }

    /// A JSON-RPC error answer to `id` (`"id": null` when there is none).
    static func error(_ code: Int, _ message: String, id: Value? = nil) -> Data {
        let named = id.flatMap { try? JSONEncoder().encode($0) }.map { String(decoding: $0, as: UTF8.self) } ?? "null"
        return Data(#"{"jsonrpc":"2.0","id":\#(named),"error":{"code":\#(code),"message":"\#(message)"}}"#.utf8)
    }

    /// `data` with a ticket in each `tools/call` (in `params._meta`), in the order they came; a
    /// `notifications/cancelled` takes the call it names out of the line if it has not started.
    private func ticketed(_ data: Data) async -> Data {
        let decoded = try? JSONDecoder().decode(Value.self, from: data)
        switch decoded {
        case .object(let message):
            guard let changed = await ticketed(message) else { return data }
            return (try? JSONEncoder().encode(Value.object(changed))) ?? data
        case .array(let batch):
            var changed = false, messages: [Value] = []
            for element in batch {
                if let object = element.objectValue, let ticketed = await ticketed(object) {
                    messages.append(.object(ticketed))
                    changed = true
                } else {
                    messages.append(element)
                }
            }
            return changed ? (try? JSONEncoder().encode(Value.array(messages))) ?? data : data
        default:
            return data
        }
    }

    /// One message with its ticket; nil when it is no `tools/call`.
    private func ticketed(_ message: [String: Value]) async -> [String: Value]? {
        if message["method"] == .string(CancelledNotification.name), let id = message["params"]?.objectValue?["requestId"],
           id.stringValue != nil || id.intValue != nil {
            await calls.drop("\(id)")
        }
        guard message["method"] == .string(CallTool.name), let id = message["id"], id.stringValue != nil || id.intValue != nil,
              case .object(var params)? = message["params"] else { return nil }
        var meta = params["_meta"]?.objectValue ?? [:]
        meta[CallQueue.ticketKey] = .int(await calls.arrive("\(id)"))
        params["_meta"] = .object(meta)
        var changed = message
        changed["params"] = .object(params)
        return changed
    }

    private func received(_ data: Data) {
        for id in Self.ids(in: data, withKey: { $0["method"] != nil }) { unanswered.insert(id) }
    }

    /// Waits until every request received has its response (at most 10 minutes),
    /// woken by the last answer sent.
    func drained() async {
        guard !unanswered.isEmpty else { return }
        let cap = Task {
            try? await Task.sleep(for: .seconds(600))
            await self.wakeDrainers()
        }
        await withCheckedContinuation { drainers.append($0) }
        cap.cancel()
    }

    private func wakeDrainers() {
        let waiting = drainers
        drainers = []
        for drainer in waiting { drainer.resume() }
    }

    /// The ids of the JSON-RPC messages (one, or a batch) in `data` that pass `test`.
    static func ids(in data: Data, withKey test: ([String: Value]) -> Bool) -> [String] {
        let messages: [[String: Value]]
        if let one = try? JSONDecoder().decode([String: Value].self, from: data) { messages = [one] }
        else if let batch = try? JSONDecoder().decode([[String: Value]].self, from: data) { messages = batch }
        else { return [] }
        return messages.compactMap { message in
            guard test(message), let id = message["id"], id.stringValue != nil || id.intValue != nil else { return nil }
            return "\(id)"
        }
    }
}

extension HMQHost.Host {
    /// `hmq mcp`: serves ``AgentTools`` over stdio on this host's connection
    /// (its profile, `--sandbox`, its settings), until stdin closes. Without
    /// credentials it still starts: `check` and `explain` work, `query` and
    /// `lookup` answer an authentication error. The agent is confined: no
    /// `$env`, no writes, and `file`/`csv` read only regular files under
    /// `allowRead` (none when empty). Each call is cancelled after `callTimeout`.
    public func serveAgent(version: String, allowRead: [String] = [], callTimeout: Duration = MCPServer.defaultCallTimeout) async throws {
        let settings = try settings()
        var inputs = scriptInputs()
        inputs.confinement = try Confinement.agent(readingUnder: allowRead)
        let registry = self.registry
        // Started without credentials, check and explain still work; the rest say why not.
        var noClient: String?
        if !usesSandbox {
            do { _ = try credentials() } catch { noClient = "\(error)" }
        }
        try await withClient(options: settings.searchOptions, needsClient: false) { client in
            try await MCPServer.serve(AgentTools(client: client, registry: registry, settings: settings, inputs: inputs, noClient: noClient), version: version,
                                   callTimeout: callTimeout)
        }
    }
}
