import Foundation
import HeymarketSandbox
import Synchronization
import Testing
import TestSupport

@testable import Heymarket

/// The sandbox answering in the same process, without HTTP: the client's
/// requests go to ``SandboxService/handle(_:)`` as they would over a socket.
struct InProcessSandbox: HTTPTransport {
    let service: SandboxService

    func send(_ request: HTTPRequestData) async throws -> HTTPResponseData {
        let path = URL(string: request.url)?.path ?? request.url
        let answer = await service.handle(SandboxRequest(method: request.method, path: path, authorization: request.authorization?.exposedValue, body: request.body))
        return HTTPResponseData(status: answer.status, headers: answer.headers, body: answer.body)
    }
}

/// Exact attribution with the questions of many batches pooled in shared
/// requests, against seeded random worlds whose contacts carry channels their
/// fields do not show: every value ends as an oracle that knows the data says,
/// with exactly the findings asking batch by batch gives, and never more requests.
@Suite struct PooledAttributionTests {
    /// A world: contacts with shown and hidden phones and emails, and the values to look up.
    struct World: CustomStringConvertible {
        struct Person {
            var id: Int
            var phone: String?
            var email: String?
            var hidden: [(type: String, id: String)]
        }
        var people: [Person] = []
        var values: [ChannelValue] = []
        var batch: Int
        var concurrency: Int
        let seed: UInt64

        static func phone(_ n: Int) -> String { "1415555" + String(format: "%04d", n % 10_000) }

        init(seed: UInt64) {
            self.seed = seed
            var rng = SeededGenerator(seed: seed)
            func chance(_ percent: Int) -> Bool { rng.below(100) < percent }
            batch = [1, 2, 3, 5, 8, 10, 16, 25, 50, 64, 99, 100][rng.below(12)]
            if chance(30) { batch = 1 + rng.below(100) }
            concurrency = 1 + rng.below(4)
            let contactCount = 1 + rng.below(80)
            var next = 0
            func fresh() -> String { defer { next += 1 }; return Self.phone(next) }
            for c in 0..<contactCount {
                var person = Person(id: 5000 + c, phone: chance(85) ? fresh() : nil, email: chance(50) ? "p\(c)@example.com" : nil, hidden: [])
                // Two contacts showing one number (a family line).
                if c > 0, chance(6), let other = people[rng.below(c)].phone { person.phone = other }
                // Channels no field shows: a second phone of its own, another contact's number, an old email.
                if chance(25) { person.hidden.append(("phone", fresh())) }
                if chance(8), c > 0, let other = people[rng.below(c)].phone { person.hidden.append(("phone", other)) }
                if chance(8) { person.hidden.append(("email", "old\(c)@example.org")) }
                people.append(person)
            }
            // Values: shown and hidden channels, misses, repeats (some in another writing).
            let shown = people.compactMap(\.phone), emails = people.compactMap(\.email)
            let hidden = people.flatMap(\.hidden)
            let hitShare = [3, 10, 50, 90][rng.below(4)]
            for _ in 0..<(1 + rng.below(250)) {
                let roll = rng.below(100)
                if roll < 8, !values.isEmpty {
                    let again = values[rng.below(values.count)]
                    values.append(again.type == "phone" && chance(50) ? .phone("+1 (415) 555-" + again.value.suffix(4)) : again)
                } else if roll < 14, !hidden.isEmpty {
                    let h = hidden[rng.below(hidden.count)]
                    values.append(ChannelValue(type: h.type, value: h.id))
                } else if rng.below(100) < hitShare, !shown.isEmpty {
                    values.append(chance(85) || emails.isEmpty ? .phone(shown[rng.below(shown.count)]) : .email(emails[rng.below(emails.count)]))
                } else {
                    values.append(chance(90) ? .phone(Self.phone(5000 + rng.below(5000))) : .email("nobody\(rng.below(1000))@example.net"))
                }
            }
        }

        /// The dataset, in the sandbox's file shape (hidden channels under `_channels`).
        var dataset: Data {
            let objects: [[String: Any]] = people.map { p in
                var o: [String: Any] = ["id": p.id, "first": "P\(p.id)"]
                if let phone = p.phone { o["phone"] = phone }
                if let email = p.email { o["email"] = email }
                if !p.hidden.isEmpty { o["_channels"] = p.hidden.map { ["type": $0.type, "id": $0.id] } }
                return o
            }
            return (try? JSONSerialization.data(withJSONObject: objects)) ?? Data()
        }

        /// Whether `value` (normalised) finds a contact: the truth, from the data.
        func finds(_ value: NormalizedChannelValue) -> Bool {
            people.contains { p in
                let channels = [("phone", p.phone), ("email", p.email)].compactMap { t, v in v.map { (t, $0) } } + p.hidden.map { ($0.type, $0.id) }
                return channels.contains { $0.0 == value.type && $0.1 == value.value }
            }
        }

        var description: String { "seed \(seed): \(people.count) contacts, \(values.count) values, batch \(batch), concurrency \(concurrency)" }
    }

    /// Looks the world's values up with exact attribution, one way or the other: the result and the search requests the server saw.
    func lookUp(_ world: World, _ strategy: HeymarketClient.AttributionStrategy) async throws -> (SearchResult, requests: Int) {
        let clock = ManualClock()
        let service = SandboxService(configuration: SandboxConfiguration(rateLimit: 1_000_000, now: clock.function), store: try SandboxContactStore(json: world.dataset))
        var client = HeymarketClient(credentials: .secret(id: SandboxConfiguration.demoSecret.id, key: Secret(SandboxConfiguration.demoSecret.key)),
                                     baseURL: try BaseURL("http://127.0.0.1:9"),
                                     options: SearchOptions(batchSize: world.batch, concurrency: world.concurrency, rateLimit: nil, attribution: .exact),
                                     transport: InProcessSandbox(service: service), now: clock.function)
        client.attributionStrategy = strategy
        let result = try await client.search(world.values)
        return (result, service.statistics.searchRequests)
    }

    @Test(arguments: Array(1...160) as [UInt64])
    func everyValueEndsAsTheDataSaysWithNoMoreRequestsThanBatchByBatch(seed: UInt64) async throws {
        let world = World(seed: seed)
        let (pooled, requests) = try await lookUp(world, .pooled)
        let (alone, before) = try await lookUp(world, .perBatch)
        #expect(requests <= before, "\(world): pooled \(requests) requests, batch by batch \(before)")
        #expect(pooled.requestCount == requests, "\(world): the result counts every request")
        #expect(pooled.isComplete && pooled.attributionFailures.isEmpty, "\(world)")
        for input in pooled.inputs {
            let n = try #require(input.normalized, "\(world): \(input.value) is valid")
            switch input.outcome {
            case .matched: #expect(world.finds(n), "\(world): \(input.value) matched, yet no contact has it")
            case .unmatched: #expect(!world.finds(n), "\(world): \(input.value) proven unmatched, yet a contact has it")
            default: Issue.record("\(world): \(input.value) ended \(input.outcome)")
            }
        }
        // The findings are the questions' own, whatever shared their requests.
        #expect(pooled.inputs.map(\.outcome) == alone.inputs.map(\.outcome), "\(world)")
        #expect(pooled.matches.map(\.contact.id) == alone.matches.map(\.contact.id), "\(world)")
        #expect(pooled.matches.map(\.matchedValues) == alone.matches.map(\.matchedValues), "\(world)")
    }

    /// Reads the world's first outcome and stops, as a `limit` does: the requests the server saw.
    func firstOutcome(_ world: World, _ strategy: HeymarketClient.AttributionStrategy) async throws -> Int {
        let clock = ManualClock()
        let service = SandboxService(configuration: SandboxConfiguration(rateLimit: 1_000_000, now: clock.function), store: try SandboxContactStore(json: world.dataset))
        var client = HeymarketClient(credentials: .secret(id: SandboxConfiguration.demoSecret.id, key: Secret(SandboxConfiguration.demoSecret.key)),
                                     baseURL: try BaseURL("http://127.0.0.1:9"),
                                     options: SearchOptions(batchSize: world.batch, concurrency: 1, rateLimit: nil, attribution: .exact),
                                     transport: InProcessSandbox(service: service), now: clock.function)
        client.attributionStrategy = strategy
        for try await _ in client.batchOutcomes(BatchSource(client.plan(world.values)), readerMayStop: true) { break }
        return service.statistics.searchRequests
    }

    @Test(arguments: Array(1...40) as [UInt64])
    func aReaderThatStopsAfterTheFirstOutcomeCostsNoMoreThanBatchByBatch(seed: UInt64) async throws {
        let world = World(seed: seed)
        let pooled = try await firstOutcome(world, .pooled), alone = try await firstOutcome(world, .perBatch)
        #expect(pooled <= alone, "\(world): pooled \(pooled) requests, batch by batch \(alone)")
    }

    /// The sandbox, but for exact attribution's requests (those whose values
    /// are not one of the plan's batches), which `meddle` answers instead.
    final class Meddling: HTTPTransport {
        let sandbox: InProcessSandbox
        let batches: Set<Set<String>>
        let meddle: @Sendable (HTTPResponseData) -> HTTPResponseData
        /// The status of every answer, in order.
        let statuses = Mutex<[Int]>([])

        init(sandbox: InProcessSandbox, batches: Set<Set<String>>, meddle: @escaping @Sendable (HTTPResponseData) -> HTTPResponseData) {
            self.sandbox = sandbox
            self.batches = batches
            self.meddle = meddle
        }

        func send(_ request: HTTPRequestData) async throws -> HTTPResponseData {
            var answer = try await sandbox.send(request)
            let body = try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any]
            let ids = (body?["contact_channels"] as? [[String: Any]] ?? []).flatMap { $0["channel_ids"] as? [String] ?? [] }
            if !batches.contains(Set(ids)) { answer = meddle(answer) }
            statuses.withLock { $0.append(answer.status) }
            return answer
        }
    }

    /// Three batches of ten: contacts 1 to 12 show phones 1..12, contact 3 also has
    /// a phone it does not show; values are hits, misses and that hidden phone.
    func meddled(_ meddle: @escaping @Sendable (HTTPResponseData) -> HTTPResponseData) async throws -> (SearchResult, SandboxService, statuses: [Int]) {
        var objects: [[String: Any]] = (1...12).map { ["id": 7000 + $0, "phone": World.phone($0)] }
        objects[2]["_channels"] = [["type": "phone", "id": World.phone(99)]]
        let store = try SandboxContactStore(json: try JSONSerialization.data(withJSONObject: objects))
        let values: [ChannelValue] = (0..<30).map { i in
            i == 17 ? .phone(World.phone(99)) : i % 3 == 0 ? .phone(World.phone(1 + i / 3)) : .phone(World.phone(500 + i))
        }
        let clock = ManualClock()
        let service = SandboxService(configuration: SandboxConfiguration(rateLimit: 1_000_000, now: clock.function), store: store)
        let options = SearchOptions(batchSize: 10, concurrency: 1, rateLimit: nil, retry: RetryPolicy(maximumAttempts: 2, baseDelay: 0.001), attribution: .exact)
        let plan = SearchPlanner(batchSize: 10).plan(values)
        let transport = Meddling(sandbox: InProcessSandbox(service: service), batches: Set(plan.batches.map { Set($0.values.map(\.value)) }), meddle: meddle)
        let client = HeymarketClient(credentials: .secret(id: SandboxConfiguration.demoSecret.id, key: Secret(SandboxConfiguration.demoSecret.key)),
                                     baseURL: try BaseURL("http://127.0.0.1:9"), options: options, transport: transport, now: clock.function)
        let result = try await client.search(values)
        return (result, service, transport.statuses.withLock { $0 })
    }

    @Test func aFailedQuestionLeavesItsValuesUndeterminedWithTheReasonAndTheRestSettled() async throws {
        let (result, service, _) = try await meddled { answer in HTTPResponseData(status: 500, headers: answer.headers, body: Array(#"{"error":"down"}"#.utf8)) }
        #expect(result.requestCount == service.statistics.searchRequests)
        let failure = try #require(result.attributionFailures.first)
        #expect(failure.error.status == 500)
        let inDoubt = Set(result.attributionFailures.flatMap(\.values).map(\.value))
        for input in result.inputs {
            let n = Int(input.value.value.suffix(4))!
            switch input.outcome {
            // A phone some contact's field shows is matched all the same.
            case .matched: #expect(n <= 12, "\(input.value)")
            // The misses of batches that found someone, and the hidden phone, are in doubt, and named.
            case .undetermined: #expect(n > 12 && inDoubt.contains(input.value.value), "\(input.value)")
            default: Issue.record("\(input.value) ended \(input.outcome)")
            }
        }
        #expect(inDoubt.count == 20, "every value no field ties, in every batch (each found someone): \(inDoubt.sorted())")
    }

    @Test func anAnswerHoldingAContactNoBatchFoundIsADisagreementAndPutsItsBatchesInDoubt() async throws {
        let (result, _, _) = try await meddled { answer in
            HTTPResponseData(status: 200, headers: answer.headers, body: Array("[".utf8) + Array(#"{"id":99999}"#.utf8)
                             + (answer.body.count > 2 ? Array(",".utf8) : []) + answer.body.dropFirst())
        }
        let failure = try #require(result.attributionFailures.first)
        #expect(failure.error == AttributionProbe.disagreement)
        // Every value of a batch in doubt is named; those no field ties are undetermined (a field's tie stands).
        let inDoubt = Set(result.attributionFailures.flatMap(\.values).map(\.value))
        #expect(inDoubt.count == 30)
        for input in result.inputs {
            let n = Int(input.value.value.suffix(4))!
            #expect(input.outcome == (n <= 12 ? .matched(contactCount: 1) : .undetermined), "\(input.value)")
        }
    }

    @Test func refusedCredentialsOnAQuestionStopTheSearch() async throws {
        let (result, _, statuses) = try await meddled { answer in HTTPResponseData(status: 401, headers: answer.headers, body: Array(#"{"error":"no"}"#.utf8)) }
        #expect(result.refusal?.status == 401)
        // A question was refused, and refused again with a fresh token: nothing was sent after.
        #expect(statuses.suffix(2) == [401, 401] && statuses.filter { $0 == 401 }.count == 2, "\(statuses)")
        #expect(result.inputs.allSatisfy { if case .failed(let e) = $0.outcome { e.isAuthentication } else { false } })
    }
}

