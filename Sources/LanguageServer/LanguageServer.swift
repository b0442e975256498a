import Foundation
import HMQJSON
import HMQLanguage
import HMQSyntax

/// `hmq lsp`: a Language Server Protocol server for `.hmq` files.
///
/// Serves diagnostics (on open and change, from the parser the CLI uses),
/// completion (HMQLanguage's completer, the REPL's too), hover (its help
/// for stages, statements and settings), formatting (`hmq fmt`) and document symbols
/// (`let` bindings). Positions are UTF-16 code units, as the protocol counts
/// them. Messages are handled one at a time, in order.
public final class LanguageServer {
    /// What checking, completion and hover know of this hmq: settings, fields, formats, plugin stages.
    let vocabulary: LanguageVocabulary
    /// Hover's texts.
    let help: Help
    let version: String
    /// Open documents, by URI.
    private(set) var documents: [String: TextDocument] = [:]
    private var initialized = false
    private var shutdownRequested = false
    /// Set by `exit`: 0 after `shutdown`, else 1 (as the protocol says).
    public private(set) var exitCode: Int32?

    public init(vocabulary: LanguageVocabulary, version: String) {
        self.vocabulary = vocabulary
        help = Help(vocabulary)
        self.version = version
    }

    /// Serves messages from `framing` until `exit` or the end of the input; returns the exit status.
    public func serve(_ framing: MessageFraming, log: (String) -> Void) -> Int32 {
        while exitCode == nil {
            let message: JSONValue?
            do {
                message = try framing.read()
            } catch {
                log("hmq lsp: \(error)")
                return 1
            }
            guard let message else { return shutdownRequested ? 0 : 1 }
            for reply in handle(message) {
                do { try framing.write(reply) } catch {
                    log("hmq lsp: \(error)")
                    return 1
                }
            }
        }
        return exitCode ?? 0
    }

    // MARK: Dispatch

    /// The messages to send in answer to one received message (a response, notifications, or none).
    public func handle(_ message: JSONValue) -> [JSONValue] {
        if let problem = message["_unparsable"]?.stringValue {
            return [Self.error(id: .null, code: -32700, message: "parse error: \(problem)")]
        }
        guard case .object = message, let method = message["method"]?.stringValue else {
            if let id = message["id"] { return [Self.error(id: id, code: -32600, message: "not a request: no method")] }
            return []
        }
        let id = message["id"]
        let params = message["params"] ?? .null
        if method == "exit" {
            exitCode = shutdownRequested ? 0 : 1
            return []
        }
        guard let id else { return notification(method, params) }
        guard id.isJSONRPCID else { return [Self.error(id: .null, code: -32600, message: "the id must be a string or an integer")] }
        if !initialized, method != "initialize" {
            return [Self.error(id: id, code: -32002, message: "the server is not initialized")]
        }
        if shutdownRequested {
            return [Self.error(id: id, code: -32600, message: "the server is shutting down")]
        }
        switch method {
        case "initialize":
            initialized = true
            return [Self.result(id: id, initializeResult)]
        case "shutdown":
            shutdownRequested = true
            return [Self.result(id: id, .null)]
        case "textDocument/completion": return [Self.result(id: id, completion(params))]
        case "textDocument/hover": return [Self.result(id: id, hover(params))]
        case "textDocument/formatting": return [Self.result(id: id, formatting(params))]
        case "textDocument/documentSymbol": return [Self.result(id: id, symbols(params))]
        default: return [Self.error(id: id, code: -32601, message: "method not handled: \(method)")]
        }
    }

    func notification(_ method: String, _ params: JSONValue) -> [JSONValue] {
        guard initialized else { return [] }
        let uri = params["textDocument"]?["uri"]?.stringValue ?? ""
        switch method {
        case "textDocument/didOpen":
            documents[uri] = TextDocument(params["textDocument"]?["text"]?.stringValue ?? "")
            return [publishDiagnostics(uri)]
        case "textDocument/didChange":
            guard var document = documents[uri] else { return [] }
            // The changes apply one after another: when one is malformed none is
            // taken, and the document stays as it was (a notification has no reply: say why in the log).
            for (index, change) in (params["contentChanges"]?.arrayValue ?? []).enumerated() {
                do {
                    try Self.apply(change, to: &document)
                } catch {
                    return [Self.logMessage(type: 1, "hmq lsp: a change to \(uri) was refused, and the document is kept as it was: content change \(index + 1): \(error)")]
                }
            }
            documents[uri] = document
            return [publishDiagnostics(uri)]
        case "textDocument/didClose":
            documents[uri] = nil
            return [Self.notification("textDocument/publishDiagnostics", .object(JSONObject([
                .init(key: "uri", value: .string(uri)), .init(key: "diagnostics", value: .array([])),
            ])))]
        default:
            return []
        }
    }

    var initializeResult: JSONValue {
        .object(JSONObject([
            .init(key: "capabilities", value: .object(JSONObject([
                .init(key: "positionEncoding", value: .string("utf-16")),
                .init(key: "textDocumentSync", value: .object(JSONObject([
                    .init(key: "openClose", value: .bool(true)), .init(key: "change", value: .integer(1)),
                ]))),
                .init(key: "completionProvider", value: .object(JSONObject([
                    .init(key: "triggerCharacters", value: .array(["|", "$", " "].map(JSONValue.string))),
                ]))),
                .init(key: "hoverProvider", value: .bool(true)),
                .init(key: "documentFormattingProvider", value: .bool(true)),
                .init(key: "documentSymbolProvider", value: .bool(true)),
            ]))),
            .init(key: "serverInfo", value: .object(JSONObject([
                .init(key: "name", value: .string("hmq")), .init(key: "version", value: .string(version)),
            ]))),
        ]))
    }

    // MARK: Diagnostics

    func publishDiagnostics(_ uri: String) -> JSONValue {
        let source = Source(name: uri, text: documents[uri]?.text ?? "")
        let diagnostics = vocabulary.check(source).diagnostics.map { d -> JSONValue in
            var message = d.message
            if let suggestion = d.suggestion { message += "\n" + suggestion }
            for note in d.notes { message += "\n" + note }
            let severity: Int64 = switch d.severity { case .error: 1; case .warning: 2; case .note: 3 }
            return .object(JSONObject([
                .init(key: "range", value: Self.range(d.range, in: source)),
                .init(key: "severity", value: .integer(severity)),
                .init(key: "code", value: .string(d.id.rawValue)),
                .init(key: "source", value: .string("hmq")),
                .init(key: "message", value: .string(message)),
            ]))
        }
        return Self.notification("textDocument/publishDiagnostics", .object(JSONObject([
            .init(key: "uri", value: .string(uri)), .init(key: "diagnostics", value: .array(diagnostics)),
        ])))
    }

    // MARK: Completion and hover

    func completion(_ params: JSONValue) -> JSONValue {
        guard let (source, offset) = place(params) else { return .null }
        let before = String(decoding: source.bytes[0..<offset], as: UTF8.self)
        let letNames = Self.letNames(in: source, pluginStages: vocabulary.pluginStages)
        // Paths in a script are read from where hmq runs, as the editor's (the server's) working directory.
        let directory = FileManager.default.currentDirectoryPath
        let completer = Completer(vocabulary: vocabulary, variables: { letNames }, directory: directory)
        let items = completer.complete(before).candidates.map { word -> JSONValue in
            .object(JSONObject([
                .init(key: "label", value: .string(word)),
                .init(key: "kind", value: .integer(kind(of: word))),
            ]))
        }
        return .object(JSONObject([.init(key: "isIncomplete", value: .bool(false)), .init(key: "items", value: .array(items))]))
    }

    /// LSP CompletionItemKind: Keyword 14, Field 5, Variable 6, Property 10, File 17, Value 12.
    func kind(of word: String) -> Int64 {
        if word.hasPrefix("$") { return 6 }
        if StageName.all.contains(word) || Parser.statementKeywords.contains(word) || Parser.findKeywords.contains(word) { return 14 }
        if vocabulary.setting(named: word) != nil { return 10 }
        if vocabulary.contactFields.contains(word) { return 5 }
        if word.hasSuffix("/") || word.contains(".") && !word.hasPrefix("-") { return 17 }
        return 12
    }

    func hover(_ params: JSONValue) -> JSONValue {
        guard let (source, offset) = place(params) else { return .null }
        let tokens = Lexer.tokenize(source).tokens
        guard let index = tokens.firstIndex(where: { $0.range.start <= offset && offset <= $0.range.end && $0.kind == .identifier }) else { return .null }
        let token = tokens[index]
        let word = source.text(token.range).lowercased()
        let previous = index > 0 ? source.text(tokens[index - 1].range).lowercased() : ""
        var text: String?
        if previous == "set", let setting = vocabulary.setting(named: word) {
            text = "set \(setting.name) \(setting.valueHint)\n\n\(setting.summary) (default \(setting.defaultValue); \(setting.flag), \(setting.environmentVariable))"
        } else if let topic = help.topics.first(where: { $0.name == (Self.topicAliases[word] ?? word) }),
                  Self.isKeywordPosition(tokens, index, source) || Self.topicAliases[word] == "find" {
            text = topic.text
        }
        guard let text else { return .null }
        return .object(JSONObject([
            .init(key: "contents", value: .object(JSONObject([
                .init(key: "kind", value: .string("markdown")),
                .init(key: "value", value: .string("```text\n" + text + "\n```")),
            ]))),
            .init(key: "range", value: Self.range(token.range, in: source)),
        ]))
    }

    /// Words whose help is another topic's: `first` is `limit`; the words of a `find` are `find`.
    static let topicAliases: [String: String] = [
        "first": "limit", "phone": "find", "email": "find", "any": "find", "file": "find", "csv": "find", "column": "find",
    ]

    /// Whether the identifier at `index` is where a statement or a stage starts (so `count` the field is not `count` the stage).
    static func isKeywordPosition(_ tokens: [Token], _ index: Int, _ source: Source) -> Bool {
        guard index > 0 else { return true }
        return [.pipe, .newline, .semicolon].contains(tokens[index - 1].kind)
    }

    // MARK: Formatting and symbols

    func formatting(_ params: JSONValue) -> JSONValue {
        let uri = params["textDocument"]?["uri"]?.stringValue ?? ""
        guard let text = documents[uri]?.text else { return .null }
        let source = Source(name: uri, text: text)
        let parsed = Parser.parse(source, pluginStages: vocabulary.pluginStages)
        guard !parsed.hasErrors else { return .array([]) }
        let formatted = ASTPrinter().print(parsed.script)
        guard formatted != text else { return .array([]) }
        return .array([.object(JSONObject([
            .init(key: "range", value: Self.range(SourceRange(start: 0, end: source.bytes.count), in: source)),
            .init(key: "newText", value: .string(formatted)),
        ]))])
    }

    func symbols(_ params: JSONValue) -> JSONValue {
        let uri = params["textDocument"]?["uri"]?.stringValue ?? ""
        guard let text = documents[uri]?.text else { return .null }
        let source = Source(name: uri, text: text)
        let script = Parser.parse(source, pluginStages: vocabulary.pluginStages).script
        return .array(script.statements.compactMap { statement -> JSONValue? in
            guard case .let(let l) = statement else { return nil }
            return .object(JSONObject([
                .init(key: "name", value: .string(l.name.name)),
                .init(key: "detail", value: .string(source.text(l.pipeline.source.range))),
                .init(key: "kind", value: .integer(13)),
                .init(key: "range", value: Self.range(l.range, in: source)),
                .init(key: "selectionRange", value: Self.range(l.name.range, in: source)),
            ]))
        })
    }

    static func letNames(in source: Source, pluginStages: Set<String>) -> [String] {
        Parser.parse(source, pluginStages: pluginStages).script.statements.compactMap { if case .let(let l) = $0 { l.name.name } else { nil } }
    }

    // MARK: Positions and messages

    /// The document and byte offset a `{textDocument, position}` names.
    func place(_ params: JSONValue) -> (Source, Int)? {
        guard let uri = params["textDocument"]?["uri"]?.stringValue, let text = documents[uri]?.text,
              let line = params["position"]?["line"]?.integerValue, let character = params["position"]?["character"]?.integerValue else { return nil }
        let source = Source(name: uri, text: text)
        return (source, source.offset(line: Int(line), utf16Character: Int(character)))
    }

    static func range(_ range: SourceRange, in source: Source) -> JSONValue {
        func position(_ offset: Int) -> JSONValue {
            let p = source.utf16Position(of: offset)
            return .object(JSONObject([.init(key: "line", value: .integer(Int64(p.line))), .init(key: "character", value: .integer(Int64(p.character)))]))
        }
        return .object(JSONObject([.init(key: "start", value: position(range.start)), .init(key: "end", value: position(range.end))]))
    }

    /// A `contentChanges` entry applied to `document`: with no `range` key the
    /// whole text, else the range's replacement. A change that is not
    /// `{range?, text}` with whole non-negative numbers in its range, or whose
    /// range the document cannot hold, is refused and changes nothing.
    static func apply(_ change: JSONValue, to document: inout TextDocument) throws(TextDocument.RangeError) {
        guard let newText = change["text"]?.stringValue else { throw .init(description: "it has no text") }
        guard let range = change["range"] else {
            document = TextDocument(newText)
            return
        }
        guard case .object = range else { throw .init(description: "its range is \(JSONWriter().string(range)), not {start, end}") }
        func position(_ name: String) throws(TextDocument.RangeError) -> TextDocument.Position {
            var numbers: [Int] = []
            for key in ["line", "character"] {
                let value = range[name]?[key]
                guard let number = value?.integerValue, number >= 0, number <= Int64(Int32.max) else {
                    throw .init(description: "its range's \(name) \(key) is \(value.map { JSONWriter().string($0) } ?? "missing"), not a whole number from 0")
                }
                numbers.append(Int(number))
            }
            return .init(line: numbers[0], character: numbers[1])
        }
        try document.replace(from: position("start"), to: position("end"), with: newText)
    }

    static func result(id: JSONValue, _ result: JSONValue) -> JSONValue {
        .object(JSONObject([.init(key: "jsonrpc", value: .string("2.0")), .init(key: "id", value: id), .init(key: "result", value: result)]))
    }

    static func error(id: JSONValue, code: Int64, message: String) -> JSONValue {
        .object(JSONObject([
            .init(key: "jsonrpc", value: .string("2.0")), .init(key: "id", value: id),
            .init(key: "error", value: .object(JSONObject([.init(key: "code", value: .integer(code)), .init(key: "message", value: .string(message))]))),
        ]))
    }

    /// A `window/logMessage` notification (`type` 1 error, 2 warning, 3 info, 4 log).
    static func logMessage(type: Int64, _ message: String) -> JSONValue {
        notification("window/logMessage", .object(JSONObject([.init(key: "type", value: .integer(type)), .init(key: "message", value: .string(message))])))
    }

    static func notification(_ method: String, _ params: JSONValue) -> JSONValue {
        .object(JSONObject([.init(key: "jsonrpc", value: .string("2.0")), .init(key: "method", value: .string(method)), .init(key: "params", value: params)]))
    }
}
