import Foundation
@_spi(Fuzzing) import HMQSystem
import HMQJSON
import HMQLanguage
import HMQSyntax

/// `hmq lsp` on any bytes, as an editor could send them: the fuzz target
/// FuzzLSP (FuzzTesting/) and its replay in the tests call this, so a crasher
/// is replayed through the code that found it.
@_spi(Fuzzing)
extension LanguageServer {
    /// What serving one input came to.
    public struct FuzzReport: Sendable {
        /// A property the server broke (see ``fuzzServe(_:)``); nil when none.
        public var problem: String?
        /// Messages read and handled.
        public var messages = 0
        /// Why the framing stopped reading, when it did before the input's end or `exit`.
        public var framingError: String?
    }

    /// Reads `bytes` as the messages of an editor, with the server's framing,
    /// and handles each, writing the answers through the framing (to `/dev/null`).
    ///
    /// The properties: every request (an `id` and a `method`, `exit` aside) has
    /// exactly one response, with its id, and a notification none; every answer
    /// writes as JSON that reads back the same; and the document a `didChange`
    /// leaves is the text its changes make of the one before, spliced whole
    /// (a refused change, logged, leaves it as it was).
    ///
    /// `vocabulary` is hmq's (HMQRuntime's `LanguageVocabulary(registry:)`); the
    /// server is given a plugin stage `dedupe` besides, as an hmq with a stage plugin has.
    public static func fuzzServe(_ bytes: [UInt8], vocabulary: LanguageVocabulary) -> FuzzReport {
        var report = FuzzReport()
        let file: ScratchFile
        do { file = try ScratchFile(bytes, name: "fuzz-lsp") } catch {
            report.problem = "\(error)"
            return report
        }
        let input = open(file.path, O_RDONLY | O_CLOEXEC), output = open("/dev/null", O_WRONLY | O_CLOEXEC)
        defer {
            if input >= 0 { close(input) }
            if output >= 0 { close(output) }
        }
        guard input >= 0, output >= 0 else {
            report.problem = "cannot open \(file.path) or /dev/null"
            return report
        }
        let framing = MessageFraming(input: input, output: output)
        var vocabulary = vocabulary
        vocabulary.pluginStages.insert("dedupe")
        let server = LanguageServer(vocabulary: vocabulary, version: "fuzz")
        while server.exitCode == nil {
            let message: JSONValue
            do {
                guard let read = try framing.read() else { break }
                message = read
            } catch {
                report.framingError = "\(error)"
                break
            }
            report.messages += 1
            let uri = message["params"]?["textDocument"]?["uri"]?.stringValue
            let before = uri.flatMap { server.documents[$0]?.text }
            let replies = server.handle(message)
            for reply in replies {
                guard let again = try? JSONParser.parse(JSONWriter().bytes(reply)), again.sameValue(as: reply) else {
                    report.problem = "an answer does not read back as written: \(JSONWriter().string(reply).prefix(200))"
                    return report
                }
                do { try framing.write(reply) } catch {
                    report.problem = "an answer cannot be written: \(error)"
                    return report
                }
            }
            if let problem = problem(answering: message, with: replies) ?? problem(changing: message, from: before, replies: replies, server: server) {
                report.problem = "message \(report.messages): \(problem)"
                return report
            }
        }
        return report
    }

    private static func problem(answering message: JSONValue, with replies: [JSONValue]) -> String? {
        let responses = replies.filter { $0["result"] != nil || $0["error"] != nil }
        guard let id = message["id"], message["method"]?.stringValue != "exit" else {
            return responses.isEmpty || message["_unparsable"] != nil ? nil : "a notification was answered"
        }
        guard responses.count == 1, let answered = responses[0]["id"], answered.sameValue(as: id) else {
            return "request \(JSONWriter().string(id)) has \(responses.count) responses"
        }
        return nil
    }

    /// A `didChange` taken (its diagnostics published) leaves the text its changes make of the one before; one refused (logged), or ignored, leaves it as it was.
    private static func problem(changing message: JSONValue, from before: String?, replies: [JSONValue], server: LanguageServer) -> String? {
        guard message["method"]?.stringValue == "textDocument/didChange", let uri = message["params"]?["textDocument"]?["uri"]?.stringValue else { return nil }
        let after = server.documents[uri]?.text
        guard replies.contains(where: { $0["method"]?.stringValue == "textDocument/publishDiagnostics" }), var expected = before else {
            return after == before ? nil : "a change that was not taken changed the document"
        }
        for change in message["params"]?["contentChanges"]?.arrayValue ?? [] {
            guard let text = change["text"]?.stringValue else { return "a change without text was taken" }
            guard let range = change["range"] else {
                expected = text
                continue
            }
            func offset(_ end: String) -> Int? {
                guard let line = range[end]?["line"]?.integerValue, let character = range[end]?["character"]?.integerValue else { return nil }
                return Source(name: uri, text: expected).offset(line: Int(line), utf16Character: Int(character))
            }
            guard let start = offset("start"), let end = offset("end"), start <= end else { return "a malformed range was taken: \(JSONWriter().string(range))" }
            let bytes = Array(expected.utf8)
            expected = String(decoding: bytes[..<start] + Array(text.utf8) + bytes[end...], as: UTF8.self)
        }
        return after == expected ? nil : "the document is \(after.map { "\($0.debugDescription)" } ?? "gone"), and its changes make \(expected.debugDescription)"
    }
}
