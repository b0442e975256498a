import Foundation
import Testing
import TestSupport

@testable import HMQSyntax

/// The parser fuzz target's checks on every crasher it found (its seeds are
/// grammar/examples, which ExamplesTests covers).
@Suite struct FuzzReplayTests {
    @Test func parserFailCasesParsePrintAndParseAgain() {
        for (name, bytes) in FuzzInputs.of("FuzzParser") {
            let source = Source(name: name, bytes: bytes)
            let result = Parser.parse(source, pluginStages: ["dedupe"])
            #expect(result.diagnostics.allSatisfy { $0.range.start >= 0 && $0.range.end <= bytes.count + 1 }, "\(name)")
            guard !result.hasErrors else { continue }
            let printed = ASTPrinter().print(result.script)
            let again = Parser.parse(printed, name: "printed", pluginStages: ["dedupe"])
            #expect(!again.hasErrors && ASTPrinter().print(again.script) == printed, "\(name)")
        }
    }
}
