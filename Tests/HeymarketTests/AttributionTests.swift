import HMQJSON
import Testing
import TestSupport

@testable import Heymarket

/// Attribution against worlds where contacts carry channels their fields do
/// not show: fast mode never claims what it cannot know; exact mode finds every
/// value's true outcome and ties every contact to a value that found it,
/// within 2 × values − 2 extra requests per batch.
@Suite struct AttributionTests {
    typealias Generator = SeededGenerator

    /// Contacts 0..<n, values 0..<m: `channels[c]` finds contact c; its fields show `shown[c]` (a subset).
    struct World {
        var channels: [Set<Int>]
        var shown: [Set<Int>]

        init(seed: UInt64, contacts: Int, values: Int) {
            var rng = Generator(seed: seed)
            channels = []
            shown = []
            for _ in 0..<contacts {
                var set = Set<Int>()
                for _ in 0..<Int.random(in: 1...3, using: &rng) { set.insert(Int.random(in: 0..<values, using: &rng)) }
                channels.append(set)
                // Usually the first channel shows in a field; sometimes none does.
                shown.append(Int.random(in: 0..<4, using: &rng) == 0 ? [] : [set.min()!])
            }
        }

        /// The contacts a search for `values` returns, in id order.
        func search(_ values: Set<Int>) -> [Int] {
            channels.indices.filter { !channels[$0].isDisjoint(with: values) }
        }

        func contact(_ c: Int) -> Contact {
            Contact(fields: JSONObject([.init(key: "id", value: .integer(Int64(c)))]))
        }
    }

    /// One batch of `batch` (world values) looked up in `world`.
    func attribute(_ world: World, batch: [Int], exact: Bool) async throws -> (BatchAttribution, answer: [Int], requests: Int) {
        let answer = world.search(Set(batch))
        let fieldHits = answer.map { c in batch.indices.filter { world.shown[c].contains(batch[$0]) } }
        var findings: AttributionProbe.Findings?
        if exact, AttributionProbe.isNeeded(valueCount: batch.count, fieldHits: fieldHits) {
            findings = try await AttributionProbe(contacts: answer.map(world.contact), fieldHits: fieldHits, valueCount: batch.count) { indexes in
                (world.search(Set(indexes.map { batch[$0] })).map(world.contact), 1)
            }.run()
        }
        return (BatchAttribution(valueCount: batch.count, fieldHits: fieldHits, probe: findings), answer, findings?.attempts ?? 0)
    }

    @Test(arguments: Array(1...60) as [UInt64])
    func exactModeFindsTheTruthWithinTheBound(seed: UInt64) async throws {
        let world = World(seed: seed, contacts: 40, values: 120)
        var rng = Generator(seed: seed * 7919)
        let batch = Array(Set((0..<Int.random(in: 1...25, using: &rng)).map { _ in Int.random(in: 0..<120, using: &rng) })).sorted()
        let (attribution, answer, requests) = try await attribute(world, batch: batch, exact: true)
        #expect(requests <= AttributionMode.extraRequestBound(values: batch.count))
        for (i, value) in batch.enumerated() {
            let truth = !world.search([value]).isEmpty
            #expect(attribution.verdicts[i] == (truth ? .matched : .unmatched), "value \(value)")
        }
        // Every contact is tied to a value that finds it, and every tie is true. (A value
        // a field ties to one contact is not asked about again, so a second contact it
        // finds through a hidden channel may not list it.)
        for (position, c) in answer.enumerated() {
            let finders = Set(batch.indices.filter { world.channels[c].contains(batch[$0]) })
            #expect(!attribution.hits[position].isEmpty, "contact \(c)")
            #expect(Set(attribution.hits[position]).isSubset(of: finders), "contact \(c)")
        }
    }

    @Test(arguments: Array(1...60) as [UInt64])
    func fastModeClaimsOnlyWhatItKnows(seed: UInt64) async throws {
        let world = World(seed: seed, contacts: 40, values: 120)
        var rng = Generator(seed: seed * 104_729)
        let batch = Array(Set((0..<Int.random(in: 1...25, using: &rng)).map { _ in Int.random(in: 0..<120, using: &rng) })).sorted()
        let (attribution, answer, requests) = try await attribute(world, batch: batch, exact: false)
        #expect(requests == 0)
        // Every tie it makes is true.
        for (position, c) in answer.enumerated() {
            for i in attribution.hits[position] { #expect(world.channels[c].contains(batch[i])) }
        }
        for (i, value) in batch.enumerated() {
            let truth = !world.search([value]).isEmpty
            switch attribution.verdicts[i] {
            case .matched: #expect(truth)
            case .undetermined: #expect(!answer.isEmpty, "undetermined only when the answer held a contact it may have found")
            case .unmatched:
                // Only an empty answer proves it: any contact may hold the value on a channel no field shows.
                #expect(answer.isEmpty)
                #expect(!truth)
            }
        }
    }

    @Test func aBatchOfOneValueFoundWhateverCameBack() {
        let attribution = BatchAttribution(valueCount: 1, fieldHits: [[], [0]])
        #expect(attribution.hits == [[0], [0]])
        #expect(attribution.verdicts == [.matched])
    }

    @Test func aContactTiedToNothingLeavesTheUntiedValuesUndetermined() {
        // Values 0 and 1; contact 0 shows value 0, contact 1 shows none.
        let attribution = BatchAttribution(valueCount: 3, fieldHits: [[0], []])
        #expect(attribution.verdicts == [.matched, .undetermined, .undetermined])
        #expect(attribution.hits == [[0], []])
        // With every contact tied, the others are still undetermined: contact 0 or 1 may
        // hold value 1 on a channel no field shows (a second phone).
        #expect(BatchAttribution(valueCount: 3, fieldHits: [[0], [2]]).verdicts == [.matched, .undetermined, .matched])
        #expect(BatchAttribution(valueCount: 2, fieldHits: []).verdicts == [.unmatched, .unmatched])
    }

    @Test func aFailedSubSearchLeavesTheRestUndetermined() async throws {
        struct Boom: Error {}
        let findings = try await AttributionProbe(contacts: [Contact(fields: JSONObject([.init(key: "id", value: .integer(1))]))],
                                                  fieldHits: [[]], valueCount: 4) { _ in
            throw HeymarketError(.server, status: 500, message: "down")
        }.run()
        #expect(findings.failure?.status == 500)
        #expect(findings.unresolved == [0, 1, 2, 3])
        let attribution = BatchAttribution(valueCount: 4, fieldHits: [[]], probe: findings)
        #expect(attribution.verdicts == Array(repeating: .undetermined, count: 4))
    }

    @Test func authenticationFailuresStopTheSearch() async throws {
        await #expect(throws: HeymarketError.self) {
            _ = try await AttributionProbe(contacts: [Contact(fields: JSONObject([]))], fieldHits: [[]], valueCount: 2) { _ in
                throw HeymarketError(.unauthorized, status: 401, message: "no")
            }.run()
        }
    }
}
