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
