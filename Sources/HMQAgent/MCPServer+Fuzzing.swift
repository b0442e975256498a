@_spi(Fuzzing) import HMQSystem
import Foundation
import HMQJSON
import HMQRuntime

/// `hmq mcp` on any bytes, as an agent could write them: the fuzz target
/// FuzzMCP (FuzzTesting/) and its replay in the tests call this, so a crasher
/// is replayed through the code that found it.
@_spi(Fuzzing)
extension MCPServer {
    /// What serving one input came to.
    public struct FuzzReport: Sendable {
        /// A property the server broke (see ``fuzzServe(_:limit:)``); nil when none.
        public var problem: String?
        /// The messages it wrote, one per line.
        public var answers: [String] = []
    }

    /// Serves `bytes` as stdin, through the framing, JSON-RPC dispatch and
    /// tools `hmq mcp` uses, with no client (`check` and `explain` work,
    /// `query` and `lookup` answer that there are no credentials, so nothing
    /// goes over the network), confined (no file, no environment), messages
    /// capped at `limit` bytes.
    ///
    /// The properties: lines come out of the framing the same however the
    /// input is cut into reads; the server ends when its input does (a request
    /// left unanswered would hold it for minutes); everything it writes is a
    /// JSON message, and every request with a string or integer id (an
    /// oversized one too, when its start shows the id) has an answer with that id.
    public static func fuzzServe(_ bytes: [UInt8], limit: Int = 4096) async -> FuzzReport {
        var report = FuzzReport()
        let lines = splitLines(bytes, limit: limit, reads: [bytes.count])
        if splitLines(bytes, limit: limit, reads: [1, 2, 3, 5, 8, 13, 4096]) != lines {
            report.problem = "the lines depend on how the input is cut into reads"
            return report
        }
        let inputFile: ScratchFile, outputFile: ScratchFile
        do {
            (inputFile, outputFile) = (try ScratchFile(bytes, name: "fuzz-mcp-in"), try ScratchFile([], name: "fuzz-mcp-out"))
        } catch {
            report.problem = "\(error)"
            return report
        }
        let input = open(inputFile.path, O_RDONLY | O_CLOEXEC), output = open(outputFile.path, O_WRONLY | O_CLOEXEC)
        defer { close(output) }
        guard input >= 0, output >= 0 else {
            if input >= 0 { close(input) }
            report.problem = "cannot open \(inputFile.path) or \(outputFile.path)"
            return report
        }
        do {
            let confinement = try Confinement.agent(readingUnder: [])
            let agent = AgentTools(client: nil, registry: PluginRegistry(), settings: Settings(), inputs: ScriptInputs(confinement: confinement))
            try await serve(agent, version: "fuzz", callTimeout: defaultCallTimeout, over: StdioLines(input: input, output: output, limit: limit))
            // Its reader has seen the input's end (else it may be reading still, and the descriptor is left open).
            close(input)
        } catch {
            report.problem = "the server failed: \(error)"
            return report
        }
        report.answers = outputFile.contents.split(separator: UInt8(ascii: "\n")).map { String(decoding: $0, as: UTF8.self) }
        report.problem = problem(in: report.answers, lines: lines)
        return report
    }

    private static func problem(in answers: [String], lines: [StdioLines.Line]) -> String? {
        var answered = Set<String>()
        for answer in answers {
            guard let json = try? JSONParser.parse(answer), json.objectValue != nil || json.arrayValue != nil else {
                return "it wrote what is no JSON message: \(answer.prefix(200))"
            }
            answered.formUnion(ids(in: json) { $0["result"] != nil || $0["error"] != nil })
        }
        for line in lines {
            let asked: [String]
            switch line {
            case .message(let data): asked = (try? JSONParser.parse(data)).map { ids(in: $0) { $0["method"] != nil } } ?? []
            case .oversized(_, let id): asked = id.map { [JSONWriter().string($0)] } ?? []
            }
            if let unanswered = asked.first(where: { !answered.contains($0) }) { return "request \(unanswered) was not answered" }
        }
        return nil
    }

    /// The ids (string or integer, as JSON text) of the messages in `json` (one, or a batch) that pass `test`.
    private static func ids(in json: JSONValue, withKey test: (JSONObject) -> Bool) -> [String] {
        let messages = json.arrayValue?.compactMap(\.objectValue) ?? json.objectValue.map { [$0] } ?? []
        return messages.compactMap { message in
            guard test(message), let id = message["id"], JSONRPC.isID(id) else { return nil }
            return JSONWriter().string(id)
        }
    }

    /// The lines of `bytes`, read in pieces of the sizes `reads` gives in turn.
    private static func splitLines(_ bytes: [UInt8], limit: Int, reads: [Int]) -> [StdioLines.Line] {
        var splitter = LineSplitter(limit: limit)
        var lines: [StdioLines.Line] = []
        var start = 0, turn = 0
        while start < bytes.count {
            let end = min(bytes.count, start + max(1, reads[turn % reads.count]))
            lines += splitter.add(bytes[start..<end])
            start = end
            turn += 1
        }
        if let last = splitter.end() { lines.append(last) }
        return lines
    }
}
