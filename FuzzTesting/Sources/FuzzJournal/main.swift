import FuzzSupport
@_spi(Fuzzing) import Heymarket
import HeymarketSandbox

/// The checkpoint journal on any bytes, resumed as a run resumes it (the
/// sandbox's credentials, those of the seed journal): refused with a
/// checkpoint error, or every value ends in its one outcome; never a crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJournal(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    let demo = SandboxConfiguration.demoSecret
    let report = blocking { await SearchCheckpoint.fuzzResume(journal: bytes, credentials: .secret(id: demo.id, key: Secret(demo.key))) }
    if let problem = report.problem { preconditionFailure(problem) }
    return 0
}
