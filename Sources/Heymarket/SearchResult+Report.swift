import HMQJSON

extension SearchResult {
    /// The result as one JSON object (`hmq search --report`): `contacts` (each
    /// with `matched`, the values tied to it, or null and `candidates` when
    /// none can be), `unmatched`, `undetermined`, `invalid`, `not_searched`, `failed` (per batch:
    /// status, error, request id, attempts, every value), `attribution_failed` (the
    /// same, for exact attribution that could not finish), `requests` and
    /// `outcomes` (how many values ended in each): the last four are the
    /// ``LookupSummary``'s own JSON.
    public var report: JSONValue { report(summary) }

    /// The report, with `summary` the lookup's (when ``inputs`` holds only the values that matched nothing).
    public func report(_ summary: LookupSummary) -> JSONValue {
        let result = self
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
        let invalid: [JSONValue] = result.invalid.map { entry in
            .object(JSONObject([
                .init(key: "type", value: entry.value.type.map(JSONValue.string) ?? .null),
                .init(key: "value", value: .string(entry.error.shownValue(entry.value.value))),
                .init(key: "error", value: .string(entry.error.message)),
                .init(key: "status", value: entry.error.status.map { .integer(Int64($0)) } ?? .null),
                .init(key: "request_id", value: entry.error.requestID.map(JSONValue.string) ?? .null),
            ]))
        }
        return .object(JSONObject([
            .init(key: "contacts", value: .array(contacts)),
            .init(key: "unmatched", value: .array(result.unmatched.map(describe))),
            .init(key: "undetermined", value: .array(result.undetermined.map(describe))),
            .init(key: "invalid", value: .array(invalid)),
            // A value the server refused alone is invalid, with the server's status and request id there;
            // it is not listed again under `failed` (every value is in exactly one list).
            .init(key: "failed", value: summary.json["failed"] ?? .array([])),
            // Values the run stopped before asking (an invalid value elsewhere, a refusal): each value is in one list.
            .init(key: "not_searched", value: .array(result.inputs.compactMap { input -> JSONValue? in
                if case .notSearched = input.outcome { return describe(input.value) } else { return nil }
            })),
        ] + summary.json.members.filter { $0.key != "failed" }))
    }
}
