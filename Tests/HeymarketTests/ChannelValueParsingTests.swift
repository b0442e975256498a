import Heymarket
import Testing

struct ChannelValueParsingTests {
    @Test(arguments: [
        ("phone:+1 415 555 1234", "phone", "+1 415 555 1234"),
        ("EMAIL:ada@example.com", "email", "ada@example.com"),
        ("facebook:10001006", "facebook", "10001006"),
        ("google_business-2:x:y", "google_business-2", "x:y"),
        ("phone: 14155551234 ", "phone", "14155551234"),
        ("email:", "email", ""),
    ])
    func typedValues(text: String, type: String, value: String) {
        #expect(ChannelValue(parsing: text) == ChannelValue(type: type, value: value))
    }

    @Test(arguments: ["+1 (415) 555-1234", "ada@example.com", ":x", "1phone:2", "té:1", "a b:1", "14155551234"])
    func untypedValues(text: String) {
        #expect(ChannelValue(parsing: text) == .untyped(text))
    }

    @Test func descriptionReadsBack() {
        for value in [ChannelValue.phone("14155551234"), .email("a@b.co"), ChannelValue(type: "sms", value: "1:2"), .untyped("x")] {
            #expect(ChannelValue(parsing: value.description) == value)
        }
    }
}
