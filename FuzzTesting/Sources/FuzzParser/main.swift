import HMQSyntax

/// The lexer and parser on any bytes: no crash, no hang, every diagnostic
/// inside the text, and what parses cleanly prints and parses again the same.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzParser(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let source = Source(name: "fuzz", bytes: Array(UnsafeRawBufferPointer(start: start, count: count)))
    let result = Parser.parse(source, pluginStages: ["dedupe"])
    for diagnostic in result.diagnostics {
        precondition(diagnostic.range.start >= 0 && diagnostic.range.end <= count + 1, "diagnostic outside the text")
        _ = DiagnosticRenderer().render(diagnostic, in: source)
    }
    if !result.hasErrors {
        let printed = ASTPrinter().print(result.script)
        let again = Parser.parse(printed, name: "printed", pluginStages: ["dedupe"])
        precondition(!again.hasErrors, "printed text does not parse")
        precondition(ASTPrinter().print(again.script) == printed, "printing is not stable")
    }
    return 0
}
