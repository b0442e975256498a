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
    /// One row per input value that found no contact: type, value, reason, detail.
    var unmatched: [Row] = []
    var failures: [BatchFailure] = []
    /// Batches whose exact attribution could not finish (their values stay undetermined).
    var attributionFailures: [BatchFailure] = []
    /// Aggregate stages whose output was withheld because a batch failed (their answer is unknown).
    var withheld: [String] = []
    /// Notes from the stages (values of the wrong shape for a test).
    var notes: [Diagnostic] = []

    /// The values (as given) of the rows with `reason`.
    func values(_ reason: Reason) -> [String] {
        unmatched.compactMap { $0.fields["reason"]?.stringValue == reason.rawValue ? $0.fields["value"]?.stringValue : nil }
    }

    /// What the stages see at the end of the stream.
    var end: StreamEnd { StreamEnd(unmatched: unmatched, incomplete: !failures.isEmpty) }
}
