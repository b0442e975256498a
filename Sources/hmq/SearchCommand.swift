import ArgumentParser
import Heymarket

/// `hmq search`: the raw bulk lookup under the language, like `gh api`.
struct SearchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Look up contacts by channel values and print them as JSON.",
        discussion: """
            Values are normalised (phones to E.164 digits without '+', 10-digit numbers get \
            --country-code), de-duplicated, batched, paced and retried. Contacts are printed \
            as a JSON array in input order; values that matched no contact are listed on stderr \
            (or in the --report object).

            Examples:
              hmq search --sandbox --phone 14155551234 --email jose.nunez@example.com
              hmq search --sandbox --channel facebook:10001006 14155559876
            """)

    @Option(name: .customLong("phone"), help: ArgumentHelp("A phone number (repeatable).", valueName: "number"))
    var phones: [String] = []

    @Option(name: .customLong("email"), help: ArgumentHelp("An email address (repeatable).", valueName: "address"))
    var emails: [String] = []

    @Option(name: .customLong("channel"), help: ArgumentHelp("A value of any channel type, as TYPE:VALUE (repeatable).", valueName: "type:value"))
    var channels: [String] = []

    @Argument(help: ArgumentHelp("Untyped values; the server infers their type.", valueName: "value"))
    var values: [String] = []

    @Flag(help: "Print one JSON object with the contacts, what each matched, the unmatched values and any failed batch.")
    var report = false

    @Flag(help: "Indent the JSON (the default on a terminal).")
    var pretty = false

    @OptionGroup(title: "Connection") var connection: ConnectionOptions
    @OptionGroup(title: "Tuning") var tuning: SearchTuningOptions

    func validate() throws {
        if phones.isEmpty, emails.isEmpty, channels.isEmpty, values.isEmpty {
            throw ValidationError("nothing to search for: give --phone, --email, --channel TYPE:VALUE or values")
        }
        for channel in channels {
            guard let colon = channel.firstIndex(of: ":"), colon != channel.startIndex,
                channel[channel.startIndex..<colon].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" })
            else {
                throw ValidationError("--channel '\(channel)' must be TYPE:VALUE, e.g. facebook:1234")
            }
        }
    }

    var channelValues: [ChannelValue] {
        phones.map(ChannelValue.phone) + emails.map(ChannelValue.email)
            + channels.map { c in
                let colon = c.firstIndex(of: ":")!
                return ChannelValue(type: String(c[..<colon]), value: String(c[c.index(after: colon)...]))
            }
            + values.map(ChannelValue.untyped)
    }

    func run() async throws {
        let values = channelValues
        let settings = try connection.settings(tuning: tuning, format: nil, defaultFormat: "ndjson")
        let result = try await connection.withClient(options: settings.searchOptions) { client in
            let plan = client.plan(values)
            let invalid = plan.inputs.compactMap { input -> HeymarketError? in
                if case .failure(let e) = input.normalized { return e } else { return nil }
            }
            if !invalid.isEmpty, settings.invalid == .error {
                for e in invalid { Terminal.error(e.message) }
                throw CommandFailure(status: .usage, message: "\(invalid.count) invalid value\(invalid.count == 1 ? "" : "s"); nothing was sent (--skip-invalid leaves them out)")
            }
            return try await client.search(plan: plan)
        }
        let writer = JSONWriter(indent: pretty || Terminal.isTerminal(1) ? 2 : nil)
        let document: JSONValue = report ? SearchReport.json(result) : .array(result.contacts.map { .object($0.fields) })
        Terminal.out(writer.string(document) + "\n")
        SearchReport.printSummary(result, toStderr: !report)
        if !result.isComplete {
            throw CommandFailure(status: .api, message: nil)
        }
    }
}

/// How a search result is reported: the `--report` JSON and the stderr summary.
enum SearchReport {
    static func json(_ result: SearchResult) -> JSONValue {
        func describe(_ v: ChannelValue) -> JSONValue {
            .object(JSONObject([.init(key: "type", value: v.type.map(JSONValue.string) ?? .null), .init(key: "value", value: .string(v.value))]))
        }
        // `matched` is null when no value can be tied to the contact; `candidates` then lists those that may have found it.
        let contacts: [JSONValue] = result.matches.map { m in
            var members: [JSONObject.Member] = [
                .init(key: "contact", value: .object(m.contact.fields)),
                .init(key: "matched", value: m.matchedValues.isEmpty ? .null : .array(m.matchedValues.map(describe))),
            ]
            if m.matchedValues.isEmpty { members.append(.init(key: "candidates", value: .array(m.candidates.map(describe)))) }
            return .object(JSONObject(members))
        }
        let failures: [JSONValue] = result.failures.map { f in
            .object(JSONObject([
                .init(key: "batch", value: .integer(Int64(f.batchIndex + 1))),
                .init(key: "status", value: f.error.status.map { .integer(Int64($0)) } ?? .null),
                .init(key: "error", value: .string(f.error.message)),
                .init(key: "request_id", value: f.error.requestID.map(JSONValue.string) ?? .null),
                .init(key: "attempts", value: .integer(Int64(f.attempts))),
                .init(key: "values", value: .array(f.values.map { .string($0.value) })),
            ]))
        }
        let invalid: [JSONValue] = result.invalid.map { entry in
            .object(JSONObject([
                .init(key: "type", value: entry.value.type.map(JSONValue.string) ?? .null),
                .init(key: "value", value: .string(entry.value.value)),
                .init(key: "error", value: .string(entry.error.message)),
            ]))
        }
        return .object(JSONObject([
            .init(key: "contacts", value: .array(contacts)),
            .init(key: "unmatched", value: .array(result.unmatched.map(describe))),
            .init(key: "undetermined", value: .array(result.undetermined.map(describe))),
            .init(key: "invalid", value: .array(invalid)),
            .init(key: "failed", value: .array(failures)),
            .init(key: "requests", value: .integer(Int64(result.requestCount))),
        ]))
    }

    /// Unmatched values and failed batches on stderr; nothing is left out.
    static func printSummary(_ result: SearchResult, toStderr listUnmatched: Bool) {
        if listUnmatched, !result.unmatched.isEmpty {
            Terminal.note("no contact for \(result.unmatched.count) value\(result.unmatched.count == 1 ? "" : "s"): " + result.unmatched.map(\.description).joined(separator: ", "))
        }
        let undetermined = result.undetermined
        if !undetermined.isEmpty {
            Terminal.note("\(undetermined.count) value\(undetermined.count == 1 ? "" : "s") undetermined (a contact came back that no field ties to an input value; --attribution exact asks the server which): " + undetermined.map(\.description).joined(separator: ", "))
        }
        if !result.invalid.isEmpty {
            Terminal.note("\(result.invalid.count) invalid value\(result.invalid.count == 1 ? "" : "s") left out: " + result.invalid.map { "\($0.value): \($0.error.message)" }.joined(separator: "; "))
        }
        for failure in result.failures {
            Terminal.error(failure.description)
        }
    }
}
