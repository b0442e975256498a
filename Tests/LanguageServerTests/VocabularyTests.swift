import HMQFormatters
import HMQJSON
import LanguageServer
import Testing

/// What `hmq lsp` completes from the host's plugin registry (``LanguageServer/Vocabulary/init(registry:)``):
/// its formats after `| format`, and a format's options after its name.
@Suite struct VocabularyTests {
    /// The labels completed at the end of `text`, a document's one line.
    static func completions(_ text: String, _ server: LanguageServer) -> [String] {
        let uri = "file:///tmp/v.hmq"
        _ = server.handle(["jsonrpc": "2.0", "method": "textDocument/didOpen",
                           "params": ["textDocument": ["uri": .string(uri), "languageId": "hmq", "version": 1, "text": .string(text)]]])
        let answer = server.handle(["jsonrpc": "2.0", "id": 2, "method": "textDocument/completion",
                                    "params": ["textDocument": ["uri": .string(uri)], "position": ["line": 0, "character": .integer(Int64(text.utf16.count))]]])
        return (answer.first?["result"]?["items"]?.arrayValue ?? []).compactMap { $0["label"]?.stringValue }
    }

    @Test func formatsAndTheirOptionsComeFromTheRegistry() {
        let server = LanguageServer(vocabulary: .init(registry: BuiltinFormatters.registry), version: "test")
        _ = server.handle(["jsonrpc": "2.0", "id": 1, "method": "initialize", "params": ["capabilities": [:]]])
        let formats = Self.completions("find phone 1 | format ", server)
        #expect(Set(formats).isSuperset(of: BuiltinFormatters.all.map(\.name)), "\(formats)")
        #expect(Self.completions("find phone 1 | format table --", server).contains("--max-width"))
        // The default vocabulary knows no format.
        let bare = LanguageServer(vocabulary: .init(), version: "test")
        _ = bare.handle(["jsonrpc": "2.0", "id": 1, "method": "initialize", "params": ["capabilities": [:]]])
        #expect(!Self.completions("find phone 1 | format ", bare).contains("csv"))
    }
}
