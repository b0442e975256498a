import Foundation
import HMQJSON
import HMQSystem
import HeymarketSandbox
import Testing
import TestSupport

@testable import Heymarket

/// The per-value answer cache: what it keeps (proven answers only), for how
/// long (an injected clock), where (0700/0600, a hash of the key), and that a
/// lookup through it gives what a lookup without it gives, asking the server
/// only about the values it does not hold.
@Suite struct AnswerCacheTests {
    static let credentials = Credentials.secret(id: SandboxConfiguration.demoSecret.id, key: Secret(SandboxConfiguration.demoSecret.key))

    /// A temporary directory, removed when the test ends.
    final class Directory {
        let path = NSTemporaryDirectory() + "hmq-answer-cache-\(UUID().uuidString)"
        deinit { try? FileManager.default.removeItem(atPath: path) }
    }

    /// A client on an in-process sandbox serving `dataset`, with the answer cache `cache` at `age` seconds.
    static func client(_ service: SandboxService, cache: AnswerCache?, age: Double? = 300, batch: Int = 100, concurrency: Int = 2,
                       attribution: AttributionMode = .exact, refresh: Bool = false, clock: ManualClock) throws -> HeymarketClient {
        var client = HeymarketClient(credentials: credentials, baseURL: try BaseURL("http://127.0.0.1:9"),
                                     options: SearchOptions(batchSize: batch, concurrency: concurrency, rateLimit: nil, attribution: attribution,
                                                            cache: age, refresh: refresh),
                                     transport: InProcessSandbox(service: service), now: clock.function)
        client.answerCache = cache
        return client
    }

    static func service(_ world: PooledAttributionTests.World, clock: ManualClock) throws -> SandboxService {
        SandboxService(configuration: SandboxConfiguration(rateLimit: 1_000_000, now: clock.function), store: try SandboxContactStore(json: world.dataset))
    }

    /// The contacts that hold `value` on any channel: the truth, from the world's data.
    static func holders(of value: NormalizedChannelValue, in world: PooledAttributionTests.World) -> Set<Int64> {
        Set(world.people.filter { p in
            let channels = [("phone", p.phone), ("email", p.email)].compactMap { t, v in v.map { (t, $0) } } + p.hidden.map { ($0.type, $0.id) }
            return channels.contains { $0.0 == value.type && $0.1 == value.value }
        }.map { Int64($0.id) })
    }

    /// Seeded worlds whose contacts hold channels their fields do not show:
    /// half the values are looked up first (the cache learns), then all, then
    /// all again. Every answer the cache keeps is the whole truth for its
    /// value; through the cache every value ends as it does without it, the
    /// same contacts are found, every tie is true, and no value is both
    /// answered from the cache and sent.
    @Test(arguments: Array(1...40) as [UInt64])
    func aLookupThroughTheCacheGivesWhatOneWithoutItGivesAskingOnlyForWhatItDoesNotHold(seed: UInt64) async throws {
        let world = PooledAttributionTests.World(seed: seed)
        let clock = ManualClock()
        // Without a cache: the reference.
        let reference = try await Self.client(try Self.service(world, clock: clock), cache: nil, batch: world.batch, concurrency: world.concurrency, clock: clock)
            .search(world.values)
        var rng = SeededGenerator(seed: seed &+ 1000)
        let some = world.values.filter { _ in rng.below(100) < 50 }
        let directory = Directory()
        let cache = AnswerCache(storage: .directory(directory.path), server: "http://127.0.0.1:9", credentials: Self.credentials, now: clock.function)
        let service = try Self.service(world, clock: clock)
        let client = try Self.client(service, cache: cache, batch: world.batch, concurrency: world.concurrency, clock: clock)
        _ = try await client.search(some)
        clock.advance(by: 60)
        for run in 1...2 {
            let (before, hitsBefore) = (service.statistics.idsSearched, cache.statistics.hits)
            let cached = try await client.search(world.values)
            let asked = service.statistics.idsSearched - before, hits = cache.statistics.hits - hitsBefore
            func kind(_ o: SearchResult.Outcome) -> String { if case .matched = o { "matched" } else { "\(o)" } }
            #expect(cached.inputs.map { kind($0.outcome) } == reference.inputs.map { kind($0.outcome) }, "\(world), run \(run)")
            #expect(Set(cached.matches.map(\.contact.id)) == Set(reference.matches.map(\.contact.id)), "\(world), run \(run)")
            #expect(cached.isComplete && cached.attributionFailures.isEmpty, "\(world), run \(run)")
            for match in cached.matches {
                for value in match.matchedValues {
                    let n = try SearchPlanner().normalize(value).get()
                    #expect(Self.holders(of: n, in: world).contains(match.contact.id ?? -1), "\(world): \(value) tied to contact \(match.contact.id ?? -1), which does not hold it")
                }
            }
            // Each distinct value answered from the cache or asked about (exact attribution asks some again).
            let distinct = Set(world.values.compactMap { try? SearchPlanner().normalize($0).get() })
            #expect(asked >= distinct.count - hits, "\(world), run \(run)")
            // The batches sent carry only what the cache does not hold (exact attribution's
            // further questions depend on which values share a batch, with or without it).
            let plan = client.planner.plan(world.values), plain = SearchPlanner(batchSize: world.batch).plan(world.values)
            #expect(plan.census.batchCount == (distinct.count - plan.census.cached.count + world.batch - 1) / world.batch, "\(world), run \(run)")
            #expect(plan.census.batchCount <= plain.census.batchCount, "\(world), run \(run)")
            // What the cache keeps is the whole truth about each value.
            for value in distinct {
                guard let answer = cache.answer(for: value, maximumAge: 300) else { continue }
                let found = Set(answer.contacts.compactMap(\.id)), truth = Self.holders(of: value, in: world)
                // Whole: the whole truth; kept with its group: only true ties (the group finds the rest).
                #expect(answer.whole ? found == truth : found.isSubset(of: truth) && !found.isEmpty, "\(world): the cache's answer for \(value)")
            }
        }
    }

    /// Lookups of random overlapping sets of a world's values, one after the
    /// other through one cache: each ends value by value as a lookup without
    /// the cache does, finds the same contacts, and ties only true values.
    @Test(arguments: Array(1...40) as [UInt64])
    func overlappingLookupsThroughOneCacheEndAsFreshOnes(seed: UInt64) async throws {
        let world = PooledAttributionTests.World(seed: seed)
        let clock = ManualClock()
        var rng = SeededGenerator(seed: seed &+ 7)
        let service = try Self.service(world, clock: clock), fresh = try Self.service(world, clock: clock)
        let cache = AnswerCache(storage: .memory, server: "s", credentials: Self.credentials, now: clock.function)
        let client = try Self.client(service, cache: cache, batch: world.batch, concurrency: world.concurrency, clock: clock)
        let plain = try Self.client(fresh, cache: nil, batch: world.batch, concurrency: world.concurrency, clock: clock)
        for round in 1...4 {
            // A random share of the values, in a shuffled order, some new.
            let share = [25, 50, 90, 100][rng.below(4)]
            var values = world.values.filter { _ in rng.below(100) < share }
            for i in values.indices.reversed() { values.swapAt(i, rng.below(i + 1)) }
            let cached = try await client.search(values), reference = try await plain.search(values)
            func kind(_ o: SearchResult.Outcome) -> String { if case .matched = o { "matched" } else { "\(o)" } }
            #expect(cached.inputs.map { kind($0.outcome) } == reference.inputs.map { kind($0.outcome) }, "\(world), round \(round)")
            #expect(Set(cached.matches.map(\.contact.id)) == Set(reference.matches.map(\.contact.id)), "\(world), round \(round)")
            for match in cached.matches {
                for value in match.matchedValues {
                    let n = try SearchPlanner().normalize(value).get()
                    #expect(Self.holders(of: n, in: world).contains(match.contact.id ?? -1), "\(world), round \(round): \(value) tied to \(match.contact.id ?? -1)")
                }
            }
            clock.advance(by: 30)
        }
    }

    /// What an attacker found: under fast attribution every value can be tied
    /// by a field while the answer holds a contact tied to none; nothing of
    /// that answer may be kept, or the contact would be lost to later lookups.
    @Test func aContactNoValueExplainsKeepsNothing() async throws {
        let clock = ManualClock()
        let objects: [[String: Any]] = [["id": 1, "first": "X", "phone": "14155550001"], ["id": 2, "first": "Y", "phone": "14155550002"],
                                        ["id": 3, "first": "Z", "phone": "14155550099", "_channels": [["type": "phone", "id": "14155550001"]]]]
        let store = try SandboxContactStore(json: try JSONSerialization.data(withJSONObject: objects))
        let service = SandboxService(configuration: SandboxConfiguration(rateLimit: 1_000_000, now: clock.function), store: store)
        let cache = AnswerCache(storage: .memory, server: "s", credentials: Self.credentials, now: clock.function)
        let values: [ChannelValue] = [.phone("14155550001"), .phone("14155550002")]
        let fast = try await Self.client(service, cache: cache, attribution: .fast, clock: clock).search(values)
        #expect(Set(fast.contacts.compactMap(\.id)) == [1, 2, 3])
        #expect(cache.size().answers == 0)
        let exact = try await Self.client(service, cache: cache, clock: clock).search(values)
        #expect(Set(exact.contacts.compactMap(\.id)) == [1, 2, 3], "Z holds 14155550001 on a channel no field shows")
    }

    /// Files an attacker put in the cache: a FIFO where an answer goes (no hang),
    /// another server's answer for the same value, a directory that is a link.
    @Test func aFIFOAnotherScopesFileOrALinkedDirectoryIsNoAnswer() async throws {
        let clock = ManualClock()
        let directory = Directory()
        let value = NormalizedChannelValue(type: "phone", value: "14155550003")
        let here = AnswerCache(storage: .directory(directory.path), server: "a", credentials: Self.credentials, now: clock.function)
        let there = AnswerCache(storage: .directory(directory.path), server: "b", credentials: Self.credentials, now: clock.function)
        here.store(value, contacts: [], whole: true, group: nil)
        there.store(value, contacts: [], whole: true, group: nil)
        func files(_ cache: AnswerCache) -> [String] {
            let root = cache.scopeDirectory ?? ""
            return (FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".json") }.map { root + "/" + $0 }
        }
        let (mine, theirs) = (try #require(files(here).first), try #require(files(there).first))
        // Another scope's file moved into this one's place.
        try FileManager.default.removeItem(atPath: mine)
        try FileManager.default.copyItem(atPath: theirs, toPath: mine)
        #expect(here.answer(for: value, maximumAge: 60) == nil)
        // A FIFO: not opened to wait on.
        try FileManager.default.removeItem(atPath: mine)
        #expect(mkfifo(mine, 0o600) == 0)
        #expect(here.answer(for: value, maximumAge: 60) == nil)
        try FileManager.default.removeItem(atPath: mine)
        // The answer's directory made a link to one elsewhere: not read through, not written through.
        here.store(value, contacts: [], whole: true, group: nil)
        let sub = (mine as NSString).deletingLastPathComponent
        let elsewhere = directory.path + "/elsewhere"
        try FileManager.default.moveItem(atPath: sub, toPath: elsewhere)
        try FileManager.default.createSymbolicLink(atPath: sub, withDestinationPath: elsewhere)
        #expect(here.answer(for: value, maximumAge: 60) == nil)
        here.store(NormalizedChannelValue(type: "phone", value: "14155550004"), contacts: [], whole: true, group: nil)
        #expect((try FileManager.default.contentsOfDirectory(atPath: elsewhere)).count == 1, "nothing new written through the link")
    }

    /// Keys and group ids are digests as hex: two lowercase digits a byte, as `%02x` writes them.
    @Test func hexIsTwoLowercaseDigitsAByte() {
        #expect(Hex.string([0x00, 0x0F, 0xA5, 0xFF, 0x10]) == "000fa5ff10")
        #expect(Hex.string([UInt8]()) == "")
        let bytes = (0...255).map(UInt8.init)
        #expect(Hex.string(bytes) == bytes.map { String(format: "%02x", $0) }.joined())
    }

    @Test func anUntypedValueSpelledLikeATypedOneIsAnotherValue() throws {
        let typed = NormalizedChannelValue(type: "phone", value: "14155550001"), untyped = NormalizedChannelValue(type: nil, value: "phone:14155550001")
        #expect(AnswerCache.group(of: [typed]) != AnswerCache.group(of: [untyped]))
        let cache = AnswerCache(storage: .memory, server: "s", credentials: Self.credentials, now: ManualClock().function)
        cache.store(typed, contacts: [], whole: true, group: nil)
        #expect(cache.answer(for: untyped, maximumAge: 60) == nil && cache.answer(for: typed, maximumAge: 60) != nil)
    }

    /// The figures the issue asks for, on a sandbox: the same lookup twice, one new value, a bulk run sharing half another's values.
    @Test func theSameLookupTwiceSendsNothingAndANewValueGoesAlone() async throws {
        let clock = ManualClock()
        let service = SandboxService(configuration: SandboxConfiguration(rateLimit: 1_000_000, now: clock.function))
        let directory = Directory()
        let cache = AnswerCache(storage: .directory(directory.path), server: "sandbox", credentials: Self.credentials, now: clock.function)
        let client = try Self.client(service, cache: cache, clock: clock)
        let (a, b): (ChannelValue, ChannelValue) = (.phone("14155551234"), .email("jose.nunez@example.com"))

        _ = try await client.search([a])
        #expect(service.statistics.searchRequests == 1)
        let twice = try await client.search([a])
        #expect(service.statistics.searchRequests == 1, "the same lookup again sends nothing")
        #expect(twice.matches.map(\.contact.id) == [1001] && twice.requestCount == 0)

        let ids = service.statistics.idsSearched
        let both = try await client.search([a, b])
        #expect(service.statistics.searchRequests == 2 && service.statistics.idsSearched == ids + 1, "one request, holding the new value alone")
        #expect(both.inputs.map(\.outcome).allSatisfy { if case .matched = $0 { true } else { false } })

        // Two values found in one request, each a contact of its own: neither is known whole
        // (either contact may hold the other value on a channel no field shows), yet the same
        // request again is answered from the cache with the same ties.
        let pair: [ChannelValue] = [.phone("14155552003"), .email("ada@example.com")]
        let firstPair = try await client.search(pair)
        let sentPair = service.statistics.searchRequests
        let againPair = try await client.search(pair)
        #expect(service.statistics.searchRequests == sentPair && againPair.requestCount == 0)
        #expect(againPair.matches.map(\.contact.id) == firstPair.matches.map(\.contact.id) && againPair.matches.map(\.matchedValues) == firstPair.matches.map(\.matchedValues))
        #expect(cache.answer(for: try SearchPlanner().normalize(pair[0]).get(), maximumAge: 300)?.whole == false)
        // With a value added, the pair still answers from the cache: one request, holding the new value alone.
        let idsBefore = service.statistics.idsSearched
        let grown = try await client.search(pair + [.phone("14155552010")])
        #expect(service.statistics.searchRequests == sentPair + 1 && service.statistics.idsSearched == idsBefore + 1)
        #expect(grown.matches.map(\.contact.id) == [1003, 1001, 1010])
        // Without the whole pair, neither of its values is answered: the one asked is sent.
        let alone = try await client.search([pair[0]])
        #expect(service.statistics.searchRequests == sentPair + 2 && alone.matches.map(\.contact.id) == [1003])

        // A bulk run of 400, then another of 400 sharing 200 of them: 2 requests of 100, not 4.
        let first = (0..<400).map { ChannelValue.phone("1415700" + String(format: "%04d", $0)) }
        let second = Array(first[200...]) + (400..<600).map { ChannelValue.phone("1415700" + String(format: "%04d", $0)) }
        _ = try await client.search(first)
        let sent = service.statistics.searchRequests
        let result = try await client.search(second)
        #expect(service.statistics.searchRequests - sent == 2)
        #expect(result.unmatched.count == 400 && result.isComplete)
    }

    @Test func anAnswerIsUsedUntilItIsAsOldAsTheSettingAndNeverWhenTheClockIsBehindIt() throws {
        let clock = ManualClock()
        let directory = Directory()
        let cache = AnswerCache(storage: .directory(directory.path), server: "s", credentials: Self.credentials, now: clock.function)
        let value = NormalizedChannelValue(type: "phone", value: "14155551234")
        let contact = try #require(Contact(json: .object(JSONObject([.init(key: "id", value: .integer(7)), .init(key: "phone", value: .string("14155551234"))]))))
        cache.store(value, contacts: [contact], whole: true, group: AnswerCache.group(of: [value]))
        #expect(cache.answer(for: value, maximumAge: 300)?.contacts == [contact])
        clock.advance(by: 299)
        #expect(cache.answer(for: value, maximumAge: 300) != nil)
        #expect(cache.answer(for: value, maximumAge: 120) == nil, "a shorter setting makes it too old")
        clock.advance(by: 2)
        #expect(cache.answer(for: value, maximumAge: 300) == nil)
        // Stored "in the future" (a clock set back since): not trusted.
        clock.advance(by: -3600)
        #expect(cache.answer(for: value, maximumAge: 1e9) == nil)
    }

    @Test func answersArePrivateKeyedByAHashAndAFileThatIsNotAWholeAnswerForTheValueIsNone() throws {
        let clock = ManualClock()
        let directory = Directory()
        let cache = AnswerCache(storage: .directory(directory.path + "/hmq/answers"), server: "s", credentials: Self.credentials, now: clock.function)
        let value = NormalizedChannelValue(type: "email", value: "ada@example.com")
        cache.store(value, contacts: [], whole: true, group: nil)
        #expect(cache.answer(for: value, maximumAge: 60)?.contacts == [])
        var files: [String] = []
        let walker = try #require(FileManager.default.enumerator(atPath: directory.path))
        while let name = walker.nextObject() as? String {
            let path = directory.path + "/" + name
            let mode = try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
            if walker.fileAttributes?[.type] as? FileAttributeType == .typeDirectory {
                #expect(mode == 0o700, "\(name) is \(String(mode, radix: 8))")
            } else {
                #expect(mode == 0o600, "\(name) is \(String(mode, radix: 8))")
                files.append(path)
            }
        }
        #expect(files.count == 1)
        let key = SandboxConfiguration.demoSecret.key, id = SandboxConfiguration.demoSecret.id
        for file in files {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            #expect(!text.contains(key) && !text.contains(id) && !file.contains(key) && !file.contains(id))
        }
        // Another key's cache does not see it.
        let other = AnswerCache(storage: .directory(directory.path + "/hmq/answers"), server: "s", credentials: .apiKey(Secret("another-key-12345")), now: clock.function)
        #expect(other.answer(for: value, maximumAge: 60) == nil)
        // Garbled, cut, or another value's answer moved into its place: no answer, no crash.
        let file = try #require(files.first)
        for bytes in ["{\"type\":\"email\",\"value\":\"ada@exa", "not json", "{\"type\":\"email\",\"value\":\"eve@example.com\",\"contacts\":[]}", "[]"] {
            try bytes.write(toFile: file, atomically: false, encoding: .utf8)
            #expect(cache.answer(for: value, maximumAge: 60) == nil, "\(bytes)")
        }
        #expect(cache.size().answers == 1)
        #expect(cache.clear() == 1 && cache.size().answers == 0)
    }

    /// Undetermined and failed outcomes are never kept (invalid values are never in a batch); under `refresh` answers are stored, not read.
    @Test func onlyProvenAnswersAreKeptAndRefreshAsksAgain() async throws {
        let clock = ManualClock()
        // Contact 1 shows no phone: asked by a phone it has, fast attribution cannot tell which value found it.
        let objects: [[String: Any]] = [["id": 1, "first": "Hidden", "_channels": [["type": "phone", "id": "14155550001"]]], ["id": 2, "phone": "14155550002"]]
        let store = try SandboxContactStore(json: try JSONSerialization.data(withJSONObject: objects))
        let service = SandboxService(configuration: SandboxConfiguration(rateLimit: 1_000_000, now: clock.function), store: store)
        let cache = AnswerCache(storage: .memory, server: "s", credentials: Self.credentials, now: clock.function)
        let fast = try Self.client(service, cache: cache, attribution: .fast, clock: clock)
        let result = try await fast.search([.phone("14155550001"), .phone("14155550003")])
        #expect(result.undetermined.count == 2)
        #expect(cache.size().answers == 0, "an answer with a contact no field explains proves nothing")

        // A batch that fails: nothing kept.
        let failing = SandboxService(configuration: SandboxConfiguration(rateLimit: 1_000_000, faults: FaultInjection(serverErrorRate: 1), now: clock.function), store: store)
        var options = fast.options
        options.retry = RetryPolicy(maximumAttempts: 1, baseDelay: 0.001)
        let failed = try await Self.client(failing, cache: cache, clock: clock).with(options: options).search([.phone("14155550002")])
        #expect(failed.failures.count == 1 && cache.size().answers == 0)

        // Proven (exact attribution asks): kept; with refresh, asked again and kept again.
        let exact = try Self.client(service, cache: cache, clock: clock)
        _ = try await exact.search([.phone("14155550002"), .phone("14155550003")])
        #expect(cache.size().answers == 2)
        let sent = service.statistics.searchRequests
        let refreshed = try Self.client(service, cache: cache, refresh: true, clock: clock)
        let again = try await refreshed.search([.phone("14155550002"), .phone("14155550003")])
        #expect(service.statistics.searchRequests > sent && again.matches.map(\.contact.id) == [2])
        #expect(cache.statistics.stored == 4)
        // A checkpoint's batches must be the same when it resumes: it does not read the cache either.
        var checkpointed = exact.options
        checkpointed.checkpoint = "/nonexistent/never-written"
        #expect(exact.with(options: checkpointed).answers?.reads == false)
        #expect(exact.answers?.reads == true)
    }
}
