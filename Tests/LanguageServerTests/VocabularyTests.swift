import HMQFormatters
import HMQJSON
import HMQLanguage
import HMQRuntime
import HMQSyntax
import LanguageServer
import Testing

/// The server knows hmq only through the vocabulary it is handed: given the
/// runtime's, it completes its settings and their choices, hovers with a
/// setting's descriptor and reports the runtime's checks (a bad pattern).
@Suite struct VocabularyTests {
    static let uri = "file:///vocabulary.hmq"

    /// A server with hmq's vocabulary (built-in formats) that has opened `text`; the diagnostics it published.
    static func server(opening text: String) throws -> (LanguageServer, [JSONValue]) {
        let server = LanguageServer(vocabulary: LanguageVocabulary(registry: BuiltinFormatters.registry), version: "test")
        _ = server.handle(try JSONParser.parse(#"{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}}"#))
        let open = JSONValue.object(JSONObject([
            .init(key: "jsonrpc", value: .string("2.0")), .init(key: "method", value: .string("textDocument/didOpen")),
            .init(key: "params", value: .object(JSONObject([.init(key: "textDocument", value: .object(JSONObject([
                .init(key: "uri", value: .string(uri)), .init(key: "text", value: .string(text)),
            ])))]))),
        ]))
        let published = server.handle(open).first?["params"]?["diagnostics"]?.arrayValue ?? []
        return (server, published)
    }

    /// The result of `method` at the end of `text`'s only line.
    static func request(_ method: String, _ text: String, character: Int? = nil) throws -> JSONValue? {
        let (server, _) = try server(opening: text)
        let request = try JSONParser.parse("""
            {"jsonrpc": "2.0", "id": 2, "method": "\(method)",
             "params": {"textDocument": {"uri": "\(uri)"}, "position": {"line": 0, "character": \(character ?? text.utf16.count)}}}
            """)
        return server.handle(request).first?["result"]
    }

    static func labels(_ text: String) throws -> [String] {
        try request("textDocument/completion", text)?["items"]?.arrayValue?.compactMap { $0["label"]?.stringValue } ?? []
    }

    @Test(arguments: [
        ("set ", Settings.names.sorted()),
        ("set attribution ", Settings.descriptor(named: "attribution")?.choices.sorted() ?? []),
        ("set format ", BuiltinFormatters.registry.allFormatters.map(\.name).sorted()),
        ("find phone 1 | ", StageName.all.sorted()),
        ("find phone 1 | show tags", ["tags", "tags.name"]),
    ])
    func completesWithTheRuntimesWords(text: String, expected: [String]) throws {
        #expect(!expected.isEmpty)
        #expect(try Self.labels(text) == expected)
    }

    @Test func aSettingNameIsAPropertyAndAFieldAField() throws {
        let items = try Self.request("textDocument/completion", "set bat")?["items"]?.arrayValue ?? []
        #expect(items.map { $0["kind"]?.integerValue } == [10])
        let fields = try Self.request("textDocument/completion", "find phone 1 | show display_n")?["items"]?.arrayValue ?? []
        #expect(fields.map { $0["kind"]?.integerValue } == [5])
    }

    @Test func hoverOnASettingShowsItsDescriptor() throws {
        let descriptor = try #require(Settings.descriptor(named: "batch"))
        let hover = try Self.request("textDocument/hover", "set batch 50", character: 5)?["contents"]?["value"]?.stringValue ?? ""
        #expect(hover.contains("set batch \(descriptor.valueHint)"))
        #expect(hover.contains("\(descriptor.summary) (default \(descriptor.defaultValue); \(descriptor.flag), \(descriptor.environmentVariable))"))
    }

    @Test func aPatternThatCannotCompileIsReported() throws {
        let (_, diagnostics) = try Self.server(opening: "find phone 1 | where name matches \"(\"\n")
        #expect(diagnostics.map { $0["code"]?.stringValue } == [DiagnosticID.invalidPattern.rawValue])
    }

    /// The formats after `| format` and a format's options after its name come from the host's plugin registry.
    @Test func formatsAndTheirOptionsComeFromTheRegistry() throws {
        let formats = try Self.labels("find phone 1 | format ")
        #expect(Set(formats).isSuperset(of: BuiltinFormatters.all.map(\.name)), "\(formats)")
        #expect(try Self.labels("find phone 1 | format table --").contains("--max-width"))
    }
}

/// What the server does with a request's id: it answers with it as sent, or
/// refuses one JSON-RPC does not allow (an object, an array, a fraction) with id null, and goes on.
@Suite struct RequestIDTests {
    @Test func anIdJSONRPCDoesNotAllowIsRefusedAndTheServerGoesOn() throws {
        let (server, _) = try VocabularyTests.server(opening: "find phone 1")
        for id in [#"{"a": 1}"#, "[1]", "1.5", "true", "null"] {
            let answer = server.handle(try JSONParser.parse(#"{"jsonrpc": "2.0", "id": \#(id), "method": "shutdown"}"#))
            #expect(answer.first?["id"] == .null && answer.first?["error"]?["code"] == .integer(-32600), "\(id): \(answer)")
        }
        for (id, echoed) in [("7", JSONValue.integer(7)), (#""s""#, .string("s")), ("99999999999999999999999999", .number("99999999999999999999999999"))] {
            let answer = server.handle(try JSONParser.parse(#"{"jsonrpc": "2.0", "id": \#(id), "method": "textDocument/hover", "params": {}}"#))
            #expect(answer.first?["id"] == echoed && answer.first?["error"] == nil, "\(id): \(answer)")
        }
    }
}
