import Foundation
import HMQJSON
import Heymarket
import HeymarketSandbox
import Testing

@testable import HMQRuntime

/// The library as a Swift program uses it, against a sandbox over real HTTP.
@Suite(.serialized) struct SessionTests {
    func withSession(_ body: (HMQSession, HeymarketClient) async throws -> Void) async throws {
        try await SandboxServer.with { sandbox in
            let client = HeymarketClient(
                credentials: .secret(id: SandboxConfiguration.demoSecret.id, key: Secret(SandboxConfiguration.demoSecret.key)),
                baseURL: try BaseURL(sandbox.baseURL), options: SearchOptions(rateLimit: nil))
            try await body(HMQSession(client: client, inputs: ScriptInputs(arguments: ["14155559876"])), client)
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

/// Stages stream: rows leave as batches arrive, and a full `limit` stops the lookup.
@Suite(.serialized) struct StreamingTests {
    let phones: String

    init() throws {
        // 1,000 demo phones (ids 1001–1320 have 1415555 + (id + 1000)), in 10 batches of 100.
        phones = FileManager.default.temporaryDirectory.appendingPathComponent("hmq-streaming-\(getpid()).txt").path
        try (0..<1000).map { String(14_155_552_001 + $0) }.joined(separator: "\n").write(toFile: phones, atomically: true, encoding: .utf8)
    }

    @Test func aFullLimitStopsTheLookup() async throws {
        try await SessionTests().withSession { session, client in
            // Fast attribution: one request per batch (exact would ask again about the misses).
            let all = try await session.rows("set attribution fast; find phone file \"\(phones)\" | show id")
            let sentForAll = client.requestsSent
            #expect(sentForAll == 10)
            let three = try await session.rows("set attribution fast; find phone file \"\(phones)\" | limit 3 | show id")
            #expect(three == Array(all.prefix(3)))
            // Concurrency 4: the first batch answers, at most a few more were in flight.
            #expect(client.requestsSent - sentForAll < 6)
        }
    }

    @Test func streamedOrderIsTheWholeResultsOrder() async throws {
        try await SessionTests().withSession { session, _ in
            // Emails of contacts also found by phone, in reverse order, so batches overlap.
            let found = try await session.rows("find phone file \"\(phones)\" | show email")
            let emails = found.compactMap { $0.fields["email"]?.stringValue }.reversed().enumerated()
                .filter { $0.offset % 7 == 0 }.map { "\"\($0.element)\"" }.joined(separator: ", ")
            let query = "set batch 30\nset rate 0\nfind phone file \"\(phones)\", email \(emails)"
            // `matched` needs the whole lookup; without it rows stream. Same order either way.
            let streamed = try await session.rows(query + " | show id")
            let whole = try await session.rows(query + " | show id, matched")
            #expect(streamed.count > 300)
            #expect(streamed.map { $0.fields["id"] } == whole.map { $0.fields["id"] })
        }
    }

    @Test func aLimitWithUnmatchedStillLooksUpEverything() async throws {
        try await SessionTests().withSession { session, client in
            let misses = try await session.rows("set attribution fast; find phone file \"\(phones)\" | limit 1 | unmatched")
            #expect(client.requestsSent == 10)
            // Ids 1001, 1002 and every 29th have another phone or none; 680 values are past the dataset.
            #expect(misses.count == 1000 - 320 + 13)
        }
    }

    @Test func breakingOutOfRunCancelsTheRest() async throws {
        try await SessionTests().withSession { session, client in
            var first: Row?
            for try await row in session.run("set attribution fast; find phone file \"\(phones)\" | show id") {
                first = row
                break
            }
            #expect(first?.fields["id"] == .integer(1003))  // 14155552001 and 2001 are not demo phones
            try await Task.sleep(for: .milliseconds(300))
            #expect(client.requestsSent < 10)
        }
    }
}

/// A stage from a plugin: `| dedupe --by FIELD` keeps the first row per value.
struct DedupeStage: StagePlugin {
    let name = "dedupe"
    let summary = "the first row per value of --by"
    let options = [PluginOption("by", .text, "the field")]

    func makeTransform(options: PluginOptions) throws(FormatterOptionError) -> any RowTransform {
        guard let field = options.text("by") else { throw FormatterOptionError("--by FIELD is needed") }
        return Transform(field: field)
    }

    final class Transform: RowTransform {
        let field: String
        var seen = Set<JSONValue?>()
        init(field: String) { self.field = field }
        func accept(_ rows: [Row], columns: [String]?) throws -> [Row] { rows.filter { seen.insert($0.value(at: [field])).inserted } }
        func columns(after input: [String]?) -> [String]? { input }
    }
}

@Suite(.serialized) struct StagePluginTests {
    @Test func aRegisteredStagePluginRunsInPipelines() async throws {
        var registry = PluginRegistry()
        try registry.register(stage: DedupeStage())
        #expect(throws: FormatterOptionError("a stage named 'show' already exists")) {
            struct Show: StagePlugin {
                let name = "show", summary = "", options: [PluginOption] = []
                func makeTransform(options: PluginOptions) throws(FormatterOptionError) -> any RowTransform { fatalError() }
            }
            try registry.register(stage: Show())
        }
        try await SandboxServer.with { sandbox in
            let client = HeymarketClient(
                credentials: .secret(id: SandboxConfiguration.demoSecret.id, key: Secret(SandboxConfiguration.demoSecret.key)),
                baseURL: try BaseURL(sandbox.baseURL), options: SearchOptions(rateLimit: nil))
            let session = HMQSession(client: client, registry: registry)
            let rows = try await session.rows("find email patel.family@example.com, phone 14155551234 | dedupe --by last | show name")
            #expect(rows.map { $0.fields["name"] } == [.string("Priya Patel"), .string("Ada Lovelace")])  // input order; Raj Patel dropped
            do {
                _ = try await session.rows("find phone 14155551234 | dedupe")
                Issue.record("expected an option error")
            } catch let error as HMQError {
                guard case .runtime(let failure) = error else { Issue.record("\(error)"); return }
                #expect(failure.diagnostic.message == "dedupe: --by FIELD is needed")
            }
            // Without the plugin, the name is an unknown stage.
            do {
                _ = try await HMQSession(client: client).rows("find phone 14155551234 | dedupe --by last")
                Issue.record("expected a syntax error")
            } catch let error as HMQError {
                guard case .syntax(let diagnostics) = error else { Issue.record("\(error)"); return }
                #expect(diagnostics.first?.message == "unknown stage 'dedupe'")
            }
        }
    }
}
