import Foundation
import HMQHost
import HMQRuntime
import Heymarket
import Testing

/// What a host takes from its surroundings, read in-process: the REPL's answer
/// cache by default and what overrides it, and where the cache of a connection lives.
@Suite struct HostSettingsTests {
    /// A config folder holding `config` (when given), and the environment that points at it.
    func environment(config: String? = nil, _ extra: [String: String] = [:]) throws -> [String: String] {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("hmq-host-\(UUID())")
        try FileManager.default.createDirectory(at: home.appendingPathComponent("config/hmq"), withIntermediateDirectories: true)
        if let config {
            let path = home.appendingPathComponent("config/hmq/config.toml").path
            try config.write(toFile: path, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        }
        return ["HOME": home.path, "XDG_CONFIG_HOME": home.appendingPathComponent("config").path, "XDG_CACHE_HOME": home.appendingPathComponent("cache").path]
            .merging(extra) { $1 }
    }

    @Test func theREPLStartsWithFiveMinutesAndScriptsWithout() throws {
        let host = try Host(options: HostOptions(), environment: try environment())
        #expect(try host.settings(interactive: true).cache == 300)
        #expect(try host.settings().cache == nil)
    }

    @Test func theEnvironmentAProfileAndAFlagEachWinOverTheREPLsDefault() throws {
        let off = try Host(options: HostOptions(), environment: try environment(["HMQ_CACHE": "off"]))
        #expect(try off.settings(interactive: true).cache == nil)
        let profile = try Host(options: HostOptions(), environment: try environment(config: "default_profile = \"p\"\n[profiles.p]\ncache = \"10m\"\n"))
        #expect(try profile.settings(interactive: true).cache == 600)
        #expect(try profile.settings().cache == 600, "a profile's cache holds for scripts too")
        var flagged = HostOptions()
        flagged.settings = [("cache", "1h", "--cache")]
        let flag = try Host(options: flagged, environment: try environment(["HMQ_CACHE": "5m"]))
        #expect(try flag.settings(interactive: true).cache == 3600)
    }

    @Test func aConnectionKeepsItsAnswersUnderTheCacheFolderAndTheSandboxInMemory() async throws {
        let environment = try environment(["HEYMARKET_SECRET_ID": "hmq-test-id-0001", "HEYMARKET_SECRET_KEY": "sk_test_not_a_real_key_000000"])
        var options = HostOptions()
        options.baseURL = "http://127.0.0.1:9"
        let storage = try await Host(options: options, environment: environment).withClient(options: SearchOptions()) { $0?.answerCache?.storage }
        guard case .directory(let path)? = storage else { Issue.record("no directory: \(String(describing: storage))"); return }
        #expect(path == environment["XDG_CACHE_HOME"]! + "/hmq/answers")
        var sandbox = HostOptions()
        sandbox.sandbox = true
        let memory = try await Host(options: sandbox, environment: environment).withClient(options: SearchOptions()) { $0?.answerCache?.storage }
        guard case .memory? = memory else { Issue.record("the sandbox's answers are not in memory: \(String(describing: memory))"); return }
    }
}
