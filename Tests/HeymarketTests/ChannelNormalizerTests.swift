import Testing

@testable import Heymarket

@Suite struct ChannelNormalizerTests {
    static let valid: [(ChannelValue, NormalizedChannelValue)] = [
        (.phone("14155551234"), .init(type: "phone", value: "14155551234")),
        (.phone("+1 (415) 555-1234"), .init(type: "phone", value: "14155551234")),
        (.phone("415.555.1234"), .init(type: "phone", value: "14155551234")),
        (.phone("4155551234"), .init(type: "phone", value: "14155551234")),
        (.phone("  +44 20 7946 0958 "), .init(type: "phone", value: "442079460958")),
        (.email(" Ada@Example.COM "), .init(type: "email", value: "ada@example.com")),
        (.untyped("+1 415 555 1234"), .init(type: nil, value: "14155551234")),
        (.untyped("Jose@Example.com"), .init(type: nil, value: "jose@example.com")),
        (.untyped("someone"), .init(type: nil, value: "someone")),
        (ChannelValue(type: "Facebook", value: " 10001046 "), .init(type: "facebook", value: "10001046")),
    ]

    @Test(arguments: valid)
    func normalises(input: ChannelValue, expected: NormalizedChannelValue) throws {
        #expect(try ChannelNormalizer().normalize(input).get() == expected)
    }

    @Test(arguments: [
        ChannelValue.phone("abc"), .phone("12345"), .phone("+1234567890123456"), .phone("+0415551234"),
        .phone("415-555-12x4"), .phone(""), .email("not-an-email"), .email("a@"), .email("a b@c.d"), .untyped("   "),
    ])
    func rejects(input: ChannelValue) {
        guard case .failure(let error) = ChannelNormalizer().normalize(input) else {
            Issue.record("\(input) should be rejected")
            return
        }
        #expect(error.code == .invalidValue)
    }

    /// Numbers as spreadsheets export them, typed or not: the number they hold, or a reason.
    @Test(arguments: [
        (ChannelValue.phone("14155550007.0"), "14155550007"), (.phone("4155550007.0"), "14155550007"),
        (.phone("+14155550007.00"), "14155550007"), (.phone("1.4155550007E+10"), "14155550007"),
        (.phone("1.41555500070e10"), "14155550007"), (.untyped("14155550007.0"), "14155550007"),
        (.untyped("4155550007.0"), "14155550007"), (.untyped("1.4155550007E+10"), "14155550007"),
    ])
    func spreadsheetNumbersAreTheNumberTheyHold(input: ChannelValue, digits: String) throws {
        #expect(try ChannelNormalizer().normalize(input).get().value == digits)
    }

    @Test(arguments: [
        (ChannelValue.phone("1.41556E+10"), "lost digits"), (.untyped("1.41556E+10"), "lost digits"),
        (.phone("1.41555500071234E+10"), "not a whole number"),
        // What a person reads as a phone is read as one when untyped too, and refused as one.
        (.untyped("415-555-0133 ext. 359"), "has an extension"), (.untyped("(415) 555-0133 x12"), "has an extension"),
        (.untyped("+1 415 555 0133 #7"), "has an extension"),
        // Written as a phone (an area code in parentheses, a leading +) though too short: refused, not sent raw.
        (.untyped("(415) 555"), "not a phone number"), (.untyped("+1 415"), "not a phone number"),
    ])
    func spreadsheetAndPersonWrittenNumbersAreRefusedWithTheirReason(input: ChannelValue, reason: String) {
        guard case .failure(let error) = ChannelNormalizer().normalize(input) else {
            Issue.record("\(input) should be refused")
            return
        }
        #expect(error.message.contains(reason), "\(error.message)")
    }

    @Test(arguments: ["someone x1", "order #12", "text 12.0", "3.14", "1e10", "123", "12 34"])
    func whatIsNoPhoneIsSentAsItIs(text: String) throws {
        #expect(try ChannelNormalizer().normalize(.untyped(text)).get().value == text)
    }

    /// Every way of writing an extension: refused by default (saying how to
    /// drop it), and under `extensions drop` the number searched without it.
    @Test(arguments: [
        (ChannelValue.phone("415-555-0133 ext. 359"), "14155550133", "ext. 359"),
        (.phone("415-555-0133 ext 359"), "14155550133", "ext 359"),
        (.phone("415-555-0133 Ext.359"), "14155550133", "Ext.359"),
        (.phone("(415) 555-0133 x359"), "14155550133", "x359"),
        (.phone("415 555 0133#359"), "14155550133", "#359"),
        (.phone("+1 415 555 0133;ext=359"), "14155550133", ";ext=359"),
        (.phone("415-555-0133, extension 4"), "14155550133", "extension 4"),
        (.phone("+44 20 7946 0958 x 12"), "442079460958", "x 12"),
        (.untyped("415-555-0133 ext. 359"), "14155550133", "ext. 359"),
        (.untyped("(415) 555-0134 x12"), "14155550134", "x12"),
    ])
    func extensionsAreRefusedOrDropped(input: ChannelValue, digits: String, written: String) throws {
        guard case .failure(let error) = ChannelNormalizer().normalize(input) else {
            Issue.record("\(input) should be refused by default")
            return
        }
        #expect(error.message.contains("has an extension ('\(written)')"), "\(error.message)")
        #expect(error.message.contains("'set extensions drop' (--extensions drop)"), "\(error.message)")
        let reading = ChannelNormalizer(extensions: .drop).reading(input)
        #expect(try reading.normalized.get() == NormalizedChannelValue(type: input.type, value: digits))
        #expect(reading.droppedExtension == written)
    }

    @Test func droppingExtensionsLeavesEverythingElseAlone() throws {
        let drop = ChannelNormalizer(extensions: .drop)
        for input in [ChannelValue.phone("+1 (415) 555-1234"), .untyped("someone x1"), .untyped("order #12"), .email("a@b.co"), .untyped("14155550007.0")] {
            let reading = drop.reading(input)
            #expect(reading.droppedExtension == nil, "\(input)")
            #expect(try reading.normalized.get() == ChannelNormalizer().normalize(input).get(), "\(input)")
        }
        // The number left must still be one.
        guard case .failure(let error) = drop.normalize(.phone("555 ext. 3")) else {
            Issue.record("555 is no phone number")
            return
        }
        #expect(!error.message.contains("extension"), "\(error.message)")
        // Letters that are no extension are letters.
        guard case .failure(let letters) = drop.normalize(.phone("415-555-0133 ext. 359 (office)")) else {
            Issue.record("a note after the extension is not a number")
            return
        }
        #expect(letters.message.contains("has letters"), "\(letters.message)")
    }

    @Test func countryCodeIsASetting() throws {
        #expect(try ChannelNormalizer(countryCode: "44").normalize(.phone("2079460958")).get().value == "442079460958")
    }
}

/// The phone rules people meet most, each with its reason.
@Suite struct PhoneNumberNormalizerTests {
    @Test(arguments: [
        ("1", "+44 (0)20 7946 0958", "442079460958"),
        ("1", "+44 020 7946 0958", "442079460958"),
        ("1", "0044 20 7946 0958", "442079460958"),
        ("1", "011 44 20 7946 0958", "442079460958"),
        ("44", "020 7946 0958", "442079460958"),
        ("44", "20 7946 0958", "442079460958"),
        ("44", "442079460958", "442079460958"),
        ("44", "+1 415 555 1234", "14155551234"),
        ("44", "14155551234", "14155551234"),
        ("1", "1 (415) 555-1234", "14155551234"),
        ("1", "415.555.1234", "14155551234"),
        ("39", "06 1234 5678", "390612345678"),
        ("39", "+39 06 1234 5678", "390612345678"),
        ("7", "8 (495) 123-45-67", "74951234567"),
        ("36", "06 1 234 5678", "3612345678"),
        ("49", "030 123456", "4930123456"),
        ("61", "0011 44 20 7946 0958", "442079460958"),
        // Every country code has its plan (libphonenumber's): trunk prefixes, carrier codes, area codes.
        ("55", "(11) 96123-4914", "5511961234914"),
        ("55", "0 21 11 96123 4914", "5511961234914"),
        ("55", "0021 44 20 7946 0958", "442079460958"),
        ("54", "011 15-2345-6789", "5491123456789"),
        ("86", "010 1234 5678", "861012345678"),
        ("39", "+39 (0)6 1234 5678", "390612345678"),
        ("44", "01481 256789", "441481256789"),
        ("1", "+1\u{A0}415\u{A0}555\u{A0}1234", "14155551234"),
    ])
    func reads(countryCode: String, text: String, expected: String) throws {
        #expect(try PhoneNumberNormalizer(countryCode: countryCode).normalize(text).get() == expected)
    }

    @Test(arguments: [
        ("1", "1-800-FLOWERS", "has letters"),
        ("1", "415 555 1234 ext. 12", "has an extension ('ext. 12')"),
        ("1", "415-555-1234 x12", "has an extension ('x12')"),
        ("1", "415 555 1234#12", "has an extension ('#12')"),
        ("1", "555 1234", "not a national number under country code 1"),
        ("1", "0415551234", "not a national number"),
        ("1", "+999 1234567", "no country has the code"),
        ("1", "+1 1234567890123456", "have 10 digits after the country code, not 15"),
        ("1", "+297 123456789012345", "too long"),
        ("1", "ada@example.com", "looks like an email address"),
        // 31 8123456 and 318 123456 both fit the Dutch plan (31101234567 does not: it is read as +31 10 123 4567).
        ("31", "318123456", "ambiguous"),
        ("31", "31101234567", nil),
        ("1", "415*555*1234", "unexpected character '*'"),
        ("1", "+", "no digits"),
        ("1", "(415) 055-1234", nil as String?),
        ("1", "+1 015 555 1234", "area codes do not start with 0"),
        ("297", "0123456", "not a national number under country code 297"),
        ("1", "555 1234", "a local number without its area code in US"),
        ("44", "127001", "a local number without its area code in GB"),
        ("1", "11961234914", "area codes do not start with 1"),
        ("86", "17951 00 44 20 7946 0958", "an international prefix in CN"),
    ] as [(String, String, String?)])
    func refuses(countryCode: String, text: String, reason: String?) {
        switch PhoneNumberNormalizer(countryCode: countryCode).normalize(text) {
        case .success(let digits):
            if reason != nil { Issue.record("\(text) read as \(digits)") }
        case .failure(let error):
            if let reason { #expect(error.message.contains(reason), "\(error.message)") }
        }
    }
}
