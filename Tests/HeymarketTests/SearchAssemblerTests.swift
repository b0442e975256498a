import Testing
import TestSupport

@testable import Heymarket

/// Rows taken early must come out in exactly the order of the finished result,
/// whatever order the batches arrive in.
@Suite struct SearchAssemblerTests {
    /// A deterministic shuffle, so a failure can be replayed.
    func shuffled<T>(_ items: [T], seed: UInt64) -> [T] {
        var generator = SeededGenerator(seed: seed)
        return generator.shuffle(items)
    }

    func contact(_ id: Int, phone: String?, email: String?) -> Contact {
        var members: [JSONObject.Member] = [.init(key: "id", value: .integer(Int64(id)))]
        if let phone { members.append(.init(key: "phone", value: .string(phone))) }
        if let email { members.append(.init(key: "email", value: .string(email))) }
        return Contact(fields: JSONObject(members))
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func settledRowsComeInTheFinalOrder(seed: UInt64) {
        // Phones and emails interleaved; contact n carries phone n and email n,
        // so a contact can be found by two batches.
        var inputs: [ChannelValue] = []
        for n in 0..<60 {
            inputs.append(.phone(String(14_155_550_000 + n)))
            if n % 3 == 0 { inputs.append(.email("u\(n)@example.com")) }
        }
        let plan = SearchPlanner(batchSize: 7).plan(inputs)
        var assembler = SearchAssembler(plan: plan, normalizer: ChannelNormalizer())
        var taken: [Int64] = []
        let order = shuffled(plan.batches, seed: seed)
        for batch in order {
            let contacts = batch.values.compactMap { value -> Contact? in
                let n: Int
                if value.type == "phone" { n = Int(value.value)! - 14_155_550_000 } else { n = Int(value.value.dropFirst().prefix { $0 != "@" })! }
                guard n % 4 != 1 else { return nil }  // some values match nothing
                return contact(1000 + n, phone: String(14_155_550_000 + n), email: "u\(n)@example.com")
            }
            assembler.add(.init(batch: batch, result: .success(contacts), attempts: 1))
            let settled = assembler.takeSettled().compactMap(\.contact.id)
            taken += settled
        }
        let final = assembler.finish()
        #expect(taken == final.matches.compactMap(\.contact.id))
        #expect(Set(taken).count == taken.count)
        #expect(final.matches.count == 45)
    }

    @Test func batchesInOrderReleaseRowsAsTheyCome() {
        let inputs = (0..<50).map { ChannelValue.phone(String(14_155_550_000 + $0)) }
        let plan = SearchPlanner(batchSize: 10).plan(inputs)
        var assembler = SearchAssembler(plan: plan, normalizer: ChannelNormalizer())
        for batch in plan.batches {
            let contacts = batch.values.map { contact(Int($0.value)! - 14_155_550_000, phone: $0.value, email: nil) }
            assembler.add(.init(batch: batch, result: .success(contacts), attempts: 1))
            // Each batch's ten contacts are settled as soon as it is in.
            #expect(assembler.takeSettled().compactMap(\.contact.id) == contacts.compactMap(\.id))
        }
    }

    @Test func valuesOfBatchesNeverSentAreNotSearched() {
        let inputs = (0..<30).map { ChannelValue.phone(String(14_155_550_000 + $0)) }
        let plan = SearchPlanner(batchSize: 10).plan(inputs)
        var assembler = SearchAssembler(plan: plan, normalizer: ChannelNormalizer())
        assembler.add(.init(batch: plan.batches[0], result: .success([]), attempts: 1))
        let result = assembler.finish()
        #expect(result.inputs.prefix(10).allSatisfy { $0.outcome == .unmatched })
        #expect(result.inputs.dropFirst(10).allSatisfy { $0.outcome == .notSearched })
    }
}
