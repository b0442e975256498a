import Foundation

/// The sandbox's contacts: each kept as the JSON bytes it answers with, plus
/// every channel it can be found by. As on the real service, a contact's
/// channels can be more than its `phone` and `email` fields show (a second
/// phone, an old email): search matches them all, the answer shows only the fields.
public struct SandboxContactStore: Sendable {
    /// A channel a contact can be found by: `phone`/`14155551234`, `email`/`a@b.com`, `facebook`/`1000`.
    public struct Channel: Sendable, Hashable {
        public var type: String
        public var value: String
        public init(type: String, value: String) {
            self.type = type.lowercased()
            self.value = type.lowercased() == "email" ? value.lowercased() : value
        }
    }

    struct Entry: Sendable {
        /// What the contact is answered with: JSON bytes as a dataset file gave
        /// them, or a demo contact, written only when a search finds it (a
        /// one-shot `hmq --sandbox -e` finds a few of the 320).
        enum Body: Sendable {
            case json(Data)
            /// The demo contact of this index (``DemoDataset/contact(at:)``), made when it is answered.
            case demo(index: Int)
        }
        var body: Body
        /// Every channel, those the fields show first.
        var channels: [Channel]

        /// The contact's JSON, as it is answered.
        var json: Data {
            switch body {
            case .json(let data): data
            case .demo(let index): DemoDataset.json(DemoDataset.contact(at: index))
            }
        }
    }

    /// The key of a dataset file's contact that lists channels its fields do not
    /// show; it is taken out of the answer.
    public static let hiddenChannelsKey = "_channels"

    let entries: [Entry]
    private let index: [String: [String: [Int]]]

    /// How many contacts there are.
    public var count: Int { entries.count }

    init(entries: [Entry]) {
        self.entries = entries
        var index: [String: [String: [Int]]] = [:]
        for (i, e) in entries.enumerated() {
            for channel in Set(e.channels) { index[channel.type, default: [:]][channel.value, default: []].append(i) }
        }
        for (type, values) in index { index[type] = values.mapValues { $0.sorted() } }
        self.index = index
    }

    /// Loads a dataset file: a JSON array of contact objects, answered as they are.
    /// Contacts are found by `phone`, `email`, for other channel types by the
    /// string field of that name, and by the channels listed under `_channels`
    /// (`[{"type": "phone", "id": "12125550100"}]`), which the answer leaves out.
    public init(contentsOf url: URL) throws {
        try self.init(json: try Data(contentsOf: url), named: url.path)
    }

    /// Reads a dataset given as JSON text, in the shape of a dataset file
    /// (see ``init(contentsOf:)``); `name` names it in errors.
    public init(json data: Data, named name: String = "dataset") throws {
        guard let array = try JSONSerialization.jsonObject(with: data) as? [Any] else {
            throw SandboxDatasetError(message: "\(name): expected a JSON array of contact objects")
        }
        var entries: [Entry] = []
        for (i, element) in array.enumerated() {
            guard var object = element as? [String: Any] else {
                throw SandboxDatasetError(message: "\(name): element \(i) is not a JSON object")
            }
            var channels: [Channel] = []
            for (key, value) in object.sorted(by: { $0.key < $1.key }) where key != Self.hiddenChannelsKey {
                if let s = value as? String, !s.isEmpty { channels.append(Channel(type: key, value: s)) }
            }
            if let hidden = object.removeValue(forKey: Self.hiddenChannelsKey) {
                guard let list = hidden as? [[String: Any]] else {
                    throw SandboxDatasetError(message: "\(name): element \(i): \(Self.hiddenChannelsKey) must be an array of {\"type\", \"id\"} objects")
                }
                for item in list {
                    guard let type = item["type"] as? String, let id = item["id"] as? String else {
                        throw SandboxDatasetError(message: "\(name): element \(i): each of \(Self.hiddenChannelsKey) needs a string type and id")
                    }
                    channels.append(Channel(type: type, value: id))
                }
            }
            entries.append(Entry(body: .json(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])), channels: channels))
        }
        self.init(entries: entries)
    }

    /// The built-in demo dataset (see ``DemoDataset``).
    public static let demo: SandboxContactStore = DemoDataset.store()

    /// Indexes of the contacts matching one channel value, per the documented rules:
    /// phones exactly (E.164 digits, no `+`), emails case-insensitively, other types
    /// exactly, and untyped values inferred (`@` -> email, digits -> phone).
    func lookup(type: String?, value: String) -> [Int] {
        switch type ?? Self.inferType(value) {
        case "phone" where type == nil: return index["phone"]?[String(value.drop(while: { $0 == "+" }))] ?? []
        case "email": return index["email"]?[value.lowercased()] ?? []
        case nil: return []
        case let other?: return index[other]?[value] ?? []
        }
    }

    /// The type the server infers for an untyped value, or nil when it looks like neither.
    static func inferType(_ value: String) -> String? {
        if value.contains("@") { return "email" }
        let digits = value.hasPrefix("+") ? value.dropFirst() : Substring(value)
        if (7...15).contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }) { return "phone" }
        return nil
    }
}

/// A dataset file that is not a JSON array of objects.
public struct SandboxDatasetError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
