import HMQJSON

/// One client's session of `hmq mcp`: JSON-RPC 2.0 over ``StdioLines``, one
/// message (or batch) per line, with the methods MCP's server side needs
/// (`initialize`, `ping`, `tools/list`, `tools/call`, `resources/list`,
/// `resources/read`) and the notifications it heeds (`notifications/cancelled`;
/// the rest are let go).
///
/// Messages are read in order and answered as they come, except `tools/call`,
/// which runs in a task of its own (through ``CallQueue``: one at a time, in
/// the order they came), so reading never waits for a call: a `ping` or a
/// cancellation is handled while a call runs. Every request gets exactly one
/// answer, with its id; one whose id cannot be read is answered with `"id": null`.
actor MCPSession {
    let agent: AgentTools
    let version: String
    let callTimeout: Duration
    let lines: StdioLines
    let calls = CallQueue()

    /// The protocol versions this server speaks; a client asking for another is answered with the newest.
    static let protocolVersions = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"]

    private var initialized = false
    /// Work still answering requests (calls, and batches holding them), by a serial number.
    private var inFlight: [Int: Task<Void, Never>] = [:]
    private var nextSerial = 0
    /// The running `tools/call` of each request id (written as JSON), which `notifications/cancelled` cancels.
    private var callsByID: [String: Task<JSONValue, Never>] = [:]

    init(agent: AgentTools, version: String, callTimeout: Duration, lines: StdioLines) {
        self.agent = agent
        self.version = version
        self.callTimeout = callTimeout
        self.lines = lines
    }

    /// Reads `lines` until the input ends, then waits until every request read has its answer.
    func run() async throws {
        for try await line in lines.lines() {
            switch line {
            case .message(let bytes): try await receive(bytes)
            case .oversized(let bytes, let id):
                try await write(JSONRPC.error(id: id ?? .null, .init(
                    .invalidRequest, "Invalid Request: the message is \(bytes) bytes, more than the \(lines.limit) a message may be; it was discarded")))
            }
        }
        while let task = inFlight.values.first { await task.value }
    }

    /// One line: a message, or a batch (an array) of them.
    func receive(_ bytes: some Collection<UInt8>) async throws {
        let json: JSONValue
        do { json = try JSONParser.parse(bytes) } catch {
            return try await write(JSONRPC.error(id: .null, .init(.parseError, "Parse error: the message is not JSON (\(error))")))
        }
        switch json {
        case .object(let message):
            switch await answer(message) {
            case nil: return
            case .now(let reply): try await write(reply)
            case .later(let call): track { try? await self.write(await call.value) }
            }
        case .array(let batch) where !batch.isEmpty:
            var replies: [Reply] = []
            for member in batch {
                if let message = member.objectValue {
                    if let reply = await answer(message) { replies.append(reply) }
                } else {
                    replies.append(.now(JSONRPC.error(id: .null, .init(.invalidRequest, "Invalid Request: a batch holds message objects"))))
                }
            }
            guard !replies.isEmpty else { return }
            // The batch is answered with one array, when its last call is done.
            track { [replies] in
                var answers: [JSONValue] = []
                for reply in replies {
                    switch reply {
                    case .now(let answer): answers.append(answer)
                    case .later(let call): answers.append(await call.value)
                    }
                }
                try? await self.write(.array(answers))
            }
        case .array:
            try await write(JSONRPC.error(id: .null, .init(.invalidRequest, "Invalid Request: a batch holds at least one message")))
        default:
            try await write(JSONRPC.error(id: .null, .init(.invalidRequest, "Invalid Request: a message is an object or a batch (an array) of them")))
        }
    }

    /// A request's answer: ready, or the call that will give it.
    enum Reply: Sendable {
        case now(JSONValue)
        case later(Task<JSONValue, Never>)
    }

    /// The answer to one message; nil for a notification or a response, which are not answered.
    private func answer(_ message: JSONObject) async -> Reply? {
        switch JSONRPC.read(message) {
        case .response: return nil
        case .invalid(let id, let failure): return .now(JSONRPC.error(id: id, failure))
        case .notification(let method, let params):
            heed(method, params)
            return nil
        case .request(let id, let method, let params):
            do throws(JSONRPC.Failure) {
                if method == "tools/call" { return .later(try await call(id: id, params)) }
                return .now(JSONRPC.result(id: id, try result(of: method, params)))
            } catch {
                return .now(JSONRPC.error(id: id, error))
            }
        }
    }

    /// The result of a request other than `tools/call`.
    private func result(of method: String, _ params: JSONValue?) throws(JSONRPC.Failure) -> JSONValue {
        switch method {
        case "initialize":
            guard !initialized else { throw .init(.invalidRequest, "Invalid Request: the server is already initialized") }
            guard let asked = params?["protocolVersion"]?.stringValue else {
                throw .init(.invalidParams, "Invalid params: initialize needs params {protocolVersion, capabilities, clientInfo}")
            }
            initialized = true
            let capabilities: JSONValue = ["resources": ["subscribe": false, "listChanged": false], "tools": ["listChanged": false]]
            return [
                "protocolVersion": .string(Self.protocolVersions.contains(asked) ? asked : Self.protocolVersions[0]),
                "capabilities": capabilities,
                "serverInfo": ["name": "hmq", "title": "hmq: Heymarket contact search", "version": .string(version)],
                "instructions": .string(MCPServer.instructions),
            ]
        case "ping":
            return [:]
        case "tools/list":
            return ["tools": .array(MCPServer.tools)]
        case "resources/list":
            return ["resources": .array(MCPServer.resources.map(\.listing))]
        case "resources/read":
            guard let uri = params?["uri"]?.stringValue else { throw .init(.invalidParams, "Invalid params: resources/read needs params {uri}") }
            guard let found = MCPServer.resources.first(where: { $0.uri == uri }) else {
                throw .init(.invalidParams, "Invalid params: no resource \(uri): hmq://docs/grammar and hmq://docs/language are served")
            }
            return ["contents": [["uri": .string(found.uri), "mimeType": .string(found.mimeType), "text": .string(found.text)]]]
        default:
            throw .init(.methodNotFound, "Method not found: \(method)")
        }
    }

    /// Starts `tools/call` `id`: its ticket is taken now, so calls run in the order they were read.
    private func call(id: JSONValue, _ params: JSONValue?) async throws(JSONRPC.Failure) -> Task<JSONValue, Never> {
        guard let name = params?["name"]?.stringValue else { throw .init(.invalidParams, "Invalid params: tools/call needs params {name, arguments}") }
        let given = params?["arguments"] ?? .null
        guard given.isNull || given.objectValue != nil else {
            throw .init(.invalidParams, "Invalid params: a tool's arguments are an object, not \(MCPServer.Arguments.describe(given))")
        }
        let arguments = MCPServer.Arguments(tool: name, values: given.objectValue ?? JSONObject())
        let key = JSONWriter().string(id)
        let (agent, calls, timeout) = (self.agent, self.calls, callTimeout)
        let ticket = await calls.arrive()
        let task = Task {
            let answer = await calls.run(ticket, timeout: timeout) { await MCPServer.call(arguments, agent) }
            answered(key)
            return JSONRPC.result(id: id, MCPServer.result(answer))
        }
        callsByID[key] = task
        return task
    }

    private func answered(_ key: String) { callsByID[key] = nil }

    /// A notification: `notifications/cancelled` stops the call it names; the rest need nothing.
    private func heed(_ method: String, _ params: JSONValue?) {
        guard method == "notifications/cancelled", let id = params?["requestId"], JSONRPC.isID(id) else { return }
        callsByID[JSONWriter().string(id)]?.cancel()
    }

    /// Runs `work` in a task of its own, waited for before the session ends.
    private func track(_ work: @escaping @Sendable () async -> Void) {
        let serial = nextSerial
        nextSerial += 1
        inFlight[serial] = Task {
            await work()
            finished(serial)
        }
    }

    private func finished(_ serial: Int) { inFlight[serial] = nil }

    private func write(_ message: JSONValue) async throws {
        try await lines.write(JSONWriter().bytes(message))
    }
}
