import Heymarket
import Testing

/// The one renderer of a lookup's notes (``LookupSummary/notes(_:)``): what
/// `find` and `hmq search` say of the values that found no contact.
@Suite struct LookupNotesTests {
    static func phone(_ digits: String) -> ChannelValue { ChannelValue(type: "phone", value: digits) }

    /// Fourteen values that matched no contact, two undetermined, one invalid
    /// here, one refused by the server; each with its position as its origin.
    static let result: (SearchResult, [InputValue]) = {
        var inputs: [SearchResult.InputOutcome] = []
        for i in 0..<14 {
            let value = phone("1999000\(1000 + i)")
            inputs.append(.init(value: value, normalized: NormalizedChannelValue(type: "phone", value: value.value), outcome: .unmatched))
        }
        for digits in ["14155550101", "14155550102"] {
            inputs.append(.init(value: phone(digits), normalized: NormalizedChannelValue(type: "phone", value: digits), outcome: .undetermined))
        }
        inputs.append(.init(value: phone("123"), normalized: nil, outcome: .invalid(HeymarketError(.invalidValue, message: "phone '123': not a phone number"))))
        inputs.append(.init(value: phone("14155550199"), normalized: NormalizedChannelValue(type: "phone", value: "14155550199"),
                            outcome: .invalid(HeymarketError(.badRequest, status: 400, message: "bad value", requestID: "req-9"))))
        inputs.append(.init(value: phone("14155551234"), normalized: NormalizedChannelValue(type: "phone", value: "14155551234"), outcome: .matched(contactCount: 1)))
        let values = inputs.enumerated().map { InputValue($0.element.value, origin: UInt64($0.offset + 1)) }
        return (SearchResult(matches: [], inputs: inputs, failures: [], requestCount: 2), values)
    }()

    static func wording(typed: Bool, listsUnmatched: String? = "list them", attribution: AttributionMode = .fast) -> NoteWording {
        NoteWording(typed: typed, listsUnmatched: listsUnmatched, attribution: attribution, asksExact: "--attribution exact",
                    listsInvalid: "see the rows", origin: { "line \($0.origin)" })
    }

    @Test func eachKindIsCountedAndItsFirstValuesNamed() {
        let (result, values) = Self.result
        let notes = result.summary(of: values).notes(Self.wording(typed: false))
        #expect(notes.map(\.kind) == [.unmatched, .undetermined, .invalid, .refused])
        #expect(notes[0].message == "14 values matched no contact: " + (0..<10).map { "1999000\(1000 + $0)" }.joined(separator: ", ") + ", … (4 more)")
        #expect(notes[0].suggestion == "list them")
        #expect(notes[1].message == "2 values undetermined (a contact came back that no field ties to an input value): 14155550101, 14155550102")
        #expect(notes[1].suggestion == "--attribution exact asks the server which")
        // Invalid values are named by where they came from and why.
        #expect(notes[2].message == "1 invalid value left out: line 17: phone '123': not a phone number")
        // The server's refusal gives its status and request id.
        #expect(notes[3].message.hasPrefix("1 value was refused by the server, alone (the others of its batch were answered): line 18: "))
        #expect(notes[3].message.contains("400") && notes[3].message.contains("req-9"))
        #expect(notes[3].line == notes[3].message + " (see the rows)")
    }

    @Test func theFrontEndChoosesTheSpellingNotTheFacts() {
        let (result, values) = Self.result
        let summary = result.summary(of: values)
        let typed = summary.notes(Self.wording(typed: true, listsUnmatched: nil, attribution: .exact))
        // Values named with their type; no note on unmatched values the output lists.
        #expect(typed.map(\.kind) == [.undetermined, .invalid, .refused])
        #expect(typed[0].message.hasSuffix(": phone:14155550101, phone:14155550102"))
        // Under exact attribution, a value still undetermined is one whose attribution could not finish.
        #expect(typed[0].suggestion == "exact attribution could not settle them: see the error")
        // The counts are the summary's own.
        #expect(summary.counts[.unmatched] == 14 && summary.counts[.invalid] == 2 && summary.counts[.matched] == 1)
    }

    @Test func aLookupWithNothingToSayHasNoNotes() {
        let inputs = [SearchResult.InputOutcome(value: Self.phone("14155551234"), normalized: NormalizedChannelValue(type: "phone", value: "14155551234"), outcome: .matched(contactCount: 1))]
        let result = SearchResult(matches: [], inputs: inputs, failures: [], requestCount: 1)
        #expect(result.summary.notes(Self.wording(typed: true)).isEmpty)
    }
}
