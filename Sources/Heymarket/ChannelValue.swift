import Foundation

/// One value to search for, as the user gave it: `phone 14155551234`,
/// `email a@b.com`, `facebook 1234`, or an untyped value the server will classify.
public struct ChannelValue: Sendable, Hashable, CustomStringConvertible {
    /// The channel type (`phone`, `email`, any integration name), or nil to let
    /// the server infer it. Stored lowercased.
    public var type: String?
    /// The value as given.
    public var value: String

    public init(type: String?, value: String) {
        self.type = type?.lowercased()
        self.value = value
    }

    public static func phone(_ value: String) -> ChannelValue { ChannelValue(type: "phone", value: value) }
    public static func email(_ value: String) -> ChannelValue { ChannelValue(type: "email", value: value) }
    public static func untyped(_ value: String) -> ChannelValue { ChannelValue(type: nil, value: value) }

    /// `phone:14155551234`, or the bare value when untyped.
    public var description: String { type.map { "\($0):\(value)" } ?? value }

    /// Reads what ``description`` writes: `TYPE:VALUE` (TYPE a letter then
    /// letters, digits, `_` or `-`; blanks around VALUE dropped) is typed, anything else
    /// is an untyped value. `+1 (415) 555-1234` and `ada@example.com` stay untyped;
    /// `email:` is an email with an empty value (which the planner refuses).
    public init(parsing text: String) {
        if let colon = text.firstIndex(of: ":"), colon != text.startIndex,
           let first = text.unicodeScalars.first, first.properties.isAlphabetic, first.isASCII,
           text[..<colon].unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-") }) {
            self.init(type: String(text[..<colon]), value: String(text[text.index(after: colon)...]).trimmingCharacters(in: .whitespaces))
        } else {
            self.init(type: nil, value: text)
        }
    }
}

/// A value ready to send: normalised (phones as E.164 digits without `+`,
/// emails trimmed and lowercased), the unit of de-duplication.
public struct NormalizedChannelValue: Sendable, Hashable, CustomStringConvertible {
    public var type: String?
    public var value: String

    public init(type: String?, value: String) {
        self.type = type
        self.value = value
    }

    public var description: String { type.map { "\($0):\(value)" } ?? value }
}
