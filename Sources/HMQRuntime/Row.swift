import HMQJSON
import Heymarket

/// One row flowing through a pipeline: a contact's fields as the API sent them
/// (or a computed row, e.g. from `count`), and the input values that found it.
public struct Row: Sendable, Hashable {
    /// The fields, in order.
    public var fields: JSONObject
    /// The input values known to have found this contact (for the virtual field
    /// `matched`; empty when no value can be tied to it, which `matched` shows as null).
    public var matched: [ChannelValue]
    /// For a row of a records source (`find csv "leads.csv" by ...`): the
    /// record's own cells, read as the virtual field `input` (`input.Company`, `show input.*`).
    public var input: JSONObject?

    /// A row of `fields`, found by the input values `matched`.
    public init(fields: JSONObject, matched: [ChannelValue] = [], input: JSONObject? = nil) {
        self.fields = fields
        self.matched = matched
        self.input = input
    }

    /// Fields every row can answer although the API does not send them
    /// (`tags.name` where a row has `tags`).
    public static let virtualFields = ["name", "matched", "tags.name"]

    /// What an element of `tags` stands for: a tag object (`{"id": 7, "tag": "vip"}`)
    /// by its name, anything else as it is (the API's reading, `Contact.tag`), for
    /// what shows rows without the API client (the formatters).
    public static func tag(_ element: JSONValue) -> JSONValue { Contact.tag(element) }

    /// The value at a dotted path, or nil when missing. Virtual fields: `name`
    /// (display_name, else first + last), `matched` (the input values known
    /// to have found the contact, as text; null when none can be tied to it)
    /// and `tags.name` (the tag names, as text, whether the API sent tags as
    /// strings or as tag objects; null when there is no list of tags).
    /// Through an array, a name maps over the elements (`note.text`) and a number indexes it (`note.0`).
    public func value(at path: [String]) -> JSONValue? {
        guard let head = path.first else { return .object(fields) }
        var value: JSONValue
        var rest = path.dropFirst()
        if let field = fields[head] {
            value = field
            if head == "tags", rest.first == "name" {
                guard let names = Contact.tagNames(of: field) else { return nil }
                value = .array(names.map(JSONValue.string))
                rest = rest.dropFirst()
            }
        } else if head == "name" {
            guard let name = Contact(fields: fields).name else { return nil }
            value = .string(name)
        } else if head == "matched" {
            value = matched.isEmpty ? .null : .array(matched.map { .string($0.value) })
        } else if head == "input", let input {
            value = .object(input)
        } else {
            return nil
        }
        for component in rest {
            guard let next = Self.step(value, component) else { return nil }
            value = next
        }
        return value
    }

    static func step(_ value: JSONValue, _ component: String) -> JSONValue? {
        switch value {
        case .object(let object): return object[component]
        case .array(let elements):
            if let index = Int(component) { return elements.indices.contains(index) ? elements[index] : nil }
            let mapped = elements.compactMap { step($0, component) }
            return mapped.isEmpty ? nil : .array(mapped)
        default: return nil
        }
    }
}
