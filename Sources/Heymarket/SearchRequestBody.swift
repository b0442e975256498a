import HMQJSON

/// The body of `POST /v2/contacts/search`, exactly as documented:
/// `{"contact_channels": [{"channel_ids": [...], "channel_type": "phone"}, ...]}`,
/// with `channel_type` left out of an entry whose values are untyped.
public struct SearchRequestBody: Sendable, Hashable {
    /// One `contact_channels` entry: values of one type (or untyped).
    public struct Entry: Sendable, Hashable {
        public var channelType: String?
        public var channelIDs: [String]
        public init(channelType: String?, channelIDs: [String]) {
            self.channelType = channelType
            self.channelIDs = channelIDs
        }
    }

    public var entries: [Entry]

    public init(entries: [Entry]) { self.entries = entries }

    /// Groups `values` into one entry per type, in order of first appearance.
    public init(values: [NormalizedChannelValue]) {
        var entries: [Entry] = []
        var indexOfType: [String?: Int] = [:]
        for value in values {
            if let i = indexOfType[value.type] {
                entries[i].channelIDs.append(value.value)
            } else {
                indexOfType[value.type] = entries.count
                entries.append(Entry(channelType: value.type, channelIDs: [value.value]))
            }
        }
        self.entries = entries
    }

    /// The JSON document.
    public var json: JSONValue {
        .object(JSONObject([
            .init(key: "contact_channels", value: .array(entries.map { entry in
                var members: [JSONObject.Member] = [
                    .init(key: "channel_ids", value: .array(entry.channelIDs.map { .string($0) }))
                ]
                if let type = entry.channelType { members.append(.init(key: "channel_type", value: .string(type))) }
                return .object(JSONObject(members))
            }))
        ]))
    }

    /// The compact JSON bytes sent on the wire.
    public var bytes: [UInt8] { JSONWriter().bytes(json) }

    /// How many ids the body holds.
    public var count: Int { entries.reduce(0) { $0 + $1.channelIDs.count } }
}
