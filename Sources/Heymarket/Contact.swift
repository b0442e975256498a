import HMQJSON

/// A contact as the API returned it.
///
/// Every field is optional and nullable, and fields the schema does not list are
/// kept (in ``fields``, in the order the server sent them), so users can show them.
/// The typed accessors are conveniences over ``fields``.
public struct Contact: Sendable, Hashable {
    /// Every field the server sent, in its order.
    public var fields: JSONObject

    public init(fields: JSONObject) { self.fields = fields }

    /// Decodes one element of the answer array; an element that is not an object is rejected.
    public init?(json: JSONValue) {
        guard case .object(let object) = json else { return nil }
        self.fields = object
    }

    public subscript(field: String) -> JSONValue? { fields[field] }

    /// The fields the API documents for a contact (every one optional).
    public static let documentedFields = [
        "id", "display_name", "first", "last", "phone", "email", "tags", "custom", "note", "is_opted_out",
        "avatar", "created", "updated", "creator_id", "inbox_id", "parent_id", "rev", "team_id",
        "assigned_user_id", "external_id", "external_ref", "op", "type", "shared",
    ]

    /// The id as an integer: an integer id and its string and float spellings (`900001`, `"900001"`, `900001.0`) are one id.
    public var id: Int64? { fields["id"]?.integerValue ?? fields["id"]?.stringValue.flatMap { Int64($0) } }

    /// How one contact is recognised across the records of an answer and
    /// across answers: by its id (normalised, see ``id``), an id that is no
    /// whole number by its text, and a record with no id by all its fields.
    public enum Identity: Hashable, Sendable {
        /// An id that is a whole number, however it is spelt.
        case id(Int64)
        /// An id that is text, or a number no `Int64` holds, as sent.
        case text(String)
        /// No id: the record's every field.
        case fields(JSONObject)
    }

    /// This record's ``Identity``.
    public var identity: Identity {
        if let id { return .id(id) }
        switch fields["id"] {
        case .string(let text)?, .number(let text)?: return .text(text)
        default: return .fields(fields)
        }
    }

    /// The records of an answer grouped by contact, in order of first
    /// appearance: a server may send one contact as several records (one id
    /// with different phones, or spelt `900001` and `"900001"`). Each group's
    /// first record stands for the contact; every record of it ties values.
    static func grouped(_ records: [Contact]) -> [[Contact]] {
        var groups: [[Contact]] = []
        var indexOf: [Identity: Int] = [:]
        for record in records {
            let identity = record.identity
            if let at = indexOf[identity] {
                groups[at].append(record)
            } else {
                indexOf[identity] = groups.count
                groups.append([record])
            }
        }
        return groups
    }
    public var displayName: String? { fields["display_name"]?.stringValue }
    public var first: String? { fields["first"]?.stringValue }
    public var last: String? { fields["last"]?.stringValue }
    public var phone: String? { fields["phone"]?.stringValue }
    public var email: String? { fields["email"]?.stringValue }
    public var isOptedOut: Bool? {
        if case .bool(let b)? = fields["is_opted_out"] { return b }
        return nil
    }

    /// The name to show: `display_name` when non-empty, else `first last`, else nil.
    public var name: String? {
        if let displayName, !displayName.trimmingWhitespace().isEmpty { return displayName }
        let parts = [first, last].compactMap { $0?.trimmingWhitespace() }.filter { !$0.isEmpty }
        return parts.isEmpty ? nil : parts.joined(separator: " ")
    }

    /// Tag names, whether the API sent strings, numbers or tag objects (`{"tag": ...}` or `{"name": ...}`).
    public var tagNames: [String] { fields["tags"].flatMap(Self.tagNames(of:)) ?? [] }

    /// The names of a list of tags, whatever their shape (strings, numbers,
    /// tag objects; anything else is left out); nil when `tags` is not a list.
    public static func tagNames(of tags: JSONValue) -> [String]? {
        guard case .array(let tags) = tags else { return nil }
        return tags.compactMap { tag in
            switch Self.tag(tag) {
            case .string(let s): return s
            case .integer(let i): return String(i)
            case .double(let d): return JSONWriter.format(d)
            case .number(let text): return text
            default: return nil
            }
        }
    }

    /// What a tag stands for: a tag object (`{"id": 7, "tag": "vip"}`, or
    /// `{"name": ...}`) by its name, anything else as it is. The API sends tags
    /// as strings in one page and as objects in another.
    public static func tag(_ value: JSONValue) -> JSONValue {
        if case .object(let o) = value, let name = o["tag"] ?? o["name"] { return name }
        return value
    }
}
