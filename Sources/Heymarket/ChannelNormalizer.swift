/// Turns what a user typed into what the API expects.
///
/// - `phone`: keeps the digits of `+1 (415) 555-1234`-style input; a 10-digit
///   national number gets ``countryCode`` in front; the result must be 8 to 15
///   digits (E.164), sent without `+`.
/// - `email`: trimmed and lowercased; must be `local@domain` with no spaces.
/// - untyped: sent without `channel_type` (the server infers it). A value that
///   reads as a phone number is normalised like one and one that reads as an
///   email like one, but the type is never guessed into the request.
/// - any other type: trimmed, must be non-empty.
public struct ChannelNormalizer: Sendable {
    /// Prepended to 10-digit national phone numbers (default `1`, North America).
    public var countryCode: String

    public init(countryCode: String = "1") { self.countryCode = countryCode }

    /// The normalised value, or an ``HeymarketError/Code/invalidValue`` error saying what is wrong.
    public func normalize(_ input: ChannelValue) -> Result<NormalizedChannelValue, HeymarketError> {
        let trimmed = input.value.trimmingWhitespace()
        guard !trimmed.isEmpty else { return .failure(invalid(input, "the value is empty")) }
        switch input.type {
        case "phone":
            guard let digits = phoneDigits(trimmed) else {
                return .failure(invalid(input, "not a phone number (expected digits, e.g. 14155551234)"))
            }
            return .success(NormalizedChannelValue(type: "phone", value: digits))
        case "email":
            guard Self.looksLikeEmail(trimmed) else {
                return .failure(invalid(input, "not an email address"))
            }
            return .success(NormalizedChannelValue(type: "email", value: trimmed.lowercased()))
        case nil:
            if let digits = phoneDigits(trimmed) { return .success(NormalizedChannelValue(type: nil, value: digits)) }
            if Self.looksLikeEmail(trimmed) { return .success(NormalizedChannelValue(type: nil, value: trimmed.lowercased())) }
            return .success(NormalizedChannelValue(type: nil, value: trimmed))
        case let type?:
            return .success(NormalizedChannelValue(type: type, value: trimmed))
        }
    }

    /// E.164 digits without `+`, or nil if `text` is not a phone number.
    public func phoneDigits(_ text: String) -> String? {
        var digits: [UInt8] = []
        digits.reserveCapacity(16)
        var hasPlus = false
        var first = true
        for b in text.utf8 {
            defer { first = false }
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digits.append(b)
            case UInt8(ascii: "+") where first: hasPlus = true
            case UInt8(ascii: " "), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "("), UInt8(ascii: ")"): continue
            default: return nil
            }
        }
        if !hasPlus, digits.count == 10 { digits.insert(contentsOf: countryCode.utf8, at: 0) }
        guard (8...15).contains(digits.count), digits.first != UInt8(ascii: "0") else { return nil }
        return String(decoding: digits, as: UTF8.self)
    }

    static func looksLikeEmail(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return false }
        return !text.contains(where: { $0.isWhitespace })
    }

    private func invalid(_ input: ChannelValue, _ why: String) -> HeymarketError {
        HeymarketError(.invalidValue, message: "\(input.type ?? "value") '\(input.value)': \(why)")
    }
}

extension String {
    func trimmingWhitespace() -> String {
        guard let first = unicodeScalars.first, let last = unicodeScalars.last else { return self }
        if !first.properties.isWhitespace, !last.properties.isWhitespace { return self }
        var scalars = Substring(self).unicodeScalars
        while let first = scalars.first, first.properties.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.properties.isWhitespace { scalars.removeLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}
