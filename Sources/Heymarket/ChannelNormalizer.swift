/// Turns what a user typed into what the API expects.
///
/// - `phone`: E.164 digits without `+`, read by ``PhoneNumberNormalizer``
///   (international prefixes, trunk prefixes, national numbers under
///   ``countryCode``); letters are refused, and extensions as ``extensions`` says.
/// - `email`: trimmed and lowercased; must be `local@domain` with no spaces.
/// - untyped: sent without `channel_type` (the server infers it). A value made
///   of phone characters is normalised like a phone (and refused if it is not
///   one), one with `@` like an email, but the type is never guessed into the request.
/// - any other type: trimmed, must be non-empty.
public struct ChannelNormalizer: Sendable {
    /// The country calling code of national phone numbers (default `1`, North America).
    public var countryCode: String
    /// A phone number written with an extension: refused (the default), or searched without it.
    public var extensions: PhoneExtensions

    public init(countryCode: String = "1", extensions: PhoneExtensions = .refuse) {
        self.countryCode = countryCode
        self.extensions = extensions
    }

    /// The normalised value, or an ``HeymarketError/Code/invalidValue`` error saying what is wrong.
    public func normalize(_ input: ChannelValue) -> Result<NormalizedChannelValue, HeymarketError> { reading(input).normalized }

    /// What `input` is sent as (or why it is not), and the extension left off
    /// it under ``PhoneExtensions/drop`` (`ext. 359`; nil when none was).
    public func reading(_ input: ChannelValue) -> (normalized: Result<NormalizedChannelValue, HeymarketError>, droppedExtension: String?) {
        let trimmed = input.value.trimmingWhitespace()
        guard !trimmed.isEmpty else { return (.failure(invalid(input, "the value is empty")), nil) }
        switch input.type {
        case "phone":
            return phone(trimmed, of: input)
        case "email":
            guard Self.looksLikeEmail(trimmed) else {
                return (.failure(invalid(input, "not an email address")), nil)
            }
            // No address holds a control character (an escape sequence, a NUL).
            guard !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                return (.failure(invalid(input, "not an email address: it holds a control character")), nil)
            }
            if let why = Self.emailProblem(trimmed) { return (.failure(invalid(input, "not an email address: " + why)), nil) }
            return (.success(NormalizedChannelValue(type: "email", value: trimmed.lowercased())), nil)
        case nil:
            if Self.looksLikePhone(trimmed) { return phone(trimmed, of: input) }
            if Self.looksLikeEmail(trimmed) { return (.success(NormalizedChannelValue(type: nil, value: trimmed.lowercased())), nil) }
            return (.success(NormalizedChannelValue(type: nil, value: trimmed)), nil)
        case let type?:
            return (.success(NormalizedChannelValue(type: type, value: trimmed)), nil)
        }
    }

    /// A phone value (typed, or untyped and read as one), its extension dropped under ``PhoneExtensions/drop``.
    private func phone(_ trimmed: String, of input: ChannelValue) -> (normalized: Result<NormalizedChannelValue, HeymarketError>, droppedExtension: String?) {
        var number = trimmed
        var dropped: String?
        if extensions == .drop, let split = PhoneNumberNormalizer.splitExtension(trimmed) {
            (number, dropped) = (String(split.number), String(split.extension))
        }
        switch PhoneNumberNormalizer(countryCode: countryCode).normalize(number) {
        case .success(let digits): return (.success(NormalizedChannelValue(type: input.type, value: digits)), dropped)
        case .failure(let error): return (.failure(invalid(input, "not a phone number: " + error.message)), nil)
        }
    }

    /// E.164 digits without `+`, or nil if `text` is not a phone number.
    public func phoneDigits(_ text: String) -> String? {
        try? PhoneNumberNormalizer(countryCode: countryCode).normalize(text.trimmingWhitespace()).get()
    }

    /// What a person reads as a phone number, so an untyped value is read (or
    /// refused) as one: digits with phone punctuation only (at least 7 digits,
    /// or 3 when written with a leading `+` or an area code in parentheses: `(415) 555`;
    /// bare digits shorter than that may be an id of another channel, sent as they are),
    /// maybe with an extension after them (`415-555-0133 ext. 359`, `x12`, `#12`),
    /// or a number as a spreadsheet writes it (`14155550007.0`, `1.4155550007E+10`).
    static func looksLikePhone(_ text: String) -> Bool {
        if PhoneNumberNormalizer.spreadsheetNumber(text) != nil { return true }
        return looksLikePlainPhone(PhoneNumberNormalizer.splitExtension(text)?.number ?? Substring(text))
    }

    private static func looksLikePlainPhone(_ text: Substring) -> Bool {
        var digits = 0
        var written = false
        for (i, c) in text.enumerated() {
            if c.isASCII, c.isNumber { digits += 1; continue }
            if c == "+", i == 0 { written = true; continue }
            if c == "(" || c == ")" { written = true; continue }
            if " -./\u{A0}".contains(c) { continue }
            return false
        }
        return digits >= 7 || (written && digits >= 3)
    }

    /// Why a text shaped like `local@domain` is still no address a contact can have
    /// (sent, it could only ever be "no contact"); nil when it can be one.
    static func emailProblem(_ text: String) -> String? {
        guard let at = text.lastIndex(of: "@") else { return nil }
        let local = text[..<at], domain = text[text.index(after: at)...]
        if local.lowercased().hasPrefix("mailto:") { return "remove 'mailto:'" }
        if let bad = local.first(where: { "\"(),:;<>[]\\".contains($0) }) { return "'\(bad)' cannot stand in the part before '@' (is something else in the cell?)" }
        if let bad = domain.first(where: { !($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }) {
            return "'\(bad)' cannot stand in the domain '\(domain)'"
        }
        if !domain.contains(".") || domain.hasPrefix(".") || domain.hasSuffix(".") || domain.contains("..") {
            return "the domain '\(domain)' is no internet domain (it needs a dot, as in example.com)"
        }
        return nil
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

extension String {
    /// This text with every occurrence of `target` replaced (no Foundation needed).
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = ""
        var rest = Substring(self)
        while let range = rest.firstRange(of: target) {
            out += rest[..<range.lowerBound]
            out += replacement
            rest = rest[range.upperBound...]
        }
        return out + rest
    }
}
