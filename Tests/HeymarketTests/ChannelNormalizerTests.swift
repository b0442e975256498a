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

    @Test func countryCodeIsASetting() throws {
        #expect(try ChannelNormalizer(countryCode: "44").normalize(.phone("2079460958")).get().value == "442079460958")
    }
}
