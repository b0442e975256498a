import Heymarket
import HeymarketSandbox
import Testing

@testable import HMQRuntime

/// The library as a Swift program uses it, against a sandbox over real HTTP.
@Suite(.serialized) struct SessionTests {
    func withSession(_ body: (HMQSession, HeymarketClient) async throws -> Void) async throws {
        let sandbox = try await SandboxServer.start(service: SandboxService())
        let client = HeymarketClient(
            credentials: .secret(id: SandboxConfiguration.demoSecret.id, key: Secret(SandboxConfiguration.demoSecret.key)),
            baseURL: try BaseURL(sandbox.baseURL), options: SearchOptions(rateLimit: nil))
        do {
            try await body(HMQSession(client: client, inputs: ScriptInputs(arguments: ["14155559876"])), client)
            await sandbox.stop()
        } catch {
            await sandbox.stop()
            throw error
        }
    }

    @Test func rowsComeBackInInputOrderWithVirtualFields() async throws {
        try await withSession { session, _ in
            let rows = try await session.rows("find phone $1, 14155551234 | show name, matched")
            #expect(rows.map { $0.fields["name"] } == [.string("José Núñez"), .string("Ada Lovelace")])
            #expect(rows.first?.fields["matched"] == ["14155559876"])
        }
    }

    @Test func bindingsPersistAndSendNothing() async throws {
        try await withSession { session, client in
            _ = try await session.rows("let t = find phone 14155551234, 14155552003")
            let before = client.requestsSent
            let count = try await session.rows("$t | count")
            #expect(count.first?.fields["count"] == .integer(2))
            #expect(client.requestsSent == before)
        }
    }

    @Test func errorsAreTyped() async throws {
        try await withSession { session, _ in
            do {
                _ = try await session.rows("find phone 1 | shwo x")
                Issue.record("expected a syntax error")
            } catch {
                guard case .syntax(let diagnostics)? = error as? HMQError else { Issue.record("\(error)"); return }
                #expect(diagnostics.first?.message == "unknown stage 'shwo'")
            }
            do {
                _ = try await session.rows("find phone 14155551234 | show nmae")
                Issue.record("expected a runtime error")
            } catch {
                guard case .runtime(let failure)? = error as? HMQError else { Issue.record("\(error)"); return }
                #expect(failure.diagnostic.message == "unknown field 'nmae'")
            }
        }
    }

    @Test func explainIsKeptForTheCaller() async throws {
        try await withSession { session, client in
            _ = try await session.rows("explain find phone 14155551234")
            #expect(session.explanations.contains("POST "))
            #expect(client.requestsSent == 0)
        }
    }
}
