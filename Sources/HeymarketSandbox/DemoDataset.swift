import Foundation

/// The sandbox's deterministic demo dataset: 320 contacts with non-ASCII names,
/// tags as strings and as objects, custom fields, notes, opted-out contacts,
/// two contacts sharing an email, and a field the schema does not list.
///
/// Known entries (for examples and tests):
/// - id 1001 Ada Lovelace, phone 14155551234, email ada@example.com, tags vip, customer
/// - id 1002 José Núñez, phone 14155559876, email jose.nunez@example.com
/// - id 1003 李小龍 (first 小龍, last 李), phone 14155552003
/// - ids 1004 and 1005 Priya and Raj Patel share patel.family@example.com
/// - every contact with id n from 1003 to 1320 has phone 1415555 followed by n+1000
///   (id 1010 -> 14155552010), except every 29th (ids 1029, 1058, ...: email only);
///   from 1006 on, email is first.last.n@example.com (ASCII), except every 23rd (no email)
/// - tags are objects `{id, tag, color}` on every 5th contact from 1003 on (1003, 1008, ...)
/// - `company` and `facebook` are fields the schema does not list
/// - some contacts have channels no field shows (``hiddenChannels(at:)``)
public enum DemoDataset {
    /// How many contacts the demo dataset holds.
    public static let count = 320

    /// The dataset as JSON objects, in id order.
    public static func contacts() -> [DemoContact] {
        (0..<count).map(contact(at:))
    }

    /// The store: each contact by the channels it is found by; the contact itself
    /// is made (tags, notes, dates) only when a search finds it.
    static func store() -> SandboxContactStore {
        let entries = (0..<count).map { i -> SandboxContactStore.Entry in
            let shown = shownChannels(at: i)
            var channels: [SandboxContactStore.Channel] = []
            if let phone = shown.phone { channels.append(.init(type: "phone", value: phone)) }
            if let email = shown.email { channels.append(.init(type: "email", value: email)) }
            if let fb = shown.facebook { channels.append(.init(type: "facebook", value: fb)) }
            return .init(body: .demo(index: i), channels: channels + hiddenChannels(at: i))
        }
        return SandboxContactStore(entries: entries)
    }

    /// The channels contact `i`'s fields show, as ``contact(at:)`` gives them.
    static func shownChannels(at i: Int) -> (phone: String?, email: String?, facebook: String?) {
        let id = 1001 + i
        let phone: String?
        switch i {
        case 0: phone = "14155551234"
        case 1: phone = "14155559876"
        default: phone = i % 29 == 28 ? nil : "1415555" + String(id + 1000)
        }
        return (phone, i % 23 == 22 ? nil : person(at: i).slug + "@example.com", i % 40 == 5 ? "1000\(id)" : nil)
    }

    /// Contact `i`'s name and the slug of its address.
    private static func person(at i: Int) -> Person {
        if i < people.count { return people[i] }
        let f = firstNames[(i * 7) % firstNames.count]
        let l = lastNames[(i * 11 + i / firstNames.count) % lastNames.count]
        return Person(first: f.0, last: l.0, slug: "\(f.1).\(l.1).\(1001 + i)")
    }

    /// A demo contact as the sandbox answers it: keys sorted, slashes as they are.
    static func json(_ contact: DemoContact) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // The encoder cannot fail on these plain values.
        return (try? encoder.encode(contact)) ?? Data("{}".utf8)
    }

    /// Channels a contact can be found by that none of its fields show, as on
    /// the real service (a second phone, an old email):
    /// - every 25th contact from id 1010 on (1010, 1035, ...) has a second phone
    ///   `1212300` + its index as four digits (id 1010 -> 12123000009);
    /// - every 50th from id 1035 on (1035, 1085, ...) has an old email `alt.N@example.org`
    ///   (id 1035 -> alt.1035@example.org);
    /// - id 1020 shares the phone of id 1150 (14155552150) without showing it
    ///   (a family number): searching it finds 1150 and 1020.
    public static func hiddenChannels(at i: Int) -> [SandboxContactStore.Channel] {
        var channels: [SandboxContactStore.Channel] = []
        if i % 25 == 9 { channels.append(.init(type: "phone", value: "1212300" + String(repeating: "0", count: 4 - String(i).count) + String(i))) }
        if i % 50 == 34 { channels.append(.init(type: "email", value: "alt.\(1001 + i)@example.org")) }
        if i == 19 { channels.append(.init(type: "phone", value: "14155552150")) }
        return channels
    }

    private struct Person {
        var first: String
        var last: String
        var slug: String
    }

    private static let people: [Person] = [
        .init(first: "Ada", last: "Lovelace", slug: "ada"),
        .init(first: "José", last: "Núñez", slug: "jose.nunez"),
        .init(first: "小龍", last: "李", slug: "li.xiaolong"),
        .init(first: "Priya", last: "Patel", slug: "patel.family"),
        .init(first: "Raj", last: "Patel", slug: "patel.family"),
    ]
    private static let firstNames: [(String, String)] = [
        ("Grace", "grace"), ("Zoë", "zoe"), ("Søren", "soren"), ("Amélie", "amelie"), ("Björn", "bjorn"),
        ("Chloé", "chloe"), ("Łukasz", "lukasz"), ("Ngozi", "ngozi"), ("Mei", "mei"), ("Ольга", "olga"),
        ("Αλέξανδρος", "alexandros"), ("François", "francois"), ("Alan", "alan"), ("Maya", "maya"),
        ("Kenji", "kenji"), ("Fatima", "fatima"), ("Liam", "liam"), ("Renée", "renee"), ("Diego", "diego"),
        ("Aroha", "aroha"), ("Ines", "ines"), ("Tomás", "tomas"), ("Yuki", "yuki"), ("Oskar", "oskar"),
    ]
    private static let lastNames: [(String, String)] = [
        ("Hopper", "hopper"), ("Müller", "muller"), ("Kierkegaard", "kierkegaard"), ("Dubois", "dubois"),
        ("Andersson", "andersson"), ("Okafor", "okafor"), ("Kowalski", "kowalski"), ("Chen", "chen"),
        ("Иванова", "ivanova"), ("Παπαδόπουλος", "papadopoulos"), ("Turing", "turing"), ("García", "garcia"),
        ("山田", "yamada"), ("Haddad", "haddad"), ("O'Brien", "obrien"), ("Ngata", "ngata"), ("Silva", "silva"),
        ("Nguyễn", "nguyen"), ("Smith", "smith"), ("Kim", "kim"),
    ]
    private static let tagPool = ["customer", "lead", "newsletter", "enterprise", "support", "beta", "partner", "churn-risk", "café"]
    private static let colors = ["#e11d48", "#2563eb", "#16a34a", "#d97706", "#7c3aed"]
    private static let plans = ["Free", "Pro", "Enterprise"]
    private static let regions = ["West", "East", "Central", "EMEA", "APAC"]

    static func contact(at i: Int) -> DemoContact {
        let id = 1001 + i
        let person = person(at: i)
        let shown = shownChannels(at: i)
        var tagNames: [String] = []
        if i == 0 { tagNames = ["vip", "customer"] }
        else {
            if i % 3 == 0 { tagNames.append(tagPool[i % tagPool.count]) }
            if i % 4 == 1 { tagNames.append(tagPool[(i / 4) % tagPool.count]) }
            if i % 10 == 0 { tagNames.append("vip") }
        }
        tagNames = tagNames.reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
        let tags: [DemoContact.Tag] = tagNames.enumerated().map { n, name in
            i % 5 == 2 ? .object(id: 700 + (tagPool.firstIndex(of: name) ?? 9), tag: name, color: colors[(i + n) % colors.count]) : .name(name)
        }
        var custom: [String: String] = [:]
        if i % 5 != 4 { custom["12"] = plans[i % plans.count] }
        if i % 2 == 0 { custom["7"] = regions[i % regions.count] }
        var notes: [DemoContact.Note] = []
        if i % 4 == 0 {
            notes.append(.init(date: timestamp(day: i, hour: 10), id: "n\(id)a", name: "Sam Agent", text: i == 0 ? "Prefers SMS after 5pm. Asked about the Enterprise plan." : "Called about order #\(40000 + i).", user_id: 9001))
        }
        if i % 12 == 0 {
            notes.append(.init(date: timestamp(day: i + 3, hour: 15), id: "n\(id)b", name: "Kim Lead", text: "Follow up next quarter — “renewal” pending.", user_id: 9002))
        }
        let displayName: String?
        if i % 7 == 6 { displayName = nil }
        else if i == 2 { displayName = "李小龍" }
        else if i % 11 == 10 { displayName = person.first + " “" + person.last.prefix(1) + ".”" }
        else { displayName = person.first + " " + person.last }
        return DemoContact(
            id: id,
            display_name: displayName,
            first: person.first,
            last: person.last,
            phone: shown.phone,
            email: shown.email,
            tags: tags,
            custom: custom,
            note: notes,
            is_opted_out: i % 17 == 16 ? nil : (i % 13 == 12),
            inbox_id: i % 3 == 0 ? 502 : 501,
            team_id: 42,
            creator_id: 9001 + i % 3,
            assigned_user_id: i % 6 == 0 ? nil : 9001 + i % 4,
            parent_id: 0,
            rev: 1 + i % 5,
            shared: i % 3 == 0,
            type: "contact",
            op: "",
            avatar: i % 8 == 0 ? "https://example.com/avatars/\(id).png" : "",
            external_id: i % 2 == 0 ? "crm-\(id)" : "",
            external_ref: "",
            created: timestamp(day: i, hour: 9),
            updated: timestamp(day: i + 30 + i % 17, hour: 14),
            company: i % 9 == 0 ? ["Acme Corp", "Globex", "Initech", "Umbrella"][i / 9 % 4] : nil,
            facebook: shown.facebook
        )
    }

    private static func timestamp(day: Int, hour: Int) -> String {
        let date = Date(timeIntervalSince1970: 1_704_067_200 + Double(day) * 86_400 + Double(hour) * 3_600)
        return date.formatted(.iso8601)
    }
}

/// One demo contact, in the shape of the API's answer (plus `company` and
/// `facebook`, fields the schema does not list).
public struct DemoContact: Encodable, Sendable {
    public enum Tag: Encodable, Sendable {
        case name(String)
        case object(id: Int, tag: String, color: String)

        public func encode(to encoder: any Encoder) throws {
            switch self {
            case .name(let s):
                var c = encoder.singleValueContainer()
                try c.encode(s)
            case .object(let id, let tag, let color):
                var c = encoder.container(keyedBy: TagKeys.self)
                try c.encode(id, forKey: .id)
                try c.encode(tag, forKey: .tag)
                try c.encode(color, forKey: .color)
            }
        }
        private enum TagKeys: String, CodingKey { case id, tag, color }
    }

    public struct Note: Encodable, Sendable {
        public var date: String
        public var id: String
        public var name: String
        public var text: String
        public var user_id: Int
    }

    public var id: Int
    public var display_name: String?
    public var first: String
    public var last: String
    public var phone: String?
    public var email: String?
    public var tags: [Tag]
    public var custom: [String: String]
    public var note: [Note]
    public var is_opted_out: Bool?
    public var inbox_id: Int
    public var team_id: Int
    public var creator_id: Int
    public var assigned_user_id: Int?
    public var parent_id: Int
    public var rev: Int
    public var shared: Bool
    public var type: String
    public var op: String
    public var avatar: String
    public var external_id: String
    public var external_ref: String
    public var created: String
    public var updated: String
    public var company: String?
    public var facebook: String?
}
