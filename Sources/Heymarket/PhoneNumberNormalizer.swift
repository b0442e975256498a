/// Turns a phone number as people write it into E.164 digits without `+`,
/// as the API expects (`+44 (0)20 7946 0958` -> `442079460958`), or says why it cannot.
///
/// - International form: `+`, or an international prefix (`00`; also `011` under
///   country code 1; `0011` under 61, `010` under 81, `810` under 7), then
///   the country code. A trunk prefix written after it (`+44 (0)20…`,
///   `+44 020…`) is dropped for the countries in ``PhoneNumberNormalizer/countries``.
/// - National form (no prefix), under ``countryCode``: a number starting with
///   that country's trunk prefix (`0` in most countries, `1` in North America,
///   `8` in Russia, `06` in Hungary) loses it and gets the country code; a number of
///   a national length gets the country code; digits that already start with the
///   country code are kept (the API's own E.164 form). Where both readings
///   fit, the number is refused as ambiguous rather than guessed.
/// - 11 to 15 digits that fit no national form are taken as E.164 digits as given.
/// - Letters are refused (`1-800-FLOWERS`), extensions too (`ext. 12`, `x12`, `#12`):
///   the API searches numbers, not extensions.
public struct PhoneNumberNormalizer: Sendable {
    /// What hmq knows of a country's numbering plan.
    public struct Country: Sendable, Hashable {
        /// The national (trunk) prefix dialled before national numbers, if any.
        public var trunkPrefix: String?
        /// International call prefixes besides `+` (`00`, `011`, ...).
        public var internationalPrefixes: [String]
        /// Lengths a national significant number can have.
        public var nationalLengths: Set<Int>
    }

    /// The country calling code national numbers belong to (`1`, `44`, ...).
    public var countryCode: String

    public init(countryCode: String = "1") { self.countryCode = countryCode }

    /// E.164 digits without `+`, or what is wrong.
    public func normalize(_ input: String) -> Result<String, PhoneNumberError> {
        // Digits of other scripts (١٤١٥, fullwidth １４１５) are digits too, as libphonenumber reads them.
        var text = Self.asciiDigits(input)
        switch Self.spreadsheetNumber(text) {
        case .success(let digits)?: text = digits
        case .failure(let error)?: return .failure(error)
        case nil: break
        }
        var digits: [UInt8] = []
        digits.reserveCapacity(16)
        var plus = false
        var trunkMarkerAt: Int?  // where a "(0)" put its 0
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                digits.append(b)
            case UInt8(ascii: "+") where digits.isEmpty && !plus:
                plus = true
            case UInt8(ascii: "("):
                if i + 2 < bytes.count, bytes[i + 1] == UInt8(ascii: "0"), bytes[i + 2] == UInt8(ascii: ")") {
                    trunkMarkerAt = digits.count
                    digits.append(UInt8(ascii: "0"))
                    i += 3
                    continue
                }
            case UInt8(ascii: " "), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: ")"), UInt8(ascii: "/"), 0x09:
                break
            case 0xC2 where i + 1 < bytes.count && bytes[i + 1] == 0xA0:  // no-break space
                i += 1
            default:
                return .failure(Self.explain(text))
            }
            i += 1
        }
        guard !digits.isEmpty else { return .failure(PhoneNumberError("no digits")) }
        var number = String(decoding: digits, as: UTF8.self)
        let home = Self.countries[countryCode]
        if plus {
            return international(number, trunkMarkerAt: trunkMarkerAt)
        }
        let prefixes = home?.internationalPrefixes ?? (countryCode == "1" ? ["011"] : ["00"])
        if let prefix = prefixes.first(where: { number.hasPrefix($0) }) {
            return international(String(number.dropFirst(prefix.count)), trunkMarkerAt: trunkMarkerAt.map { $0 - prefix.count })
        }
        if trunkMarkerAt != nil { number = number.replacingOccurrences(of: "(0)", with: "0") }
        return national(number)
    }

    /// The digits of a number as a spreadsheet writes a number cell, nil for
    /// any other text: `14155550007.0` (a number column exported as text) is
    /// `14155550007`; `1.4155550007E+10` (scientific notation that kept every
    /// digit) too; `1.41556E+10` lost its last digits and is refused, as is a
    /// fraction. A leading `+` is kept.
    static func spreadsheetNumber(_ text: String) -> Result<String, PhoneNumberError>? {
        let bytes = Array(text.utf8)
        func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
        func digits(from start: Int) -> Int { var end = start; while end < bytes.count, isDigit(bytes[end]) { end += 1 }; return end }
        let sign = bytes.first == UInt8(ascii: "+") ? "+" : ""
        let wholeStart = sign.isEmpty ? 0 : 1
        let wholeEnd = digits(from: wholeStart)
        guard wholeEnd > wholeStart, wholeEnd < bytes.count, bytes[wholeEnd] == UInt8(ascii: ".") else { return nil }
        let fractionEnd = digits(from: wholeEnd + 1)
        let whole = String(decoding: bytes[wholeStart..<wholeEnd], as: UTF8.self)
        var fraction = Array(bytes[(wholeEnd + 1)..<fractionEnd])
        guard !fraction.isEmpty else { return nil }
        if fractionEnd == bytes.count {
            // 14155550007.0: a whole number of phone length with a zero fraction.
            guard fraction.allSatisfy({ $0 == UInt8(ascii: "0") }), whole.utf8.count >= 7 else { return nil }
            return .success(sign + whole)
        }
        // 1.4155550007E+10
        var e = fractionEnd
        guard whole.utf8.count == 1, bytes[e] == UInt8(ascii: "E") || bytes[e] == UInt8(ascii: "e") else { return nil }
        e += 1
        if e < bytes.count, bytes[e] == UInt8(ascii: "+") { e += 1 }
        guard digits(from: e) == bytes.count, (1...2).contains(bytes.count - e),
              let exponent = Int(String(decoding: bytes[e...], as: UTF8.self)), exponent >= 6 else { return nil }
        while fraction.last == UInt8(ascii: "0") { fraction.removeLast() }
        guard fraction.count == exponent else {
            if fraction.count > exponent { return .failure(PhoneNumberError("'\(text)' is not a whole number")) }
            return .failure(PhoneNumberError("written in scientific notation that lost digits ('\(text)' keeps \(fraction.count + 1) of \(exponent + 1)): a spreadsheet rounded it; export the column as text"))
        }
        return .success(sign + whole + String(decoding: fraction, as: UTF8.self))
    }

    /// `text` with every decimal digit of any script written as an ASCII digit (and a fullwidth plus as `+`).
    static func asciiDigits(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { !$0.isASCII }) else { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if !scalar.isASCII, scalar.properties.numericType == .decimal, let value = scalar.properties.numericValue, (0...9).contains(value) {
                scalars.append(Unicode.Scalar(UInt8(ascii: "0") + UInt8(value)))
            } else if scalar == "\u{FF0B}" {
                scalars.append("+")  // fullwidth plus
            } else {
                scalars.append(scalar)
            }
        }
        return String(scalars)
    }

    private func international(_ rest: String, trunkMarkerAt: Int?) -> Result<String, PhoneNumberError> {
        guard let code = Self.countryCode(of: rest) else {
            return .failure(PhoneNumberError(rest.isEmpty ? "no digits after the international prefix" : "no country has the code at the start of +\(rest)"))
        }
        var national = String(rest.dropFirst(code.count))
        if let marker = trunkMarkerAt, marker == code.count, national.hasPrefix("0") {
            national.removeFirst()  // "+44 (0)20": the (0) is not dialled from abroad
        } else if let country = Self.countries[code], let trunk = country.trunkPrefix, national.hasPrefix(trunk) {
            // "+44 020…": a trunk prefix written after the country code is not part of the number,
            // unless keeping it is the only way the number has a national length.
            let stripped = String(national.dropFirst(trunk.count))
            if !(country.nationalLengths.contains(national.count) && !country.nationalLengths.contains(stripped.count)) { national = stripped }
        }
        if let country = Self.countries[code], !country.nationalLengths.contains(national.count) {
            let expected = country.nationalLengths.sorted().map(String.init).joined(separator: ", ")
            return .failure(PhoneNumberError("+\(code) numbers have \(expected) digits after the country code, not \(national.count)"))
        }
        return Self.checked(code + national, national: national)
    }

    private func national(_ number: String) -> Result<String, PhoneNumberError> {
        let code = countryCode
        guard let country = Self.countries[code] else {
            if (11...15).contains(number.count), !number.hasPrefix("0") { return .success(number) }
            return .failure(PhoneNumberError("a national number under country code \(code), whose trunk prefix hmq does not know; write it in international form (+\(code) …)"))
        }
        let lengths = country.nationalLengths
        // A trunk prefix never starts a country code's digits here (it is 0, 06 or 8, or
        // under +1 the code itself: 1 415 555 1234), so it is read as a trunk prefix.
        if let trunk = country.trunkPrefix, number.hasPrefix(trunk), lengths.contains(number.count - trunk.count) {
            let rest = String(number.dropFirst(trunk.count))
            return Self.checked(code + rest, national: rest)
        }
        let asE164 = number.hasPrefix(code) && lengths.contains(number.count - code.count)
        // Where there is a trunk prefix, a national number without it does not start with 0;
        // where there is none (Italy, Spain, ...), a leading 0 is part of the number.
        let asNational = lengths.contains(number.count) && (country.trunkPrefix == nil || !number.hasPrefix("0"))
        switch (asE164, asNational) {
        case (true, true):
            return .failure(PhoneNumberError("ambiguous: it could be a national number (+\(code) \(number)) or already start with the country code \(code); write it with + or with the trunk prefix"))
        case (true, false):
            return Self.checked(number, national: String(number.dropFirst(code.count)))
        case (false, true):
            return Self.checked(code + number, national: number)
        case (false, false):
            if (11...15).contains(number.count), !number.hasPrefix("0") { return .success(number) }
            let expected = lengths.sorted().map(String.init).joined(separator: ", ")
            let trunk = country.trunkPrefix.map { ", or \($0) then \(expected)" } ?? ""
            return .failure(PhoneNumberError("not a national number under country code \(code) (\(expected) digits\(trunk)), nor E.164 digits (11 to 15); \(number.count) digits given"))
        }
    }

    private static func checked(_ e164: String, national: String) -> Result<String, PhoneNumberError> {
        guard !national.isEmpty else { return .failure(PhoneNumberError("no digits after the country code")) }
        if e164.hasPrefix("1"), national.count == 10, let first = national.first, first == "0" || first == "1" {
            return .failure(PhoneNumberError("North American area codes do not start with \(first)"))
        }
        guard (7...15).contains(e164.count) else {
            return .failure(PhoneNumberError(e164.count > 15 ? "too long: E.164 numbers have at most 15 digits" : "too short for a phone number with its country code"))
        }
        return .success(e164)
    }

    /// Why text with characters other than digits and separators is not a phone number.
    private static func explain(_ text: String) -> PhoneNumberError {
        let characters = Array(text)
        let lower = characters.map { Character($0.lowercased()) }
        for marker in ["extension", "ext.", "ext", ";ext=", "x", "#"].map(Array.init) where marker.count < lower.count {
            for start in 1...(lower.count - marker.count) where Array(lower[start..<(start + marker.count)]) == marker {
                if lower[..<start].contains(where: \.isNumber), lower[(start + marker.count)...].contains(where: \.isNumber) {
                    return PhoneNumberError("has an extension ('\(String(characters[start...]).trimmingWhitespace())'): the API searches numbers without extensions; remove it")
                }
            }
        }
        if text.contains("@") {
            return PhoneNumberError("looks like an email address: write it under email (or without a type)")
        }
        if text.contains(where: \.isLetter) {
            return PhoneNumberError("has letters; write the number in digits (letters on a keypad are not converted)")
        }
        let odd = text.first { !(($0.isASCII && $0.isNumber) || " -.()/+\t\u{A0}".contains($0)) }
        return PhoneNumberError("unexpected character '\(odd.map(String.init) ?? "+")'; expected digits, spaces, - . ( ) / and a leading +")
    }

    /// The country calling code at the start of `digits` (codes are prefix-free).
    static func countryCode(of digits: String) -> String? {
        for length in 1...3 where digits.count >= length {
            let candidate = String(digits.prefix(length))
            if allCountryCodes.contains(candidate) { return candidate }
        }
        return nil
    }

    /// Numbering plans hmq knows, by country calling code (from the ITU plans, as
    /// Google's libphonenumber records them): trunk prefix, international prefixes, national lengths.
    public static let countries: [String: Country] = [
        // No North American number starts with 0, so 00 (Europe's prefix, often pasted) is safe to read too.
        "1": Country(trunkPrefix: "1", internationalPrefixes: ["011", "00"], nationalLengths: [10]),  // US, CA
        "7": Country(trunkPrefix: "8", internationalPrefixes: ["810", "00"], nationalLengths: [10, 14]),  // RU
        "27": Country(trunkPrefix: "0", internationalPrefixes: ["00"], nationalLengths: [5, 6, 7, 8, 9, 10]),  // ZA
        "31": Country(trunkPrefix: "0", internationalPrefixes: ["00"], nationalLengths: [5, 6, 7, 8, 9, 10, 11]),  // NL
        "32": Country(trunkPrefix: "0", internationalPrefixes: ["00"], nationalLengths: [8, 9]),  // BE
        "33": Country(trunkPrefix: "0", internationalPrefixes: ["00"], nationalLengths: [9]),  // FR
        "34": Country(trunkPrefix: nil, internationalPrefixes: ["00"], nationalLengths: [9]),  // ES
        "36": Country(trunkPrefix: "06", internationalPrefixes: ["00"], nationalLengths: [8, 9]),  // HU
        "39": Country(trunkPrefix: nil, internationalPrefixes: ["00"], nationalLengths: [6, 7, 8, 9, 10, 11, 12]),  // IT
        "41": Country(trunkPrefix: "0", internationalPrefixes: ["00"], nationalLengths: [9, 12]),  // CH
        "43": Country(trunkPrefix: "0", internationalPrefixes: ["00"], nationalLengths: [4, 5, 6, 7, 8, 9, 10, 11, 12, 13]),  // AT
        "44": Country(trunkPrefix: "0", internationalPrefixes: ["00"], nationalLengths: [7, 9, 10]),  // GB
        "45": Country(trunkPrefix: nil, internationalPrefixes: ["00"], nationalLengths: [8]),  // DK
        "46": Country(trunkPrefix: "0", internationalPrefixes: ["00"], nationalLengths: [6, 7, 8, 9, 10, 12]),  // SE
        "47": Country(trunkPrefix: nil, internationalPrefixes: ["00"], nationalLengths: [5, 8]),  // NO
        "48": Country(trunkPrefix: nil, internationalPrefixes: ["00"], nationalLengths: [6, 7, 8, 9, 10]),  // PL
        "49": Country(trunkPrefix: "0", internationalPrefixes: ["00"], nationalLengths: [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]),  // DE
        "52": Country(trunkPrefix: nil, internationalPrefixes: ["00"], nationalLengths: [10]),  // MX
        "61": Country(trunkPrefix: "0", internationalPrefixes: ["0011"], nationalLengths: [5, 6, 7, 8, 9, 10, 12]),  // AU
        "64": Country(trunkPrefix: "0", internationalPrefixes: ["00"], nationalLengths: [5, 6, 7, 8, 9, 10]),  // NZ
        "81": Country(trunkPrefix: "0", internationalPrefixes: ["010"], nationalLengths: [8, 9, 10, 11, 12, 13, 14, 15, 16, 17]),  // JP
        "91": Country(trunkPrefix: "0", internationalPrefixes: ["00"], nationalLengths: [8, 9, 10, 11, 12, 13]),  // IN
        "351": Country(trunkPrefix: nil, internationalPrefixes: ["00"], nationalLengths: [9]),  // PT
        "353": Country(trunkPrefix: "0", internationalPrefixes: ["00"], nationalLengths: [7, 8, 9, 10]),  // IE
        "358": Country(trunkPrefix: "0", internationalPrefixes: ["00"], nationalLengths: [5, 6, 7, 8, 9, 10, 11, 12]),  // FI
    ]

    /// Every assigned country calling code (ITU-T E.164), geographic and global.
    static let allCountryCodes: Set<String> = Set("""
        1 7 20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 60 61 62 63 64 65 66 81 82 84 86 90 91 92 93 94 95 98 \
        211 212 213 216 218 220 221 222 223 224 225 226 227 228 229 230 231 232 233 234 235 236 237 238 239 240 241 242 243 244 245 246 247 248 249 \
        250 251 252 253 254 255 256 257 258 260 261 262 263 264 265 266 267 268 269 290 291 297 298 299 350 351 352 353 354 355 356 357 358 359 370 \
        371 372 373 374 375 376 377 378 380 381 382 383 385 386 387 389 420 421 423 500 501 502 503 504 505 506 507 508 509 590 591 592 593 594 595 \
        596 597 598 599 670 672 673 674 675 676 677 678 679 680 681 682 683 685 686 687 688 689 690 691 692 800 808 850 852 853 855 856 870 878 880 \
        881 882 883 886 888 960 961 962 963 964 965 966 967 968 970 971 972 973 974 975 976 977 979 992 993 994 995 996 998
        """.split(separator: " ").map(String.init))
}

/// Why a text is not a phone number the API can search.
public struct PhoneNumberError: Error, Sendable, Hashable {
    public var message: String
    public init(_ message: String) { self.message = message }
}
