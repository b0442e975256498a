import HMQJSON
import HMQSyntax
import Heymarket

/// Joins what became of each key value back to its record, one record at a
/// time in file order: a row per record and contact found (a record that
/// found none gives one row whose contact fields are missing), with the
/// record's `outcome`, `detail` and `matched_by` (the key columns whose
/// values found that contact). It holds the record being joined and the
/// contacts tied to values met again later, never the file.
struct RecordsLookup {
    /// The fields a records row adds before the contact's.
    static let outcomeFields = ["outcome", "detail", "matched_by"]
    /// What a records source shows when the pipeline names no columns.
    static let defaultColumns = ["outcome", "detail", "matched_by", "id", "name", "phone", "email", "tags", "is_opted_out"]

    /// A record's outcome.
    enum Outcome: String, CaseIterable {
        case matched
        case noContact = "no contact"
        case undetermined
        case invalid
        case failed
        case empty
        case notSearched = "not searched"
    }

    private let records: RecordsInput.Reader
    private let keys: [RecordsInput.Key]
    private let census: PlanCensus
    private let origin: (Int, Int) -> String
    /// Only the records that found no contact (`| unmatched`).
    private let listing: Bool
    /// The contacts each key value of the batches in is tied to (kept for values met again later).
    private var ties: [NormalizedChannelValue: [Contact]] = [:]
    private var attributionError: [NormalizedChannelValue: HeymarketError] = [:]
    private var current: RecordsInput.Record?
    private var outcomes: [(key: Int, value: ChannelValue, outcome: SearchResult.Outcome, contacts: [Contact])] = []
    private var pending: [Row] = []
    private(set) var counts: [Outcome: Int] = [:]
    /// The first few records of each outcome but `matched`, as `file:line`, for the note.
    private(set) var first: [Outcome: [String]] = [:]
    /// Key cells that could not be read, in records that found a contact or proved none through another key.
    private(set) var unreadCells = 0

    /// `origin(line, key)` names a cell for messages (`leads.csv:4, column "Phone"`).
    init(records: RecordsInput.Reader, keys: [RecordsInput.Key], census: PlanCensus, listing: Bool,
         origin: @escaping (Int, Int) -> String) {
        self.records = records
        self.keys = keys
        self.census = census
        self.listing = listing
        self.origin = origin
    }

    /// The contacts a batch tied to its values, and its exact attribution's failure.
    mutating func learn(_ batch: LookupBatch) {
        ties.merge(batch.ties) { _, new in new }
        for value in batch.attributionFailure?.values ?? [] { attributionError[value] = batch.attributionFailure?.error }
    }

    /// One key value's outcome, in input order (as a lookup hands them over).
    mutating func add(_ input: InputValue, _ normalized: NormalizedChannelValue?, _ outcome: SearchResult.Outcome) throws {
        let (line, key) = RecordsInput.unpack(input.origin)
        while current.map({ $0.line < line }) ?? true {
            if let record = current { finish(record) }
            guard let next = try records.next() else {
                throw RuntimeError.at(SourceRange(start: 0, end: 0), .fileChanged, "the records file changed while hmq read it; run again once it has stopped changing")
            }
            current = next
        }
        var contacts: [Contact] = []
        if let normalized {
            contacts = ties[normalized] ?? []
            if case .undetermined = outcome, let error = attributionError[normalized] {
                outcomes.append((key, input.value, .failed(error), []))
                return
            }
            if !census.isRepeated(normalized) { ties.removeValue(forKey: normalized) }
        }
        outcomes.append((key, input.value, outcome, contacts))
    }

    /// At the end of the values: the last record and every record after it (those with no key value).
    mutating func finishAll() throws {
        if let record = current { finish(record) }
        current = nil
        while let record = try records.next() { finish(record) }
    }

    /// The rows joined since the last call.
    mutating func take() -> [Row] {
        defer { pending = [] }
        return pending
    }

    private mutating func finish(_ record: RecordsInput.Record) {
        let found = outcomes
        outcomes = []
        // The contacts, each once, in the order of the keys that found them.
        var contacts: [Contact] = []
        var matchedBy: [Contact.Identity: [Int]] = [:]
        var tiedValues: [Contact.Identity: [ChannelValue]] = [:]
        for entry in found {
            for contact in entry.contacts {
                let identity = contact.identity
                if matchedBy[identity] == nil { contacts.append(contact) }
                if !(matchedBy[identity]?.contains(entry.key) ?? false) { matchedBy[identity, default: []].append(entry.key) }
                tiedValues[identity, default: []].append(entry.value)
            }
        }
        let unread = found.filter { if case .invalid = $0.outcome { true } else { false } }
        func reason(_ entry: (key: Int, value: ChannelValue, outcome: SearchResult.Outcome, contacts: [Contact])) -> String {
            let cell = origin(record.line, entry.key)
            switch entry.outcome {
            case .invalid(let e): return "\(cell): " + (e.status == nil ? e.message : e.description)
            case .failed(let e): return "\(cell): \(e)"
            case .undetermined:
                return "\(cell): its batch's answer holds a contact no field ties to any input value; 'set attribution exact' asks the server which"
            default: return cell
            }
        }
        let outcome: Outcome
        var detail: String?
        if !contacts.isEmpty {
            outcome = .matched
            if !unread.isEmpty { detail = unread.map(reason).joined(separator: "; ") }
        } else if found.isEmpty {
            outcome = .empty
            detail = "every key cell is empty: " + keys.map { "\"\($0.name)\"" }.joined(separator: ", ")
        } else if let failed = found.first(where: { if case .failed = $0.outcome { true } else { false } }) {
            outcome = .failed
            detail = reason(failed)
        } else if let open = found.first(where: { if case .undetermined = $0.outcome { true } else { false } }) {
            outcome = .undetermined
            detail = reason(open)
        } else if found.contains(where: { if case .notSearched = $0.outcome { true } else { false } }) {
            outcome = .notSearched
            detail = "the lookup stopped before this record was searched"
        } else if unread.count == found.count {
            outcome = .invalid
            detail = unread.map(reason).joined(separator: "; ")
        } else {
            outcome = .noContact
            if !unread.isEmpty {
                detail = unread.map(reason).joined(separator: "; ") + "; the other keys proved no contact"
            }
        }
        if outcome != .invalid, !unread.isEmpty { unreadCells += unread.count }
        counts[outcome, default: 0] += 1
        if outcome != .matched, first[outcome, default: []].count < LookupSummary.namedValues {
            first[outcome, default: []].append(origin(record.line, -1))
        }
        func meta(_ matchedBy: JSONValue) -> [JSONObject.Member] {
            [.init(key: "outcome", value: .string(outcome.rawValue)),
             .init(key: "detail", value: detail.map(JSONValue.string) ?? .null),
             .init(key: "matched_by", value: matchedBy)]
        }
        if contacts.isEmpty {
            pending.append(Row(fields: JSONObject(meta(.null)), input: record.cells))
            return
        }
        guard !listing else { return }
        for contact in contacts {
            let by = JSONValue.array((matchedBy[contact.identity] ?? []).map { .string(keys[$0].name) })
            let fields = meta(by) + contact.fields.members.filter { !Self.outcomeFields.contains($0.key) }
            pending.append(Row(fields: JSONObject(fields), matched: tiedValues[contact.identity] ?? [], input: record.cells))
        }
    }

    /// Records with cells past the header's last column.
    var longRecords: Int { records.longRecords }

    /// The records of each outcome, for the note: `3,000 records: 2,310 matched, 680 no contact, 10 invalid`;
    /// `stopped`: the lookup stopped before the end (a full `limit`), so these are the records read until then.
    func note(range: SourceRange, listing: Bool, stopped: Bool) -> Diagnostic? {
        let total = counts.values.reduce(0, +)
        let notMatched = total - (counts[.matched] ?? 0)
        guard notMatched > 0 || unreadCells > 0 || longRecords > 0 else { return nil }
        let parts = Outcome.allCases.compactMap { outcome in counts[outcome].map { "\($0) \(outcome.rawValue)" } }
        var notes: [String] = []
        for outcome in Outcome.allCases where outcome != .matched && outcome != .noContact {
            guard let lines = first[outcome], let count = counts[outcome] else { continue }
            notes.append("\(outcome.rawValue): " + lines.joined(separator: ", ") + (count > lines.count ? ", … (\(count - lines.count) more)" : ""))
        }
        if unreadCells > 0 {
            notes.append("\(unreadCells) key cell\(unreadCells == 1 ? "" : "s") could not be read in records another key settled (see their detail)")
        }
        if longRecords > 0 {
            notes.append("\(longRecords) record\(longRecords == 1 ? " has" : "s have") cells past the header's last column; they are not in input (is a header missing, or a comma too many?)")
        }
        return Diagnostic(id: .recordOutcomes, severity: .note, range: range,
                          message: (stopped ? "the lookup stopped once the rows were out; of the \(total) record\(total == 1 ? "" : "s") read: " : "\(total) record\(total == 1 ? "" : "s"): ")
                            + parts.joined(separator: ", "),
                          suggestion: listing ? nil : "each row's outcome and detail say why; '| unmatched' lists the records that found no contact",
                          notes: notes)
    }
}

extension Evaluator {
    /// The records of `find csv "..." by ...`, opened with the path resolved.
    func recordsInput(_ records: RecordsSource) throws -> RecordsInput {
        try RecordsInput(records, path: try resolve(records.path))
    }

    /// A records source's lookup: the key values are looked up as one stream
    /// (census, batches, outcomes in order, as any find), and each record's
    /// rows are handed to `onRows` once all its keys are settled (`onRows`
    /// returns false when it needs no more, which stops the lookup). With
    /// `listing` (`| unmatched`) only the records that found no contact come.
    /// An unreadable key cell is that record's outcome: it stops nothing; with
    /// `set invalid error` (the default) the run ends in an error saying how many.
    /// `readerMayStop`: the stages may want no more rows before the end.
    func lookUpRecords(_ find: FindSource, _ records: RecordsSource, listing: Bool, readerMayStop: Bool = false,
                       onRows: ([Row]) throws -> Bool) async throws -> SourceSummary {
        let input = try recordsInput(records)
        let client = try currentClient()
        let planner = planner(for: settings)
        let name = shown(records.path)
        func origin(line: Int, key: Int) -> String {
            guard input.keys.indices.contains(key) else { return "\(name):\(line)" }
            return "\(name):\(line), \(records.format == .csv ? "column" : "field") \"\(input.keys[key].name)\""
        }
        do {
            let census = try planner.census(input.opener)
            noteDroppedExtensions(census, of: find)
            var joiner = RecordsLookup(records: try input.reader(), keys: input.keys, census: census, listing: listing, origin: origin)
            var ended = true
            let progress = events.progress
            let lookup = try await client.lookUp(input.opener, planner: planner, census: census, settlesRestWhenStopped: false,
                                                 readerMayStop: readerMayStop) { event in
                switch event {
                case .progress(let now): progress?(now)
                case .batch(let batch): joiner.learn(batch)
                case .outcome(let value, let normalized, let outcome): try joiner.add(value, normalized, outcome)
                case .settled:
                    ended = try onRows(joiner.take())
                    return ended
                case .planned: break
                }
                return true
            }
            if ended {
                try joiner.finishAll()
                _ = try onRows(joiner.take())
            }
            var summary = SourceSummary(unmatched: [], lookup: nil, failures: lookup.failures,
                                        attributionFailures: lookup.attributionFailures)
            if let note = joiner.note(range: find.range, listing: listing, stopped: !ended) { summary.notes.append(note) }
            let invalid = joiner.counts[.invalid] ?? 0
            if invalid > 0, settings.invalid == .error, summary.failures.isEmpty {
                summary.recordsError = .diagnostic(Diagnostic(
                    id: .invalidRecords, range: records.path.range,
                    message: "\(invalid) record\(invalid == 1 ? "" : "s") had no key cell hmq could read (outcome invalid)" + (ended ? "; every other record was looked up" : ""),
                    suggestion: "their detail says which cell and why; 'set invalid skip' (--skip-invalid) makes this a note"))
            }
            return summary
        } catch let error as HeymarketError {
            throw RuntimeError.api(error, range: find.range)
        }
    }
}
