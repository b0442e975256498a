@_spi(Fuzzing) import HMQAgent
import Testing
import TestSupport

/// The MCP fuzz target's check, on its seeds and every crasher it found: the
/// server's framing, screening, dispatch and tools, over files for stdin and stdout.
@Suite struct FuzzReplayTests {
    /// A request of each seed and what its answer holds.
    static let seedAnswers: [String: [(id: String, holds: String)]] = [
        "session": [("1", #""serverInfo":{"#), ("3", #"\"ok\":true"#), ("\"e\"", "POST"), ("5", "no credentials"), ("6", #""result":{}"#)],
        "resources": [("2", "hmq://docs/grammar"), ("3", "no resource hmq://docs/nothing"), ("4", "no credentials")],
        "odd-ids-and-batches": [("null", "the id must be a string or an integer"), ("7", #""result":{}"#), ("null", "Parse error")],
        "argument-errors": [("2", "'text' must be a string"), ("3", "check takes no argument 'extra'"), ("4", "no tool 'nothing'"), ("5", "no credentials")],
    ]

    @Test func mcpInputsAreAnsweredRequestByRequest() async throws {
        let inputs = FuzzInputs.of("FuzzMCP")
        #expect(Set(inputs.map(\.name)).isSuperset(of: Self.seedAnswers.keys))
        for (name, bytes) in inputs {
            let report = await MCPServer.fuzzServe(bytes)
            #expect(report.problem == nil, "\(name): \(report.problem ?? "")")
            for (id, holds) in Self.seedAnswers[name] ?? [] {
                #expect(report.answers.contains { $0.contains(#""id":\#(id)"#) && $0.contains(holds) }, "\(name), request \(id): \(report.answers)")
            }
        }
    }
}
