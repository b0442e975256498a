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
    /// How many values found no contact, by reason, and the first of each (as given).
    var counts: [Reason: Int] = [:]
    var firstValues: [Reason: [String]] = [:]
    /// How many values a note names before it says how many more.
    static let valuesNamed = 10
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
        for row in rows {
            guard let reason = row.fields["reason"]?.stringValue.flatMap(Reason.init(rawValue:)) else { continue }
            counts[reason, default: 0] += 1
            if firstValues[reason, default: []].count < Self.valuesNamed, let value = row.fields["value"]?.stringValue { firstValues[reason, default: []].append(value) }
        }
    }

    init(unmatched: [Row], counts: [Reason: Int], firstValues: [Reason: [String]], failures: [BatchFailure], attributionFailures: [BatchFailure]) {
        self.unmatched = unmatched
        self.counts = counts
        self.firstValues = firstValues
        self.failures = failures
        self.attributionFailures = attributionFailures
    }

    /// How many values found no contact, whatever the reason.
    var unmatchedCount: Int { counts.values.reduce(0, +) }

    /// What the stages see at the end of the stream.
    var end: StreamEnd { StreamEnd(unmatched: unmatched, incomplete: !failures.isEmpty) }
}
