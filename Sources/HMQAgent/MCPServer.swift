import Foundation
import HMQHost
import HMQJSON
import HMQRuntime
import HMQSystem
import Heymarket

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

    /// The tools (`tools/list`), with their input schemas.
    static let tools: [JSONValue] = [
        [
            "name": "query", "title": "Run hmq text",
            "description": "Runs hmq text (statements separated by new lines or ';') and returns {results, rows, columns, row_count, truncated, unmatched, failures, requests, notes, explain, error}: results has one {columns, rows, row_count, truncated} per pipeline, rows/columns/row_count are the last one's; error is null, or {kind, exit_code, message, diagnostics, request_id, details} when it did not finish cleanly. unmatched and failures hold at most `limit` entries; omitted (when present) counts what was cut. `let` and `set` persist between calls, which run one at a time in order. `save` is not available.",
            "inputSchema": [
                "type": "object",
                "properties": [
                    "text": ["type": "string", "description": "hmq text, e.g. find phone 14155551234 | show name, tags"],
                    "limit": ["type": "integer", "minimum": 0, "maximum": .integer(Int64(AgentTools.maximumRowLimit)),
                              "description": .string("rows to return at most (default \(AgentTools.defaultRowLimit)); row_count says how many there were")],
                ],
                "required": ["text"],
            ],
            "annotations": ["readOnlyHint": true, "openWorldHint": true],
        ],
        [
            "name": "explain", "title": "Show the requests hmq text would send",
            "description": "The HTTP requests a text would send (method, URL, body; never a credential), sending none.",
            "inputSchema": ["type": "object", "properties": ["text": ["type": "string"]], "required": ["text"]],
            "annotations": ["readOnlyHint": true, "idempotentHint": true, "openWorldHint": false],
        ],
        [
            "name": "check", "title": "Check hmq text",
            "description": "Parses hmq text without running it: {ok, diagnostics: [{line, column, end_line, end_column, severity, id, message, suggestion, notes}]}, lines and columns from 1; id names the kind of problem (README, \"Errors as data\").",
            "inputSchema": ["type": "object", "properties": ["text": ["type": "string"]], "required": ["text"]],
            "annotations": ["readOnlyHint": true, "idempotentHint": true, "openWorldHint": false],
        ],
        [
            "name": "lookup", "title": "Look channel values up",
            "description": "Looks phone numbers and emails up and returns the report object of `hmq search --report`: every input value with its outcome, and the contacts.",
            "inputSchema": [
                "type": "object",
                "properties": [
                    "phone": ["type": "array", "items": ["type": "string"]],
                    "email": ["type": "array", "items": ["type": "string"]],
                    "values": ["type": "array", "items": ["type": "string"], "description": "values whose type the server infers"],
                    "skip_invalid": ["type": "boolean", "description": "leave invalid values out (listed in 'invalid') instead of refusing them all"],
                ],
            ],
            "annotations": ["readOnlyHint": true, "openWorldHint": true],
        ],
    ]

    /// A document an agent can read (`resources/list`, `resources/read`).
    struct Resource: Sendable {
        var name: String
        var uri: String
        var description: String
        var mimeType: String
        var text: String

        /// As `resources/list` shows it.
        var listing: JSONValue {
            ["name": .string(name), "uri": .string(uri), "description": .string(description), "mimeType": .string(mimeType)]
        }
    }

    static let resources = [
        Resource(name: "hmq grammar", uri: "hmq://docs/grammar", description: "The hmq language's grammar (ISO EBNF), its source of truth.",
                 mimeType: "text/plain", text: EmbeddedDocs.grammar),
        Resource(name: "hmq language guide", uri: "hmq://docs/language", description: "The language by example: values, stages, null, outcomes, phone numbers.",
                 mimeType: "text/markdown", text: EmbeddedDocs.languageGuide),
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
        try await MCPSession(agent: agent, version: version, callTimeout: callTimeout, lines: lines).run()
    }

    /// One tool call's answer, masked whole under `hmq mcp --mask` (or `set mask on`): rows by field, texts by what they hold;
    /// and never holding the session's key (``SecretRedactor``), not even where the agent wrote it into a text it checks.
    static func call(_ arguments: Arguments, _ tools: AgentTools) async -> AgentTools.Answer {
        let masker = await tools.masker
        var answer = await unmasked(arguments, tools)
        if masker.isOn { answer = AgentTools.Answer(json: masker.value(answer.json, field: nil), isError: answer.isError) }
        let redactor = SecretRedactor(tools.secrets)
        guard !redactor.isEmpty else { return answer }
        return AgentTools.Answer(json: redacted(answer.json, redactor), isError: answer.isError)
    }

    /// `value` with what `redactor` hides replaced in every string and key.
    static func redacted(_ value: JSONValue, _ redactor: SecretRedactor) -> JSONValue {
        switch value {
        case .string(let text): .string(redactor.text(text))
        case .array(let values): .array(values.map { redacted($0, redactor) })
        case .object(let object): .object(JSONObject(object.members.map { .init(key: redactor.text($0.key), value: redacted($0.value, redactor)) }))
        default: value
        }
    }

    private static func unmasked(_ arguments: Arguments, _ tools: AgentTools) async -> AgentTools.Answer {
        do throws(ArgumentError) {
            switch arguments.tool {
            case "query":
                try arguments.allow(["text", "limit"])
                return await tools.query(try arguments.text(), limit: try arguments.limit())
            case "explain":
                try arguments.allow(["text"])
                return await tools.explain(try arguments.text())
            case "check":
                try arguments.allow(["text"])
                return await tools.check(try arguments.text())
            case "lookup":
                // `skipInvalid`, its name before every key became snake_case, is still taken.
                try arguments.allow(["phone", "email", "values", "skip_invalid", "skipInvalid"])
                let skip = try arguments.bool("skip_invalid"), formerly = try arguments.bool("skipInvalid")
                return await tools.lookup(phones: try arguments.strings("phone"), emails: try arguments.strings("email"),
                                          untyped: try arguments.strings("values"), skipInvalid: skip ?? formerly)
            default:
                throw ArgumentError(message: "no tool '\(arguments.tool)': query, explain, check and lookup are offered")
            }
        } catch {
            return AgentTools.failure(AgentTools.errorObject(kind: "usage", status: .usage, message: error.message))
        }
    }

    struct ArgumentError: Error {
        var message: String
    }

    /// A tool's arguments, each checked against its type: a wrong one is an error naming it, never ignored.
    struct Arguments: Sendable {
        let tool: String
        let values: JSONObject

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
            guard let value = values["limit"], !value.isNull else { return AgentTools.defaultRowLimit }
            let number = value.integerValue.flatMap { abs($0) < 1_000_000_000 ? Int($0) : nil }
            guard let number, (0...AgentTools.maximumRowLimit).contains(number) else {
                throw ArgumentError(message: "'limit' must be a whole number from 0 to \(AgentTools.maximumRowLimit), not \(Self.describe(value))")
            }
            return number
        }

        func strings(_ name: String) throws(ArgumentError) -> [String] {
            guard let value = values[name], !value.isNull else { return [] }
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
            guard let value = values[name], !value.isNull else { return nil }
            guard case .bool(let flag) = value else { throw ArgumentError(message: "'\(name)' must be true or false, not \(Self.describe(value))") }
            return flag
        }

        static func describe(_ value: JSONValue) -> String {
            switch value {
            case .null: "null"
            case .bool(let b): "\(b)"
            case .integer(let i): "the number \(i)"
            case .double(let d): "the number \(d)"
            case .number(let text): "the number \(text)"
            case .string(let s): "the string \"\(s.prefix(40))\""
            case .array: "an array"
            case .object: "an object"
            }
        }
    }

    /// A `tools/call` result: the answer as JSON text (exact: key order and
    /// numbers as the server sent them) and as structured content.
    static func result(_ answer: AgentTools.Answer) -> JSONValue {
        ["content": [["type": "text", "text": .string(JSONWriter(indent: nil).string(answer.json))]],
         "structuredContent": answer.json, "isError": .bool(answer.isError)]
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
