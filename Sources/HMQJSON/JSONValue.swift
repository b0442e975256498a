/// A JSON value that keeps what the server sent: object keys in their original
/// order, integers as integers, and every field, including ones no schema lists.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case integer(Int64)
    case double(Double)
    /// A number as the server wrote it, when it fits neither an `Int64` nor a
    /// finite `Double` (`184467440737095516170`, `1e400`): kept as text, so what
    /// the server sent is what the user gets.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// The member `key` of an object, or nil for a missing key or a non-object.
    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    /// The string, if this is a string.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The integer, if this is an integer (or a double with no fraction).
    public var integerValue: Int64? {
        switch self {
        case .integer(let i): return i
        case .double(let d) where d.rounded() == d && abs(d) < 9.2e18: return Int64(d)
        default: return nil
        }
    }

    /// The array's elements, if this is an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// The object, if this is an object.
    public var objectValue: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// True for `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral, ExpressibleByFloatLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(elements.map { JSONObject.Member(key: $0.0, value: $0.1) }))
    }
    public init(nilLiteral: ()) { self = .null }
}

extension JSONValue {
    /// Whether two values are the same JSON: numbers compare by value (`5`
    /// and `5.0` are one number; the writer prints an integral double as an
    /// integer; see ``compareNumbers(_:_:)``), objects member by member in
    /// order, arrays element by element.
    public func sameValue(as other: JSONValue) -> Bool {
        if let order = Self.compareNumbers(self, other) { return order == 0 }
        switch (self, other) {
        case (.array(let a), .array(let b)): return a.count == b.count && zip(a, b).allSatisfy { $0.sameValue(as: $1) }
        case (.object(let a), .object(let b)):
            return a.count == b.count && zip(a.members, b.members).allSatisfy { $0.key == $1.key && $0.value.sameValue(as: $1.value) }
        default: return self == other
        }
    }
}

extension JSONValue {
    /// True for what JSON-RPC 2.0 takes as a request's id: a string or an
    /// integer (one too large for `Int64` too, echoed back as written); never
    /// a fraction, an exponent, an object, an array, a boolean or null.
    public var isJSONRPCID: Bool {
        switch self {
        case .string, .integer: true
        case .number(let text): text.utf8.allSatisfy { $0 == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
        default: false
        }
    }
}
