import HMQJSON
import Testing
import TestSupport

@testable import Heymarket

/// The streamed lookup (a census, batches made as they are asked for, the
/// assembler and a cursor walking the input again) must give exactly what an
/// oracle that holds everything gives: contacts in the order of their earliest
/// input, every input's outcome in input order, no value sent twice.
@Suite struct SearchAssemblerTests {
    func contact(_ id: Int, phone: String?, email: String?) -> Contact {
        var members: [JSONObject.Member] = [.init(key: "id", value: .integer(Int64(id)))]
        if let phone { members.append(.init(key: "phone", value: .string(phone))) }
        if let email { members.append(.init(key: "email", value: .string(email))) }
        return Contact(fields: JSONObject(members))
    }

    /// Phones and emails, repeated (some in another writing), with invalid values.
    func inputs(seed: UInt64, count: Int) -> [ChannelValue] {
        var generator = SeededGenerator(seed: seed)
        var values: [ChannelValue] = []
        for _ in 0..<count {
            let n = Int.random(in: 0..<(count / 2), using: &generator)
            switch Int.random(in: 0..<10, using: &generator) {
            case 0: values.append(.phone("555"))  // too short: invalid
            case 1: values.append(.phone("+1 (415) 555-\(String(format: "%04d", n))"))
            case 2, 3: values.append(.email("u\(n)@example.com"))
            default: values.append(.phone(String(14_155_550_000 + n)))
            }
        }
        return values
    }

    /// Contact n carries phone n and email n; values with n % 4 == 1 find nothing.
    func answer(_ batch: ChannelBatch) -> [Contact] {
        var seen = Set<Int>()
        return batch.values.compactMap { value -> Contact? in
            let n = value.type == "phone" ? Int(value.value)! - 14_155_550_000 : Int(value.value.dropFirst().prefix { $0 != "@" })!
            guard n % 4 != 1, seen.insert(n).inserted else { return nil }
            return contact(1000 + n, phone: String(14_155_550_000 + n), email: "u\(n)@example.com")
        }
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6] as [UInt64])
    func aStreamedLookupGivesWhatTheOracleGives(seed: UInt64) throws {
        let values = inputs(seed: seed, count: 400)
        let planner = SearchPlanner(batchSize: 7)
        let open: InputOpener = { ArrayInputReader(values) }
        // Runs of 16 fingerprints: the census spills to its temporary file and merges.
        let census = try planner.census(open, runLength: 16)
        let source = try planner.batches(open, census: census)
        var cursor = OutcomeCursor(reader: try open(), planner: planner, census: census)
        var assembler = SearchAssembler(normalizer: planner.normalizer)
        var rows: [Int64] = []
        var outcomes: [SearchResult.Outcome] = []
        var sent: [NormalizedChannelValue] = []
        while let batch = try source.next() {
            sent += batch.values
            let step = assembler.add(.init(batch: batch, result: .success(answer(batch)), attempts: 1))
            rows += step.matches.compactMap(\.contact.id)
            cursor.learn(step.outcomes)
            try cursor.advance { _, _, outcome in outcomes.append(outcome) }
        }
        try cursor.advance(toTheEnd: true) { _, _, outcome in outcomes.append(outcome) }

        // The oracle.
        var expectedRows: [Int64] = []
        var expectedOutcomes: [SearchResult.Outcome] = []
        var distinct: [NormalizedChannelValue] = []
        for value in values {
            guard case .success(let n) = planner.normalize(value) else {
                expectedOutcomes.append(.invalid(HeymarketError(.invalidValue, message: "")))
                continue
            }
            if !distinct.contains(n) { distinct.append(n) }
            let number = n.type == "phone" ? Int(n.value)! - 14_155_550_000 : Int(n.value.dropFirst().prefix { $0 != "@" })!
            if number % 4 == 1 {
                expectedOutcomes.append(.unmatched)
            } else {
                expectedOutcomes.append(.matched(contactCount: 1))
                if !expectedRows.contains(Int64(1000 + number)) { expectedRows.append(Int64(1000 + number)) }
            }
        }
        #expect(sent == distinct, "every distinct value sent once, in order of first appearance")
        #expect(census.distinctCount == distinct.count)
        #expect(census.batchCount == (distinct.count + 6) / 7)
        #expect(census.inputCount == values.count)
        #expect(rows == expectedRows)
        #expect(outcomes.count == expectedOutcomes.count)
        for (got, want) in zip(outcomes, expectedOutcomes) {
            switch (got, want) {
            // Fast attribution: a value that found nothing is "no contact" only when its batch's answer was empty.
            case (.invalid, .invalid), (.unmatched, .unmatched), (.undetermined, .unmatched), (.matched(1), .matched(1)): continue
            default: Issue.record("outcome \(got), expected \(want)")
            }
        }
        // The census in memory and the one spilled to disk agree.
        let whole = try planner.census(open, runLength: Int.max)
        #expect(whole.distinctCount == census.distinctCount)
        #expect(whole.fingerprint == census.fingerprint)
        #expect(Set(whole.repeated.keys) == Set(census.repeated.keys))
    }

    @Test func aContactFoundByTwoWritingsListsBoth() throws {
        let values: [ChannelValue] = [.phone("14155550002"), .phone("14155550001"), .phone("+1 415 555 0002")]
        let plan = SearchPlanner(batchSize: 1).plan(values)
        #expect(plan.batches.count == 2)
        var assembler = SearchAssembler(normalizer: ChannelNormalizer(), retainingMatches: true)
        for batch in plan.batches { _ = assembler.add(.init(batch: batch, result: .success(answer(batch)), attempts: 1)) }
        #expect(assembler.matches.map(\.matchedValues) == [[.phone("14155550002"), .phone("+1 415 555 0002")]])
    }

    @Test func valuesOfBatchesNeverSentAreNotSearched() throws {
        let values = (0..<30).map { ChannelValue.phone(String(14_155_550_000 + $0)) }
        let planner = SearchPlanner(batchSize: 10)
        let open: InputOpener = { ArrayInputReader(values) }
        let census = try planner.census(open)
        let source = try planner.batches(open, census: census)
        var cursor = OutcomeCursor(reader: try open(), planner: planner, census: census)
        var assembler = SearchAssembler(normalizer: planner.normalizer)
        cursor.learn(assembler.add(.init(batch: try #require(try source.next()), result: .success([]), attempts: 1)).outcomes)
        var outcomes: [SearchResult.Outcome] = []
        try cursor.advance { _, _, outcome in outcomes.append(outcome) }
        #expect(outcomes.count == 10, "only the first batch's values are settled")
        try cursor.advance(toTheEnd: true) { _, _, outcome in outcomes.append(outcome) }
        #expect(outcomes.prefix(10).allSatisfy { $0 == .unmatched })
        #expect(outcomes.dropFirst(10).allSatisfy { $0 == .notSearched })
        #expect(outcomes.count == 30)
    }
}
