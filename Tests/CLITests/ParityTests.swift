import Foundation
import HMQAgent
import HMQFormatters
import HMQJSON
import HMQRuntime
import HMQShell
import HeymarketSandbox
import Heymarket
import LineEditing
import Synchronization
import Testing

/// The same hmq text sends the same requests and gives the same rows whether
/// it runs through the `hmq` command, the REPL or ``HMQSession``: all three use
/// the one ``ScriptRunner``. The same values looked up by `find`, `hmq search`
/// (plain and `--report`) and the MCP `lookup` and `query` tools give the same
/// contacts, outcomes and requests: all of them read the one lookup of `Heymarket`.
@Suite(.serialized) struct ParityTests {
    static let scripts = [
        // Two finds sharing settings: looked up together, one request.
        "find phone 14155551234, 14155559876 | show id, name; find phone 14155552003, email patel.family@example.com | show id",
        "let t = find phone 14155551234, 14155552003; $t | count; $t | show id | limit 1",
        "find phone 14155552010, 19990000000 | unmatched | show value, reason",
        // A full limit stops the lookup early.
        "set batch 2; set concurrency 1; find phone 14155552010, 14155552011, 14155552012, 14155552013, 14155552014, 14155552015 | limit 2 | show id",
        "find phone 12123000009 | show id, matched",
        "set attribution exact; find phone 14155552150, 14155551234, 19990000000 | show id, matched",
    ]

    static var client: (String) throws -> HeymarketClient {
        { url in
            HeymarketClient(credentials: .secret(id: SandboxConfiguration.demoSecret.id, key: Secret(SandboxConfiguration.demoSecret.key)),
                            baseURL: try BaseURL(url), options: SearchOptions(rateLimit: nil))
        }
    }

    /// Rows as NDJSON lines and the search requests the sandbox answered.
    typealias Run = (rows: String, requests: Int)

    func viaCommand(_ script: String) async throws -> Run {
        try await CLISandbox.with { sandbox in
            let out = try await sandbox.hmq(["--rate", "0", "-f", "ndjson", "-e", script])
            #expect(out.status == 0, "\(out.stderr)")
            return (out.stdout, sandbox.searchRequests)
        }
    }

    @MainActor
    func viaREPL(_ script: String) async throws -> Run {
        try await CLISandbox.with { sandbox in
            let sink = CollectedText()
            let output = CountingSink(sink)
            let evaluator = Evaluator(client: try Self.client(sandbox.url), registry: BuiltinFormatters.registry, output: output,
                                      settings: Settings(format: "ndjson"))
            let repl = await REPL(reader: ScriptedLineReader([.line(script)]), evaluator: evaluator, output: output,
                                  configuration: .init(target: "sandbox", welcome: false), renderer: .init(),
                                  writeError: { _ in }, interruptCount: { 0 })
            _ = await repl.run()
            // The REPL prints an empty line when its input ends.
            return (String(sink.text.dropLast()), sandbox.searchRequests)
        }
    }

    func viaSession(_ script: String) async throws -> Run {
        try await CLISandbox.with { sandbox in
            let rows = try await HMQSession(client: try Self.client(sandbox.url)).rows(script)
            return (rows.map { JSONWriter().string(.object($0.fields)) + "\n" }.joined(), sandbox.searchRequests)
        }
    }

    @Test(arguments: scripts)
    func theSameTextGivesTheSameRowsAndRequestsEverywhere(script: String) async throws {
        let command = try await viaCommand(script)
        let repl = try await viaREPL(script)
        let session = try await viaSession(script)
        #expect(!command.rows.isEmpty)
        #expect(repl.rows == command.rows, "REPL vs command")
        #expect(session.rows == command.rows, "session vs command")
        #expect(repl.requests == command.requests && session.requests == command.requests,
                "requests: command \(command.requests), REPL \(repl.requests), session \(session.requests)")
    }

    /// What a front end made of some values: the contacts' ids in order, the values that matched no contact, the requests sent.
    struct Looked: Equatable {
        var ids: [String] = []
        var unmatched: [String] = []
        var requests = 0
    }

    static let lookups: [(phones: [String], emails: [String], settings: [String])] = [
        (["14155551234", "14155559876", "14155552003", "19990000000", "+1 (415) 555-1234"], ["patel.family@example.com"], []),
        (["14155552150", "14155551234", "19990000000", "12123000009"], [], ["set attribution exact"]),
        ((0..<7).map { String(14_155_552_010 + $0) }, ["nobody@example.com"], ["set batch 3"]),
    ]

    static func id(_ contact: JSONValue?) -> String { contact.map { JSONWriter().string($0) } ?? "?" }

    /// The ids of a JSON array of contacts (`contact`: the key each entry holds its contact under).
    static func ids(_ array: JSONValue?, contact: String? = nil) -> [String] {
        (array?.arrayValue ?? []).map { entry in id((contact.flatMap { entry.objectValue?[$0] } ?? entry).objectValue?["id"]) }
    }

    static func values(_ array: JSONValue?) -> [String] { (array?.arrayValue ?? []).compactMap { $0.objectValue?["value"]?.stringValue } }

    /// `--flag value` for each setting (`set batch 3` is `--batch 3`).
    static func flags(_ settings: [String]) -> [String] {
        settings.flatMap { setting -> [String] in
            let words = setting.split(separator: " ").map(String.init)
            return ["--" + words[1], words[2]]
        }
    }

    @Test(arguments: 0..<lookups.count)
    func hmqSearchAndTheAgentsToolsAreFrontEndsOfTheOneLookup(index: Int) async throws {
        let (phones, emails, settings) = Self.lookups[index]
        let find = "find " + (phones.isEmpty ? [] : ["phone " + phones.map { "\"\($0)\"" }.joined(separator: ", ")]
                              + (emails.isEmpty ? [] : ["email " + emails.joined(separator: ", ")])).joined(separator: ", ")
        let arguments = phones.flatMap { ["--phone", $0] } + emails.flatMap { ["--email", $0] } + Self.flags(settings)
        let script = (settings + ["let r = \(find)", "$r | show id", "$r | unmatched | show value"]).joined(separator: "; ")
        let viaScript = try await CLISandbox.with { sandbox in
            let out = try await sandbox.hmq(["--rate", "0", "-f", "ndjson", "-e", script])
            #expect(out.status == 0, "\(out.stderr)")
            var looked = Looked(requests: sandbox.searchRequests)
            for line in out.stdout.split(separator: "\n") {
                let row = try JSONParser.parse(Array(line.utf8)).objectValue
                if let id = row?["id"] { looked.ids.append(Self.id(id)) } else if let value = row?["value"]?.stringValue { looked.unmatched.append(value) }
            }
            return looked
        }
        let viaSearch = try await CLISandbox.with { sandbox in
            let out = try await sandbox.hmq(["search", "--rate", "0"] + arguments)
            #expect(out.status == 0, "\(out.stderr)")
            return Looked(ids: Self.ids(try JSONParser.parse(Array(out.stdout.utf8))), unmatched: viaScript.unmatched, requests: sandbox.searchRequests)
        }
        let viaReport = try await CLISandbox.with { sandbox in
            let out = try await sandbox.hmq(["search", "--rate", "0", "--report"] + arguments)
            #expect(out.status == 0, "\(out.stderr)")
            let report = try JSONParser.parse(Array(out.stdout.utf8)).objectValue
            return Looked(ids: Self.ids(report?["contacts"], contact: "contact"), unmatched: Self.values(report?["unmatched"]), requests: sandbox.searchRequests)
        }
        let (viaLookup, viaQuery) = try await CLISandbox.with { sandbox in
            func tools() async throws -> AgentTools {
                let tools = AgentTools(client: try Self.client(sandbox.url), registry: BuiltinFormatters.registry, settings: Settings(), inputs: ScriptInputs())
                for setting in settings { #expect(!(await tools.query(setting)).isError) }
                return tools
            }
            let before = sandbox.searchRequests
            let lookupTools = try await tools()
            let lookup = await lookupTools.lookup(phones: phones, emails: emails, untyped: [])
            #expect(!lookup.isError, "\(lookup.json)")
            let report = lookup.json.objectValue
            let viaLookup = Looked(ids: Self.ids(report?["contacts"], contact: "contact"), unmatched: Self.values(report?["unmatched"]),
                                   requests: sandbox.searchRequests - before)
            let middle = sandbox.searchRequests
            let queryTools = try await tools()
            let query = await queryTools.query(find + " | show id", limit: AgentTools.maximumRowLimit)
            #expect(!query.isError, "\(query.json)")
            let answer = query.json.objectValue
            let viaQuery = Looked(ids: Self.ids(answer?["rows"]), unmatched: Self.values(answer?["unmatched"]), requests: sandbox.searchRequests - middle)
            return (viaLookup, viaQuery)
        }
        #expect(!viaScript.ids.isEmpty && viaScript.requests > 0)
        #expect(viaSearch == viaScript, "hmq search vs find")
        #expect(viaReport == viaScript, "hmq search --report vs find")
        #expect(viaLookup == viaScript, "MCP lookup vs find")
        #expect(viaQuery == viaScript, "MCP query vs find")
    }

    /// The answer cache is one mechanism: what `find` learned in one process,
    /// `hmq search`, ``HMQSession``, the REPL and the MCP `lookup` and `query`
    /// tools all answer from, sending nothing and giving the same contacts.
    /// (A day's cache: how long the test takes does not matter.)
    @MainActor
    @Test func everyFrontEndReadsTheOneAnswerCache() async throws {
        try await CLISandbox.with { sandbox in
            let home = sandbox.directory.appendingPathComponent("cache").path
            let phones = ["14155551234", "14155559876", "19990000000"]
            let find = "find phone " + phones.joined(separator: ", ") + " | show id"
            let learned = try await sandbox.hmq(["--cache", "1d", "-f", "ndjson", "-e", find], env: ["XDG_CACHE_HOME": home])
            #expect(learned.status == 0, "\(learned.stderr)")
            let ids = learned.stdout.split(separator: "\n").map { Self.id(try? JSONParser.parse(Array($0.utf8)).objectValue?["id"]) }
            let sent = sandbox.searchRequests
            #expect(ids == ["1001", "1002"] && sent > 0)

            let search = try await sandbox.hmq(["search", "--cache", "1d"] + phones.flatMap { ["--phone", $0] }, env: ["XDG_CACHE_HOME": home])
            #expect(Self.ids(try JSONParser.parse(Array(search.stdout.utf8))) == ids, "hmq search: \(search.all)")

            // In this process: a client on the same cache, as the host makes one.
            var client = try Self.client(sandbox.url)
            client.answerCache = AnswerCache(storage: .directory(home + "/hmq/answers"), server: try BaseURL(sandbox.url).description,
                                             credentials: .secret(id: SandboxConfiguration.demoSecret.id, key: Secret(SandboxConfiguration.demoSecret.key)))
            var settings = Settings(format: "ndjson")
            settings.cache = 86_400
            let session = try await HMQSession(client: client, settings: settings).rows(find)
            #expect(session.map { Self.id($0.fields["id"]) } == ids, "session")

            let sink = CollectedText(), output = CountingSink(sink)
            let repl = await REPL(reader: ScriptedLineReader([.line(find)]), evaluator: Evaluator(client: client, registry: BuiltinFormatters.registry, output: output, settings: settings),
                                  output: output, configuration: .init(target: "sandbox", welcome: false), renderer: .init(), writeError: { _ in }, interruptCount: { 0 })
            _ = await repl.run()
            #expect(sink.text.split(separator: "\n").map { Self.id(try? JSONParser.parse(Array($0.utf8)).objectValue?["id"]) } == ids, "REPL: \(sink.text)")

            let tools = AgentTools(client: client, registry: BuiltinFormatters.registry, settings: settings, inputs: ScriptInputs())
            let lookup = await tools.lookup(phones: phones, emails: [], untyped: [])
            #expect(Self.ids(lookup.json.objectValue?["contacts"], contact: "contact") == ids && lookup.json.objectValue?["from_cache"] == .integer(3), "MCP lookup: \(lookup.json)")
            let query = await tools.query(find, limit: AgentTools.maximumRowLimit)
            #expect(Self.ids(query.json.objectValue?["rows"]) == ids, "MCP query: \(query.json)")

            #expect(sandbox.searchRequests == sent, "every front end answered from the cache: \(sandbox.searchRequests - sent) more requests")
        }
    }

    @Test func twoFindsSharingSettingsAreOneRequest() async throws {
        #expect(try await viaSession(Self.scripts[0]).requests == 1)
        #expect(try await viaSession(Self.scripts[3]).requests == 1)
    }
}

/// Text a sink collected.
final class CollectedText: OutputSink, Sendable {
    private let collected = Mutex("")
    var text: String { collected.withLock { $0 } }
    func write(_ text: String) throws { collected.withLock { $0 += text } }
}
