import Foundation
import HeymarketSandbox
import Synchronization
import Testing
import TestSupport

@testable import Heymarket

/// Starts a sandbox on an ephemeral loopback port, runs `body` with a client for
/// it, and stops it: the client and the fake meet over real HTTP.
func withSandbox<T>(
    _ configuration: SandboxConfiguration = SandboxConfiguration(),
    credentials: Credentials = .secret(id: SandboxConfiguration.demoSecret.id, key: Secret(SandboxConfiguration.demoSecret.key)),
    options: SearchOptions = SearchOptions(rateLimit: nil, retry: RetryPolicy(baseDelay: 0.01)),
    now: @escaping @Sendable () -> Date = { Date() },
    _ body: (HeymarketClient, RunningSandbox) async throws -> T
) async throws -> T {
    try await SandboxServer.with(service: SandboxService(configuration: configuration)) { running in
        try await body(HeymarketClient(credentials: credentials, baseURL: try BaseURL(running.baseURL), options: options, now: now), running)
    }
}

/// The demo phone of contact `id` (1003...1320), per DemoDataset's documentation.
func demoPhone(_ id: Int) -> String { "1415555" + String(id + 1000) }

@Suite(.serialized) struct SandboxSearchTests {
    @Test func typedValuesFindTheirContacts() async throws {
        try await withSandbox { client, _ in
            let result = try await client.search([.phone("14155551234"), .email("JOSE.NUNEZ@example.com")])
            #expect(result.contacts.compactMap(\.id) == [1001, 1002])
            #expect(result.matches[0].matchedValues == [.phone("14155551234")])
            #expect(result.matches[1].matchedValues == [.email("JOSE.NUNEZ@example.com")])
            #expect(result.unmatched.isEmpty)
            #expect(result.requestCount == 1)
        }
    }

    @Test func untypedValuesAreSentWithoutChannelTypeAndInferred() async throws {
        try await withSandbox { client, _ in
            let plan = client.plan([.untyped("+1 415 555 9876"), .untyped("ada@example.com")])
            #expect(plan.batches[0].body.entries.allSatisfy { $0.channelType == nil })
            let result = try await client.search(plan: plan)
            #expect(result.contacts.compactMap(\.id) == [1002, 1001])
        }
    }

    @Test func mixedEntriesKeepInputOrderAndListMisses() async throws {
        try await withSandbox { client, _ in
            let result = try await client.search([
                .email("nobody@example.com"), .phone(demoPhone(1010)), .untyped("14155552003"),
                .email("patel.family@example.com"), .phone("19995550000"),
            ])
            // Two contacts share the Patel email; both come back, after 1010 and 1003.
            #expect(result.contacts.compactMap(\.id) == [1010, 1003, 1004, 1005])
            #expect(result.unmatched == [.email("nobody@example.com"), .phone("19995550000")])
            #expect(result.inputs.map(\.outcome) == [.unmatched, .matched(contactCount: 1), .matched(contactCount: 1), .matched(contactCount: 2), .unmatched])
        }
    }

    @Test func keepsFieldsTheSchemaDoesNotListAndTagObjects() async throws {
        try await withSandbox { client, _ in
            let result = try await client.search([.phone("14155551234"), .phone(demoPhone(1003)), .phone(demoPhone(1013))])
            let ada = try #require(result.contacts.first)
            #expect(ada["company"] == .string("Acme Corp"))
            #expect(ada.tagNames == ["vip", "customer"])
            let withTagObjects = try #require(result.contacts.first { $0.id == 1013 })
            #expect(withTagObjects["tags"]?.arrayValue?.first?.objectValue != nil)
            #expect(!withTagObjects.tagNames.isEmpty)
        }
    }

    @Test func aThousandIdsInBatchesOfAHundredIsExactlyTenRequests() async throws {
        // Fast attribution: one request per batch (exact asks again about values no field ties).
        try await withSandbox(options: SearchOptions(rateLimit: nil, retry: RetryPolicy(baseDelay: 0.01), attribution: .fast)) { client, sandbox in
            let values = (0..<1000).map { ChannelValue.phone(String(14_155_552_000 + $0)) }
            let result = try await client.search(values)
            #expect(sandbox.service.statistics.searchRequests == 10)
            #expect(result.requestCount == 10)
            // Ids 1003...1320 have phones 14155552003...14155552320, except every 29th.
            let withPhone = (1003...1320).filter { ($0 - 1001) % 29 != 28 }.count
            #expect(result.contacts.count == withPhone)
            // Every value has an outcome; a few batches hold contacts found by a hidden
            // channel (DemoDataset.hiddenChannels), whose untied values are undetermined.
            #expect(result.unmatched.count + result.undetermined.count + result.inputs.filter { if case .matched = $0.outcome { true } else { false } }.count == 1000)
        }
    }

    @Test func progressIsReportedPerBatchInOrder() async throws {
        try await withSandbox(options: SearchOptions(batchSize: 10, rateLimit: nil)) { client, _ in
            let seen = Mutex<[LookupProgress]>([])
            _ = try await client.search((0..<35).map { ChannelValue.phone(String(14_155_552_000 + $0)) }) { progress in
                seen.withLock { $0.append(progress) }
            }
            let all = seen.withLock { $0 }
            #expect(all.map(\.batchesDone) == [0, 1, 2, 3, 4], "nothing done yet, then each batch")
            #expect(all.allSatisfy { $0.batchesTotal == 4 && $0.valuesTotal == 35 && $0.rateLimited == 0 })
            #expect(all.map(\.valuesDone) == [0, 10, 20, 30, 35])
        }
    }

    @Test func faultsAreRetriedToTheSameAnswer() async throws {
        let values = (0..<1000).map { ChannelValue.phone(String(14_155_552_000 + $0)) }
        let clean = try await withSandbox(options: SearchOptions(rateLimit: nil, attribution: .fast)) { client, _ in try await client.search(values) }
        let faults = FaultInjection(serverErrorRate: 0.3, throttleRate: 0.3, retryAfter: 0, seed: 7)
        let options = SearchOptions(rateLimit: nil, retry: RetryPolicy(maximumAttempts: 30, baseDelay: 0.005, maximumDelay: 0.05), attribution: .fast)
        try await withSandbox(SandboxConfiguration(faults: faults), options: options) { client, sandbox in
            let faulty = try await client.search(values)
            #expect(faulty.isComplete)
            #expect(faulty.contacts == clean.contacts)
            #expect(faulty.unmatched == clean.unmatched)
            let stats = sandbox.service.statistics
            #expect(stats.count(status: 500) > 0)
            #expect(stats.count(status: 429) > 0)
            #expect(stats.count(status: 200) == 10)
            #expect(faulty.requestCount == stats.searchRequests)
            // The progress line's 429 count is the server's.
            #expect(client.rateLimitedCount == stats.count(status: 429))
        }
    }

    @Test func malformedAnswersAreRetried() async throws {
        let options = SearchOptions(rateLimit: nil, retry: RetryPolicy(maximumAttempts: 40, baseDelay: 0.001, maximumDelay: 0.01))
        try await withSandbox(SandboxConfiguration(faults: FaultInjection(malformedRate: 0.5, seed: 3)), options: options) { client, sandbox in
            let result = try await client.search((0..<300).map { ChannelValue.phone(String(14_155_552_000 + $0)) })
            #expect(result.isComplete)
            #expect(result.contacts.count > 250)
            #expect(sandbox.service.statistics.searchRequests > 3)
        }
    }

    @Test func aBatchThatAlwaysFailsIsReportedWithItsIds() async throws {
        let options = SearchOptions(batchSize: 2, rateLimit: nil, retry: RetryPolicy(maximumAttempts: 3, baseDelay: 0.001))
        try await withSandbox(SandboxConfiguration(faults: FaultInjection(serverErrorRate: 1)), options: options) { client, sandbox in
            let result = try await client.search([.phone("14155551234"), .phone("14155559876"), .email("ada@example.com")])
            #expect(!result.isComplete)
            #expect(result.failures.count == 2)
            #expect(result.failures.flatMap(\.values).map(\.value) == ["14155551234", "14155559876", "ada@example.com"])
            #expect(result.failures.allSatisfy { $0.attempts == 3 && $0.error.status == 500 && $0.error.requestID != nil })
            #expect(result.inputs.allSatisfy { if case .failed = $0.outcome { true } else { false } })
            #expect(result.unmatched.isEmpty)
            #expect(sandbox.service.statistics.searchRequests == 6)
        }
    }

    /// The sandbox's window and the client's JWTs run on one hand-set clock, so
    /// the wait the server asks for is the same at any time of day.
    @Test func retryAfterBeyondTheCapFailsTheBatchWithTheWaitNamed() async throws {
        let clock = ManualClock()  // the start of an hour: the 3,600 s window has 3,590 s left at +10 s
        clock.advance(by: 10)
        let options = SearchOptions(rateLimit: nil, retry: RetryPolicy(maximumAttempts: 2, baseDelay: 0.001))
        try await withSandbox(SandboxConfiguration(rateLimit: 1, rateWindow: 3600, now: clock.function), options: options, now: clock.function) { client, sandbox in
            _ = try await client.search([.phone("14155551234")])
            let result = try await client.search([.phone("14155559876")])
            let failure = try #require(result.failures.first)
            #expect(failure.error.code == .rateLimited)
            #expect(failure.error.status == 429)
            #expect(failure.error.message.contains("the server asks to wait 3590 s, more than max_wait, 120 s"), "\(failure.error.message)")
            #expect(sandbox.service.statistics.count(status: 429) == 1, "not retried: the wait is over the cap")
        }
    }

    @Test func aShortRetryAfterIsWaitedOutAndTheRetrySucceeds() async throws {
        let clock = ManualClock()
        clock.advance(by: 3_598.5)  // 1.5 s before the window ends: Retry-After 2 (rounded up)
        let options = SearchOptions(rateLimit: nil, retry: RetryPolicy(maximumAttempts: 2, baseDelay: 0.001))
        try await withSandbox(SandboxConfiguration(rateLimit: 1, rateWindow: 3600, now: clock.function), options: options, now: clock.function) { client, sandbox in
            _ = try await client.search([.phone("14155551234")])
            // The clock moves on while the client waits, as a real one would.
            let mover = Task { try await Task.sleep(for: .milliseconds(500)); clock.advance(by: 5) }
            let start = ContinuousClock.now
            let result = try await client.search([.phone("14155559876")])
            _ = try? await mover.value
            #expect(result.isComplete, "\(result.failures)")
            #expect(result.contacts.count == 1)
            #expect(ContinuousClock.now - start >= .seconds(1.9), "the client waited what the server asked")
            #expect(sandbox.service.statistics.count(status: 429) == 1)
        }
    }

    @Test(arguments: [
        ("wrong key", Credentials.secret(id: SandboxConfiguration.demoSecret.id, key: Secret("sk_wrong_key_for_the_demo_secret_id")), 0.0),
        ("unknown iss", Credentials.secret(id: "00000000-0000-0000-0000-000000000000", key: Secret(SandboxConfiguration.demoSecret.key)), 0.0),
        ("expired iat", Credentials.secret(id: SandboxConfiguration.demoSecret.id, key: Secret(SandboxConfiguration.demoSecret.key)), -301.0),
        ("iat in the future", Credentials.secret(id: SandboxConfiguration.demoSecret.id, key: Secret(SandboxConfiguration.demoSecret.key)), 120.0),
        ("wrong API key", Credentials.apiKey(Secret("not-the-demo-key")), 0.0),
    ])
    func badCredentialsAre401(name: String, credentials: Credentials, skew: Double) async throws {
        try await withSandbox(credentials: credentials, now: { Date().addingTimeInterval(skew) }) { client, sandbox in
            // A refusal does not throw the result away: every value fails with it.
            let result = try await client.search([.phone("14155551234")])
            let error = result.refusal
            #expect(result.inputs.allSatisfy { if case .failed(let e) = $0.outcome { e.isAuthentication } else { false } })
            #expect(error?.code == .unauthorized)
            #expect(error?.status == 401)
            #expect(error?.requestID?.hasPrefix("req_") == true)
            #expect(error?.isAuthentication == true)
            // A JWT gets one retry with a fresh token; an API key none.
            let expected = if case .apiKey = credentials { 1 } else { 2 }
            #expect(sandbox.service.statistics.count(status: 401) == expected)
        }
    }

    @Test func legacyAPIKeyWorks() async throws {
        try await withSandbox(credentials: .apiKey(Secret(SandboxConfiguration.demoAPIKey))) { client, _ in
            let found = try await client.search([.phone("14155551234")])
            #expect(found.contacts.count == 1)
            let inboxes = try await client.inboxes()
            #expect(inboxes.arrayValue?.count == 2)
        }
    }

    @Test(arguments: [
        ("", "request body is empty"),
        ("not json", "request body is not valid JSON"),
        ("[]", "request body must be a JSON object"),
        ("{}", "contact_channels is required"),
        (#"{"contact_channels":[]}"#, "contact_channels must be a non-empty array"),
        (#"{"contact_channels":[{"channel_type":"phone"}]}"#, "contact_channels[0].channel_ids must be a non-empty array of strings"),
        (#"{"contact_channels":[{"channel_ids":[14155551234]}]}"#, "contact_channels[0].channel_ids[0] must be a string"),
        (#"{"contact_channels":[{"channel_ids":["1"],"channel_type":7}]}"#, "contact_channels[0].channel_type must be a non-empty string"),
    ])
    func malformedBodiesAre400BadData(body: String, message: String) async throws {
        try await withSandbox { client, sandbox in
            let request = HTTPRequestData(
                method: "POST", url: sandbox.baseURL + HeymarketClient.searchPath,
                headers: [("Content-Type", "application/json")],
                authorization: try await client.tokens.authorization(), body: Array(body.utf8))
            let response = try await AsyncHTTPClientTransport().send(request)
            #expect(response.status == 400)
            #expect(response.header("X-Request-Id") != nil)
            let error = HeymarketClient.error(for: response)
            #expect(error.code == .badRequest)
            #expect(error.message == "\(message) · bad_data" || error.message.hasPrefix(message))
        }
    }

    @Test func everyResponseCarriesARequestID() async throws {
        try await withSandbox { _, sandbox in
            for (method, path) in [("GET", "/v1/inboxes"), ("GET", "/nope"), ("DELETE", HeymarketClient.searchPath)] {
                let response = try await AsyncHTTPClientTransport().send(HTTPRequestData(method: method, url: sandbox.baseURL + path))
                #expect(response.header("X-Request-Id")?.hasPrefix("req_") == true, "\(method) \(path)")
            }
        }
    }

    @Test func pacingKeepsUnderTheServersLimit() async throws {
        // 20 requests per 2 s window on the server; the client paces at the same limit.
        let options = SearchOptions(batchSize: 1, concurrency: 4, rateLimit: 20, rateWindow: .seconds(2), retry: RetryPolicy(maximumAttempts: 1))
        try await withSandbox(SandboxConfiguration(rateLimit: 20, rateWindow: 2), options: options) { client, sandbox in
            let result = try await client.search((0..<30).map { ChannelValue.phone(String(14_155_552_000 + $0)) })
            #expect(result.isComplete)
            #expect(sandbox.service.statistics.count(status: 429) == 0)
            #expect(sandbox.service.statistics.searchRequests == 30)
        }
    }

    @Test func httpIsOnlyForLoopback() {
        #expect(throws: HeymarketError.self) { try BaseURL("http://api.heymarket.com") }
        #expect(throws: HeymarketError.self) { try BaseURL("ftp://localhost") }
        #expect((try? BaseURL("http://127.0.0.1:8080/"))?.string == "http://127.0.0.1:8080")
        #expect((try? BaseURL("http://[::1]:9"))?.isLoopback == true)
        #expect((try? BaseURL("http://localhost:9")) != nil)
        #expect((try? BaseURL("https://api.heymarket.com")) != nil)
    }
}
