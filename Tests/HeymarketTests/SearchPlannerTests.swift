import HMQJSON
import Testing

@testable import Heymarket

@Suite struct SearchPlannerTests {
    @Test func thousandIdsInBatchesOfAHundredAreTenRequests() {
        let values = (0..<1000).map { ChannelValue.phone(String(14_155_550_000 + $0)) }
        let plan = SearchPlanner(batchSize: 100).plan(values)
        #expect(plan.batches.count == 10)
        #expect(plan.batches.allSatisfy { $0.values.count == 100 })
        #expect(plan.batches.map(\.index) == Array(0..<10))
    }

    /// Under `extensions drop` the census counts the values that lost an
    /// extension (repeats too) and keeps the first different ones for one note.
    @Test func theCensusNotesDroppedExtensions() {
        let values: [ChannelValue] = [.phone("415-555-0133 ext. 359"), .phone("14155550133"), .untyped("(415) 555-0134 x12"),
                                      .phone("415-555-0133 ext. 359"), .phone("abc")]
        let planner = SearchPlanner(normalizer: ChannelNormalizer(extensions: .drop))
        let plan = planner.plan(values)
        #expect(plan.values == [.init(type: "phone", value: "14155550133"), .init(type: nil, value: "14155550134")])
        #expect(plan.census.droppedExtensionCount == 3)
        #expect(plan.census.droppedExtensions.map(\.written) == [.phone("415-555-0133 ext. 359"), .untyped("(415) 555-0134 x12")])
        #expect(plan.census.droppedExtensionsNote
                == "3 phone values had an extension; searched without it: 415-555-0133 ext. 359 → 14155550133, (415) 555-0134 x12 → 14155550134")
        let refused = SearchPlanner().plan(values)
        #expect(refused.census.droppedExtensionCount == 0)
        #expect(refused.census.droppedExtensionsNote == nil)
        #expect(refused.census.invalidCount == 4)
        // More than the note shows ends in an ellipsis.
        let many = (0..<12).map { ChannelValue.phone("415-555-01\(10 + $0) x1") }
        let note = planner.plan(many).census.droppedExtensionsNote ?? ""
        #expect(note.hasPrefix("12 phone values had an extension; searched without it: 415-555-0110 x1 → 14155550110, "))
        #expect(note.hasSuffix("415-555-0119 x1 → 14155550119, …"))
    }

    @Test func deduplicatesAfterNormalising() {
        let plan = SearchPlanner().plan([.phone("14155551234"), .phone("+1 (415) 555-1234"), .phone("4155551234"), .email("A@B.com"), .email("a@b.com")])
        #expect(plan.values == [.init(type: "phone", value: "14155551234"), .init(type: "email", value: "a@b.com")])
        #expect(plan.inputs.count == 5)
        #expect(plan.batches.count == 1)
    }

    @Test func groupsByTypeInOrderOfFirstAppearance() {
        let plan = SearchPlanner().plan([.email("a@b.com"), .phone("14155551234"), .untyped("x@y.com"), .email("c@d.com")])
        #expect(plan.batches[0].body.entries == [
            .init(channelType: "email", channelIDs: ["a@b.com", "c@d.com"]),
            .init(channelType: "phone", channelIDs: ["14155551234"]),
            .init(channelType: nil, channelIDs: ["x@y.com"]),
        ])
    }

    @Test func bodyIsExactlyTheDocumentedShape() {
        let plan = SearchPlanner().plan([.phone("14155551234"), .phone("14155559876"), .untyped("a@b.com")])
        let text = JSONWriter().string(plan.batches[0].body.json)
        #expect(text == #"{"contact_channels":[{"channel_ids":["14155551234","14155559876"],"channel_type":"phone"},{"channel_ids":["a@b.com"]}]}"#)
    }

    @Test func aBatchMaySpanTwoTypesSoRequestsAreTheCeilingOfTheTotal() {
        let values = (0..<150).map { ChannelValue.phone(String(14_155_550_000 + $0)) } + (0..<60).map { ChannelValue.email("u\($0)@example.com") }
        let plan = SearchPlanner(batchSize: 100).plan(values)
        #expect(plan.batches.count == 3)
        #expect(plan.batches[1].body.entries.map(\.channelType) == ["phone", "email"])
    }

    @Test func invalidValuesAreKeptAsInputsButNotSent() {
        let plan = SearchPlanner().plan([.phone("nope"), .phone("14155551234")])
        #expect(plan.values.count == 1)
        if case .success = plan.inputs[0].normalized { Issue.record("'nope' should be invalid") }
    }
}
