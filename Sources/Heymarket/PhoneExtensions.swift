/// What to do with a phone number written with an extension
/// (`415-555-0133 ext. 359`): the API searches numbers, and an extension is
/// no part of one.
public enum PhoneExtensions: String, Sendable, Hashable, CaseIterable {
    /// Refuse the value as invalid, saying how to drop the extension (the default).
    case refuse
    /// Search the number without its extension; the lookup notes each value it was dropped from.
    case drop
}

extension PhoneNumberNormalizer {
    /// `text` split into its number and the extension written after it
    /// (`415-555-0133 ext. 359` is `415-555-0133` and `ext. 359`): a marker
    /// (`ext.`, `ext`, `extension`, `x`, `#`, `;ext=`), maybe followed by
    /// spaces, `.` or `:`, then digits to the end, after a number holding a
    /// digit. Nil when `text` has no extension.
    public static func splitExtension(_ text: String) -> (number: Substring, extension: Substring)? {
        let lower = text.lowercased()
        // Lowercasing that changed the length would put the marker elsewhere in `text`.
        guard lower.count == text.count else { return nil }
        for marker in [";ext=", "extension", "ext.", "ext", "x", "#"] {
            guard let range = lower.range(of: marker, options: .backwards) else { continue }
            let tail = lower[range.upperBound...].drop { $0 == " " || $0 == "." || $0 == ":" }
            guard !tail.isEmpty, tail.allSatisfy({ $0.isASCII && $0.isNumber }) else { continue }
            let start = text.index(text.startIndex, offsetBy: lower.distance(from: lower.startIndex, to: range.lowerBound))
            var number = text[..<start]
            while let last = number.last, last.isWhitespace || last == "," { number.removeLast() }
            guard number.contains(where: { $0.isASCII && $0.isNumber }) else { return nil }
            return (number, text[start...])
        }
        return nil
    }
}
