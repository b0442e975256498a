import HMQFormatters
import HMQLanguage
import HMQRuntime
@_spi(Fuzzing) import LanguageServer

/// `hmq lsp` on any bytes as its input: every request answered once, every
/// answer valid JSON, and a document's range edits those of a whole-text splice.
/// The vocabulary is hmq's with the built-in formats, as `hmq lsp` has it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLSP(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let report = LanguageServer.fuzzServe(Array(UnsafeRawBufferPointer(start: start, count: count)), vocabulary: LanguageVocabulary(registry: BuiltinFormatters.registry))
    if let problem = report.problem { preconditionFailure(problem) }
    return 0
}
