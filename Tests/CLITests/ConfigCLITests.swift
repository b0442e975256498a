import Foundation
import HeymarketSandbox
import Testing

/// Profiles, precedence, `hmq auth check` and keeping the Secret Key out of
/// everything, through the built binary.
@Suite(.serialized) struct ConfigCLITests {
    static let canaryID = "canary-id-0000-4000-8000-000000000042"
    static let canaryKey = "canary-SECRET-key-0123456789abcdefghij"

    /// A config folder holding `config.toml` (mode 600).
    func config(_ text: String) throws -> URL {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("hmq-cfg-\(UUID())")
        try FileManager.default.createDirectory(at: home.appendingPathComponent("hmq"), withIntermediateDirectories: true)
        let path = home.appendingPathComponent("hmq/config.toml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        return home
    }

    func explainedBatch(_ args: [String], env: [String: String]) async throws -> String {
        let out = try await HMQProcess.run(["--dry-run"] + args + ["-e", "find phone 14155551234"], environment: env)
        #expect(out.status == 0, "\(out.stderr)")
        return out.stdout.components(separatedBy: "(batch ").dropFirst().first?.prefix { $0 != "," }.description ?? out.all
    }

    @Test func flagBeatsEnvironmentBeatsProfileBeatsDefault() async throws {
        let home = try config("default_profile = \"prod\"\n[profiles.prod]\nbase_url = \"https://api.heymarket.com\"\nbatch = 50\n")
        let env = ["XDG_CONFIG_HOME": home.path]
        #expect(try await explainedBatch([], env: [:]) == "100")
        #expect(try await explainedBatch([], env: env) == "50")
        #expect(try await explainedBatch([], env: env.merging(["HMQ_BATCH": "20"]) { $1 }) == "20")
        #expect(try await explainedBatch(["--batch", "7"], env: env.merging(["HMQ_BATCH": "20"]) { $1 }) == "7")
        // A bad value names where it came from.
        let bad = try await HMQProcess.run(["--dry-run", "-e", "find phone 1"], environment: env.merging(["HMQ_BATCH": "many"]) { $1 })
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("HMQ_BATCH: 'batch' takes a whole number from 1 to 100000, not 'many'"))
    }

    @Test func aMalformedConfigIsAnErrorWithItsLine() async throws {
        let home = try config("[profiles.prod]\nsecret_id = \"x\"\nbacth = 5\n")
        let out = try await HMQProcess.run(["--dry-run", "-e", "find phone 1"], environment: ["XDG_CONFIG_HOME": home.path])
        #expect(out.status == 2)
        #expect(out.stderr.contains("hmq/config.toml:3: [profiles.prod] unknown key 'bacth'"))
    }

    @Test func authCheckWithGoodAndBadCredentials() async throws {
        try await SandboxServer.with { sandbox in
            let home = try config("""
                [profiles.demo]
                base_url = "\(sandbox.baseURL)"
                secret_id = "\(SandboxConfiguration.demoSecret.id)"
                secret_key_env = "DEMO_KEY"
                """)
            let good = try await HMQProcess.run(["auth", "check", "--profile", "demo"], environment: ["XDG_CONFIG_HOME": home.path, "DEMO_KEY": SandboxConfiguration.demoSecret.key])
            #expect(good.status == 0)
            #expect(good.stdout == "ok: profile 'demo' (secret id …0001 (JWT)) can reach 2 inboxes of team hmq Demo Team: Support, Sales\n")
            let bad = try await HMQProcess.run(["auth", "check", "--profile", "demo"], environment: ["XDG_CONFIG_HOME": home.path, "DEMO_KEY": "a-wrong-key-that-is-long-enough-000000"])
            #expect(bad.status == 5)
            #expect(bad.stderr.contains("hmq: error: the server refused these credentials (401): check the Secret ID and Secret Key of profile 'demo'"))
            #expect(bad.stderr.contains("request id req_"))
        }
    }

    /// Every command, with the key in each kind of source: the key shows up in
    /// no output, no --verbose log, and no child's arguments or environment.
    @Test(arguments: ["env", "file", "command"])
    func theSecretKeyAppearsNowhere(source: String) async throws {
        var configuration = SandboxConfiguration()
        configuration.secrets = [.init(id: Self.canaryID, key: Self.canaryKey)]
        try await SandboxServer.with(service: SandboxService(configuration: configuration)) { sandbox in
            let home = FileManager.default.temporaryDirectory.appendingPathComponent("hmq-canary-\(UUID())")
            try FileManager.default.createDirectory(at: home.appendingPathComponent("hmq/plugins"), withIntermediateDirectories: true)
            let keyFile = home.appendingPathComponent("prod.key").path
            try (Self.canaryKey + "\n").write(toFile: keyFile, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: keyFile)
            let sourceLine: String
            switch source {
            case "env": sourceLine = "secret_key_env = \"PROD_KEY\""
            case "file": sourceLine = "secret_key_file = \"\(keyFile)\""
            default: sourceLine = "secret_key_command = \"cat \(keyFile)\""
            }
            let path = home.appendingPathComponent("hmq/config.toml").path
            try "default_profile = \"prod\"\n[profiles.prod]\nbase_url = \"\(sandbox.baseURL)\"\nsecret_id = \"\(Self.canaryID)\"\n\(sourceLine)\n"
                .write(toFile: path, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
            // A plugin that records its arguments and environment.
            let dump = home.appendingPathComponent("plugin-saw.txt").path
            let plugin = home.appendingPathComponent("hmq/plugins/hmq-format-dump").path
            try HMQProcess.writeExecutable("#!/bin/sh\n{ echo \"$@\"; env; } > '\(dump)'\ncat\n", to: plugin)

            var env = ["XDG_CONFIG_HOME": home.path, "XDG_STATE_HOME": home.path]
            if source == "env" { env["PROD_KEY"] = Self.canaryKey }
            let runs: [[String]] = [
                ["-v", "-e", "find phone 14155551234 | show name"],
                ["-v", "-e", "find phone 14155551234 | show name | format dump"],
                ["-v", "-e", "find phone 1 | shwo name"],
                ["search", "--verbose", "14155551234"],
                ["auth", "check", "--verbose"],
                ["config", "show"],
                ["token"],
                ["--dry-run", "-e", "find phone 14155551234"],
            ]
            for args in runs {
                let out = try await HMQProcess.run(args, environment: env)
                #expect(!out.all.contains(Self.canaryKey), "\(args) printed the key")
                if args.first == "-v", args.count == 3, !args[2].contains("shwo") {
                    #expect(out.status == 0, "\(args): \(out.stderr)")
                }
            }
            let saw = try String(contentsOfFile: dump, encoding: .utf8)
            #expect(saw.hasPrefix("-- name\n"))
            #expect(!saw.contains(Self.canaryKey))
            #expect(!saw.contains("PROD_KEY"))
        }
    }
}
