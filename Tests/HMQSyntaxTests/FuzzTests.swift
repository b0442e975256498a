import Foundation
import Testing
import TestSupport

@testable import HMQSyntax

/// 100,000 inputs made by mutating the examples (byte flips, deletions,
/// splices) never crash or hang the lexer or parser; every diagnostic has a
/// valid range; and whatever parses cleanly prints and re-parses cleanly.
@Suite struct FuzzTests {
    typealias Generator = SeededGenerator

    static let interesting: [UInt8] = Array("|,;()[]\"'\\$#.=!<>-*@ \n\t0a".utf8) + [0x00, 0xFF, 0xC3, 0xE6, 0x80]

    @Test func mutatedExamplesNeverCrash() async throws {
        let corpus = try Examples.files.map { Array(try Data(contentsOf: $0)) }
        #expect(!corpus.isEmpty)
        var rng = Generator(seed: 20_261_126)
        var clean = 0
        for iteration in 0..<100_000 {
            // Other suites run servers on the same small thread pool: let them breathe.
            if iteration % 200 == 0 { await Task.yield() }
            var bytes = corpus[rng.below(corpus.count)]
            for _ in 0...rng.below(4) {
                switch rng.below(4) {
                case 0 where !bytes.isEmpty:
                    bytes[rng.below(bytes.count)] = Self.interesting[rng.below(Self.interesting.count)]
                case 1 where !bytes.isEmpty:
                    let start = rng.below(bytes.count)
                    bytes.removeSubrange(start..<min(bytes.count, start + 1 + rng.below(8)))
                case 2:
                    let other = corpus[rng.below(corpus.count)]
                    let from = rng.below(other.count)
                    let slice = other[from..<min(other.count, from + 1 + rng.below(40))]
                    bytes.insert(contentsOf: slice, at: rng.below(bytes.count + 1))
                default:
                    bytes.insert(Self.interesting[rng.below(Self.interesting.count)], at: rng.below(bytes.count + 1))
                }
            }
            let source = Source(name: "fuzz-\(iteration)", bytes: bytes)
            let result = Parser.parse(source)
            for d in result.diagnostics {
                guard d.range.start >= 0, d.range.start <= d.range.end, d.range.end <= bytes.count, !d.message.isEmpty else {
                    Issue.record("bad diagnostic \(d) for input \(bytes)")
                    return
                }
            }
            if iteration % 50 == 0, !result.diagnostics.isEmpty {
                _ = DiagnosticRenderer().render(result.diagnostics, in: source)
            }
            if result.diagnostics.isEmpty {
                clean += 1
                let printed = ASTPrinter().print(result.script)
                let again = Parser.parse(printed)
                guard again.diagnostics.isEmpty, ASTPrinter().print(again.script) == printed else {
                    Issue.record("round trip failed for \(String(decoding: bytes, as: UTF8.self).debugDescription): printed \(printed.debugDescription)")
                    return
                }
            }
        }
        #expect(clean > 1000, "the mutations should leave many inputs valid")
    }
}
