import HMQSyntax
import Heymarket

/// What a source knows once it has given all its rows: the values that found
/// no contact (and why), and the batches that failed.
struct SourceSummary {
    /// Why a value is in `| unmatched`.
    enum Reason: String, CaseIterable {
        case noContact = "no contact"
        case undetermined
        case invalid
        case failed
    }
    /// One row per input value that found no contact: type, value, reason,
    /// detail (kept only when asked for: a binding, `--report`).
    var unmatched: [Row] = []
    /// A find's lookup, once it ended: its notes on the values that found no contact.
    var lookup: LookupSummary?
    var failures: [BatchFailure] = []
    /// Batches whose exact attribution could not finish (their values stay undetermined).
    var attributionFailures: [BatchFailure] = []
    /// Aggregate stages whose output was withheld because a batch failed (their answer is unknown).
    var withheld: [String] = []
    /// Notes from the source (a records source's outcomes) and the stages (values of the wrong shape for a test).
    var notes: [Diagnostic] = []
    /// A records source's records that no key cell could be read in, under `set invalid error`:
    /// the error the run ends with once every other record is out.
    var recordsError: RuntimeError?

    init() {}

    /// A summary of `rows` held whole (a bound result's).
    init(unmatched rows: [Row], failures: [BatchFailure]) {
        unmatched = rows
        self.failures = failures
    }

    init(unmatched: [Row], lookup: LookupSummary?, failures: [BatchFailure], attributionFailures: [BatchFailure]) {
        self.unmatched = unmatched
        self.lookup = lookup
        self.failures = failures
        self.attributionFailures = attributionFailures
    }

    /// What the stages see at the end of the stream.
    var end: StreamEnd { StreamEnd(unmatched: unmatched, incomplete: !failures.isEmpty) }
}
