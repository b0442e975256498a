import Heymarket
import HeymarketSandbox
import HMQHost
import HMQRuntime
import Testing

/// ``Host/lookUp(_:with:settings:progress:note:)``, the lookup the agent's
/// `lookup` tool and `hmq search` stand on, against a sandbox in this process.
@Suite struct HostLookupTests {
    /// A client of the sandbox at `url`, with the demo credentials and no pacing.
    static func client(_ url: String) throws -> HeymarketClient {
        HeymarketClient(credentials: .secret(id: SandboxConfiguration.demoSecret.id, key: Secret(SandboxConfiguration.demoSecret.key)),
                        baseURL: try BaseURL(url), options: SearchOptions(rateLimit: nil))
    }

    @Test func valuesComeBackWithTheirContactsAndWhatMatchedNothing() async throws {
        let service = SandboxService()
        let result = try await SandboxServer.with(service: service) { running in
            try await Host.lookUp([.phone("14155551234"), .email("ada@example.com"), .phone("19990000000")],
                                  with: try Self.client(running.baseURL), settings: Settings())
        }
        // Ada Lovelace (id 1001) has both the phone and the email: one contact, found by both.
        #expect(result.contacts.map(\.id) == [1001])
        #expect(Set(result.matches[0].matchedValues) == [.phone("14155551234"), .email("ada@example.com")])
        #expect(result.unmatched == [.phone("19990000000")])
        #expect(result.isComplete && result.failures.isEmpty)
        #expect(result.inputs.map(\.outcome) == [.matched(contactCount: 1), .matched(contactCount: 1), .unmatched])
        #expect(result.requestCount == service.statistics.searchRequests && result.requestCount > 0)
    }

    @Test func anInvalidValueStopsTheLookupBeforeAnyRequestUnlessSkipped() async throws {
        let service = SandboxService()
        let values: [ChannelValue] = [.phone("14155551234"), .phone("12"), .email("not an address")]
        try await SandboxServer.with(service: service) { running in
            let client = try Self.client(running.baseURL)
            do {
                _ = try await Host.lookUp(values, with: client, settings: Settings())
                Issue.record("invalid values were looked up")
            } catch let error as InvalidValuesError {
                #expect(error.count == 2)
                #expect(error.first.map(\.position) == [1, 2])
                #expect(error.result.contacts.isEmpty && error.result.invalid.count == 2)
            }
            #expect(service.statistics.searchRequests == 0, "nothing is sent while values are invalid")

            var skipping = Settings()
            skipping.invalid = .skip
            let result = try await Host.lookUp(values, with: client, settings: skipping)
            #expect(result.contacts.map(\.id) == [1001])
            #expect(result.invalid.map(\.value) == [.phone("12"), .email("not an address")])
            #expect(service.statistics.searchRequests > 0)
        }
    }
}
