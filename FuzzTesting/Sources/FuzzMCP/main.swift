import FuzzSupport
@_spi(Fuzzing) import HMQAgent

/// `hmq mcp` on any bytes as its stdin (no client, confined): every request
/// answered, only JSON written, the framing's lines independent of reads.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMCP(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    let report = blocking { await MCPServer.fuzzServe(bytes) }
    if let problem = report.problem { preconditionFailure(problem) }
    return 0
}
