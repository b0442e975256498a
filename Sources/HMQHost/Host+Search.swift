import Foundation
import HMQJSON
import HMQRuntime
import Heymarket

/// Values that cannot be searched, found before anything was sent.
public struct InvalidValuesError: Error, Sendable {
    /// How many values are invalid.
    public var count: Int
    /// The first of them (at most ``PlanCensus/invalidShown``), each with its
    /// position in the input (an index into the values looked up).
    public var first: [(position: Int, error: HeymarketError)]
    /// What the lookup comes to: these values invalid, the others not searched, no request.
    public var result: SearchResult
}

extension Host {
    /// What `hmq search` and the agent's `lookup` make of a lookup's census
    /// before anything is sent: false when invalid values stop it (with
    /// `invalid = error`, the default); `note` hears what a person should know
    /// of the values (those searched without their extension).
    static func proceeds(_ census: PlanCensus, settings: Settings, note: (String) -> Void) -> Bool {
        if census.invalidCount > 0, settings.invalid == .error { return false }
        if let message = census.droppedExtensionsNote { note(message) }
        return true
    }

    /// Looks `values` up as the agent server's `lookup` does: the events of the
    /// lookup collected into a whole result. With `invalid = error` (the
    /// default) an invalid value throws ``InvalidValuesError`` before any request.
    public static func lookUp(_ values: [ChannelValue], with client: HeymarketClient, settings: Settings,
                              progress: ProgressHandler? = nil, note: (String) -> Void = { _ in }) async throws -> SearchResult {
        var collector = SearchResult.Collector(progress: progress)
        var stoppedBy: PlanCensus?
        let summary = try await client.lookUp({ ArrayInputReader(values) }, planner: client.planner, retainingMatches: true) { event in
            collector.hear(event)
            guard case .planned(let census) = event, !proceeds(census, settings: settings, note: note) else { return true }
            stoppedBy = census
            return false
        }
        let result = collector.result(summary)
        if let census = stoppedBy {
            throw InvalidValuesError(count: census.invalidCount, first: census.invalid.map { (Int($0.input.origin), $0.error) }, result: result)
        }
        return result
    }

    /// `hmq search`: looks up the values `open` reads (``ValueFiles/searchValues(_:standardInput:)``)
    /// and prints the contacts as a JSON array as they come (or, with
    /// `report`, the whole `--report` object at the end) on stdout; what found
    /// no contact, what is undetermined and every failed batch with every value
    /// it held on stderr. Invalid values stop it before anything is sent (exit
    /// 2; the `report` object is printed all the same, listing them), unless
    /// `--skip-invalid`; with `namesOrigins` each is named by where it came
    /// from (`stdin:12`). No values at all are an empty result.
    public func search(_ open: InputOpener, namesOrigins: Bool, report: Bool, pretty: Bool) async throws -> ExitStatus {
        let settings = try settings()
        let console = self.console
        let masker = Masker(settings.mask)
        var contacts = ContactArrayWriter(console: console, writer: JSONWriter(indent: pretty || Console.isTerminal(1) ? 2 : nil))
        var outcomes = SearchOutcomes(keepsAll: report)
        var invalidCount: Int?
        let summary = try await withClient(options: settings.searchOptions) { client -> LookupSummary in
            guard let client else { throw CommandFailure(status: .authentication, message: "no credentials", id: .noClient) }
            let display = console.progressDisplay()
            defer { display?.clear() }
            do {
                return try await client.lookUp(open, planner: client.planner, retainingMatches: report) { event in
                    switch event {
                    case .planned(let census):
                        if census.inputCount == 0, namesOrigins {
                            console.note("stdin held no values (one per line; blank and # lines are skipped): nothing to search for")
                        }
                        guard Self.proceeds(census, settings: settings, note: { console.note($0) }) else {
                            for entry in census.invalid {
                                console.error((namesOrigins ? ValueFiles.searchOrigin(entry.input.origin) + ": " : "") + entry.error.message,
                                              status: .usage, id: .invalidValues)
                            }
                            guard report else { throw CommandFailure(status: .usage, message: Self.invalidMessage(census.invalidCount), id: .invalidValues) }
                            invalidCount = census.invalidCount
                            return false
                        }
                    case .progress(let now): display?.handler(now)
                    case .batch(let batch): if !report { return try contacts.write(batch.matches.map { masker.value(.object($0.contact.fields), field: nil) }) }
                    case .outcome(let input, let normalized, let outcome): outcomes.add(input, normalized, outcome)
                    case .settled: break
                    }
                    return true
                }
            } catch is CancellationError {
                display?.clear()
                console.noteStopped(settings.checkpoint)
                throw CancellationError()
            } catch let error as RuntimeError {
                // Standard input that cannot be read as values (not UTF-8, a line too long).
                throw CommandFailure(status: ExitStatus(error), message: error.diagnostic.message, id: error.diagnostic.id)
            }
        }
        if report {
            let result = SearchResult(matches: summary.matches, inputs: outcomes.kept, failures: summary.failures, requestCount: summary.requestCount,
                                      attributionFailures: summary.attributionFailures)
            try contacts.writeWhole(masker.value(result.report(summary), field: nil))
        } else {
            // When every batch failed, nothing was looked up: an empty array would read as "no contacts".
            try contacts.finish(printsEmpty: !summary.nothingLookedUp)
        }
        if let invalidCount { throw CommandFailure(status: .usage, message: Self.invalidMessage(invalidCount), id: .invalidValues) }
        let wording = NoteWording(typed: true, listsUnmatched: report ? nil : "--report lists them",
                                  attribution: settings.attribution, asksExact: "--attribution exact", listsInvalid: nil,
                                  origin: { namesOrigins ? ValueFiles.searchOrigin($0.origin) : nil })
        for note in summary.notes(wording) { console.note(note.line, id: note.kind.noteID) }
        // What stopped the run first, in one line; then each batch with its values.
        let status = ExitStatus(summary)
        if let stop = summary.failures.first(where: { $0.error.stopsTheRun }) {
            // One error says what stopped the run; the batches it stopped are counted, not each listed
            // (--report lists every value), beyond the first few.
            var record = ErrorRecord(stop, message: RuntimeError.summary(of: summary.failures))
            record.values = Array(summary.failures.lazy.flatMap(\.values).prefix(1000).map(\.value))
            record.status = status
            console.report(record)
            let stopped = summary.failures.filter { $0.error.stopsTheRun }
            for failure in stopped.prefix(3) { console.report(ErrorRecord(failure)) }
            if stopped.count > 3 { console.note("\(stopped.count - 3) more batches failed the same way; --report lists every value") }
            for failure in summary.failures where !failure.error.stopsTheRun { console.report(ErrorRecord(failure)) }
        } else {
            for failure in summary.failures { console.report(ErrorRecord(failure)) }
        }
        for failure in summary.attributionFailures {
            console.report(ErrorRecord(failure, id: .attributionIncomplete, message: "exact attribution for batch \(failure.batchIndex + 1) could not finish: \(failure.error); undetermined: "
                                                + failure.values.map(\.value).joined(separator: ", ")))
        }
        return status
    }

    /// What `hmq search` says when invalid values stopped it.
    static func invalidMessage(_ count: Int) -> String {
        LookupSummary.nothingSent(invalid: count) + " (--skip-invalid leaves them out)"
    }
}

/// Writes contacts to stdout as one JSON array as they come, so that a
/// lookup of any size holds none of them: `[` before the first, `]` after the last.
struct ContactArrayWriter {
    let console: Console
    let writer: JSONWriter
    private var written = 0
    /// The reader of stdout went away: nothing more is written.
    private var readerGone = false

    init(console: Console, writer: JSONWriter) {
        self.console = console
        self.writer = writer
    }

    /// Writes `contacts` (the next of the array); false once the reader went away.
    mutating func write(_ contacts: [JSONValue]) throws -> Bool {
        guard !contacts.isEmpty, !readerGone else { return !readerGone }
        var text = ""
        for contact in contacts {
            text += written == 0 ? "[" : ","
            text += writer.indent.map { "\n" + String(repeating: " ", count: $0) } ?? ""
            let element = writer.string(contact)
            // Raw newlines in indented JSON are its structure (strings escape theirs): one level deeper.
            text += writer.indent.map { element.replacingOccurrences(of: "\n", with: "\n" + String(repeating: " ", count: $0)) } ?? element
            written += 1
        }
        return try out(text)
    }

    /// Ends the array (an empty one is `[]`, written only when `printsEmpty`).
    mutating func finish(printsEmpty: Bool) throws {
        guard !readerGone else { return }
        if written > 0 {
            _ = try out((writer.indent == nil ? "" : "\n") + "]\n")
        } else if printsEmpty {
            _ = try out("[]\n")
        }
    }

    /// Writes one JSON value whole (the `--report` object).
    mutating func writeWhole(_ value: JSONValue) throws {
        _ = try out(writer.string(value) + "\n")
    }

    private mutating func out(_ text: String) throws -> Bool {
        if console.out(text) { return true }
        let code = errno
        // A reader that went away needs nothing more; a full disk loses the answer: say so.
        if code != EPIPE { throw CommandFailure(status: .usage, message: "cannot write output: \(String(cString: strerror(code)))") }
        readerGone = true
        return false
    }
}

/// What `hmq search` keeps of the values that found no contact for `--report`:
/// every one, in input order (the notes on stderr come from the ``LookupSummary``).
struct SearchOutcomes {
    let keepsAll: Bool
    /// With `keepsAll`: every input value but those matched, in input order.
    private(set) var kept: [SearchResult.InputOutcome] = []

    init(keepsAll: Bool) {
        self.keepsAll = keepsAll
    }

    mutating func add(_ input: InputValue, _ normalized: NormalizedChannelValue?, _ outcome: SearchResult.Outcome) {
        if case .matched = outcome { return }
        if keepsAll { kept.append(.init(value: input.value, normalized: normalized, outcome: outcome)) }
    }
}
