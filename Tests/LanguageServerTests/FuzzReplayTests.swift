import HMQFormatters
import HMQLanguage
import HMQRuntime
@_spi(Fuzzing) import LanguageServer
import Testing
import TestSupport

/// The LSP fuzz target's check, on its seeds and every crasher it found: the
/// framing, every request answered once, range edits as whole-text splices.
@Suite struct FuzzReplayTests {
    /// Messages each seed is read as, and why its framing stopped (nil: at exit or its end).
    static let seeds: [String: (messages: Int, framingError: String?)] = [
        "session": (10, nil),
        "malformed-changes": (10, nil),
        "uninitialized": (2, nil),
        "truncated": (1, "the input ended inside a message body (11 of 40 bytes)"),
    ]

    @Test func lspInputsAreAnsweredAndEditedAsSpliced() throws {
        let inputs = FuzzInputs.of("FuzzLSP")
        #expect(Set(inputs.map(\.name)).isSuperset(of: Self.seeds.keys))
        for (name, bytes) in inputs {
            let report = LanguageServer.fuzzServe(bytes, vocabulary: LanguageVocabulary(registry: BuiltinFormatters.registry))
            #expect(report.problem == nil, "\(name): \(report.problem ?? "")")
            guard let seed = Self.seeds[name] else { continue }
            #expect(report.messages == seed.messages && report.framingError == seed.framingError, "\(name): \(report)")
        }
    }
}
