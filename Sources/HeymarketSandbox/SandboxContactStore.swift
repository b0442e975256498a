import Foundation

/// The sandbox's contacts: each kept as the JSON bytes it answers with, plus
/// the channel values it can be found by.
public struct SandboxContactStore: Sendable {
    struct Entry: Sendable {
        var json: Data
        var phone: String?
        var email: String?
        /// Other channel types this contact can be found by: field name -> value.
        var otherChannels: [String: String]
    }

    let entries: [Entry]
    private let byPhone: [String: [Int]]
    private let byEmail: [String: [Int]]

    /// How many contacts there are.
    public var count: Int { entries.count }

    init(entries: [Entry]) {
        self.entries = entries
        var byPhone: [String: [Int]] = [:]
        var byEmail: [String: [Int]] = [:]
        for (i, e) in entries.enumerated() {
            if let p = e.phone { byPhone[p, default: []].append(i) }
            if let m = e.email { byEmail[m.lowercased(), default: []].append(i) }
        }
        self.byPhone = byPhone
        self.byEmail = byEmail
    }

    /// Loads a dataset file: a JSON array of contact objects, answered as they are.
    /// Contacts are found by `phone`, `email` and, for other channel types, the
    /// string field of that name.
    public init(contentsOf url: URL) throws {
        let data = try Data(contentsOf: url)
        guard let array = try JSONSerialization.jsonObject(with: data) as? [Any] else {
            throw SandboxDatasetError(message: "\(url.path): expected a JSON array of contact objects")
        }
        var entries: [Entry] = []
        for (i, element) in array.enumerated() {
            guard let object = element as? [String: Any] else {
                throw SandboxDatasetError(message: "\(url.path): element \(i) is not a JSON object")
            }
            var others: [String: String] = [:]
            for (key, value) in object where key != "phone" && key != "email" {
                if let s = value as? String { others[key] = s }
            }
            entries.append(Entry(
                json: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]),
                phone: object["phone"] as? String,
                email: object["email"] as? String,
                otherChannels: others))
        }
        self.init(entries: entries)
    }

    /// The built-in demo dataset (see ``DemoDataset``).
    public static let demo: SandboxContactStore = DemoDataset.store()

    /// Indexes of the contacts matching one channel value, per the documented rules:
    /// phones exactly (E.164 digits, no `+`), emails case-insensitively, other types by
    /// the field of that name, and untyped values inferred (`@` -> email, digits -> phone).
    func lookup(type: String?, value: String) -> [Int] {
        switch type ?? Self.inferType(value) {
        case "phone" where type == nil: return byPhone[String(value.drop(while: { $0 == "+" }))] ?? []
        case "phone": return byPhone[value] ?? []
        case "email": return byEmail[value.lowercased()] ?? []
        case nil: return []
        case let other?: return entries.indices.filter { entries[$0].otherChannels[other] == value }
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
