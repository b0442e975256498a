import Foundation
@testable import HMQConfig
import HMQSystem
import Heymarket
import HMQRuntime
import Testing
import TestSupport

@Suite struct ConfigParsingTests {
    let example = """
        default_profile = "prod"

        [profiles.prod]
        secret_id = "prod-id-00000000001234"
        secret_key_command = "printf 'k e y'"
        format = "csv"
        batch = 50
        timeout = 12.5

        [profiles.test]
        base_url = "https://test.example.com"
        secret_id_env = "TEST_ID"
        secret_key_env = "TEST_KEY"
        """

    @Test func profilesAndTheDefault() throws {
        let config = try Configuration.parse(example, path: "c.toml")
        #expect(config.defaultProfile == "prod")
        let prod = try #require(config.profiles["prod"])
        #expect(prod.secretKey == .command(["printf", "k e y"]))
        #expect(prod.settings == ["format": "csv", "batch": "50", "timeout": "12.5"])
        #expect(config.profiles["test"]?.secretKey == .environment("TEST_KEY"))
        #expect(try config.select(flag: nil, environment: [:])?.name == "prod")
        #expect(try config.select(flag: nil, environment: ["HMQ_PROFILE": "test"])?.name == "test")
        #expect(try config.select(flag: "sandbox", environment: ["HMQ_PROFILE": "test"])?.isSandbox == true)
        #expect(throws: ConfigError.self) { try config.select(flag: "nope", environment: [:]) }
    }

    /// The keys the environment holds (the console never writes them): the profile's key variable and the
    /// standard ones, never a Secret ID or another HEYMARKET_ variable.
    @Test func theEnvironmentsKeysAreTheKeyVariablesOnly() throws {
        let config = try Configuration.parse(example, path: "c.toml")
        let environment = ["TEST_KEY": "profile-key-0123456789", "TEST_ID": "profile-id", "HEYMARKET_SECRET_KEY": "sk_env_0123456789",
                           "HEYMARKET_SECRET_ID": "env-id", "HEYMARKET_API_KEY": "api-key-0123456789", "HEYMARKET_OTHER": "x", "HOME": "/root"]
        #expect(Set(CredentialVariables.keys(in: environment, configuration: config)) == ["profile-key-0123456789", "sk_env_0123456789", "api-key-0123456789"])
        #expect(CredentialVariables.keys(in: ["HOME": "/root"], configuration: config).isEmpty)
    }

    @Test(arguments: [
        ("default_profile = \"prod\"\n[profiles.prod\nsecret_id = \"x\"\n", "c.toml:2: "),
        ("[profiles.prod]\nsecret_id = \"x\"\nbacth = 50\n", "c.toml:3: [profiles.prod] unknown key 'bacth'"),
        ("[profiles.prod]\n\nbatch = \"fifty\"\n", "c.toml:3: [profiles.prod] 'batch' takes a whole number from 1 to 100000, not 'fifty'"),
        ("[profiles.prod]\nrate = -1\n", "c.toml:2: [profiles.prod] 'rate' takes requests per minute"),
        ("[profiles.prod]\ntimeout = inf\n", "c.toml:2: [profiles.prod] 'timeout' takes a number of seconds above 0"),
        ("[profiles.prod]\nattribution = \"slow\"\n", "c.toml:2: [profiles.prod] 'attribution' is fast or exact"),
        ("[profiles.prod]\nsecret_key = \"sk_live_123\"\n", "c.toml:2: [profiles.prod] the Secret Key is never written in the config file"),
        ("[profiles.prod]\nbase_url = \"http://example.com\"\n", "c.toml:2: [profiles.prod] base_url: "),
        ("colour = \"red\"\n", "c.toml:1: unknown key 'colour'"),
        ("default_profile = \"staging\"\n[profiles.prod]\nbatch = 5\n", "c.toml:1: default_profile 'staging' is not a profile"),
        ("[profiles.sandbox]\nbatch = 5\n", "c.toml:1: 'sandbox' is the built-in sandbox profile"),
        ("[profiles.prod]\nsecret_key_file = \"a\"\nsecret_key_env = \"B\"\n", "c.toml:"),
    ])
    func errorsNameTheFileLineAndKey(text: String, prefix: String) {
        do {
            _ = try Configuration.parse(text, path: "c.toml")
            Issue.record("expected an error for \(text)")
        } catch {
            #expect(error.description.hasPrefix(prefix), "\(error.description)")
        }
    }

    @Test func commandLinesSplitLikeAShell() {
        #expect(ShellWords.split("pass show heymarket/prod") == ["pass", "show", "heymarket/prod"])
        #expect(ShellWords.split("op read 'op://vault/heymarket key' --no-newline") == ["op", "read", "op://vault/heymarket key", "--no-newline"])
        #expect(ShellWords.split("echo \"a \\\"b\\\"\"") == ["echo", "a \"b\""])
        #expect(ShellWords.split("echo 'unclosed") == nil)
    }

    @Test func showMasksSecretIDs() throws {
        let config = try Configuration.parse(example, path: "c.toml")
        let text = ConfigReport.render(config, selected: config.profiles["prod"])
        #expect(text.contains("secret_id = '****1234'"))
        #expect(!text.contains("prod-id-0000"))
        #expect(text.contains("secret_key_command = 'printf k e y'"))
    }
}

@Suite struct SecretSourceTests {
    let folder: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hmq-secrets-\(UUID())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    func profile(_ source: SecretSource?, id: String? = "id-0001") -> Profile {
        var p = Profile(name: "prod")
        p.secretID = id
        p.secretKey = source
        return p
    }

    func key(_ credentials: Credentials) -> String? {
        if case .secret(_, let key) = credentials { return key.exposedValue }
        return nil
    }

    @Test func fromTheEnvironment() throws {
        let resolver = SecretResolver(environment: ["PROD_KEY": "env-secret-value"])
        let (credentials, warnings) = try resolver.credentials(for: profile(.environment("PROD_KEY")))
        #expect(key(credentials) == "env-secret-value" && warnings.isEmpty)
        #expect(throws: ConfigError.self) { try SecretResolver(environment: [:]).credentials(for: profile(.environment("PROD_KEY"))) }
    }

    @Test func fromAFileWithPermissionChecks() throws {
        let path = folder.appendingPathComponent("prod.key").path
        try "file-secret-value\n".write(toFile: path, atomically: true, encoding: .utf8)
        let resolver = SecretResolver(environment: [:])
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        var (credentials, warnings) = try resolver.credentials(for: profile(.file(path)))
        #expect(key(credentials) == "file-secret-value" && warnings.isEmpty)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        (credentials, warnings) = try resolver.credentials(for: profile(.file(path)))
        #expect(warnings == ["the key file \(path) is readable by others (mode 644); run: chmod 600 \(path)"])
        try FileManager.default.setAttributes([.posixPermissions: 0o666], ofItemAtPath: path)
        do {
            _ = try resolver.credentials(for: profile(.file(path)))
            Issue.record("a world-writable key file must be refused")
        } catch {
            #expect("\(error)".contains("refusing the key file \(path): anyone can write it (mode 666)"))
        }
    }

    @Test func fromACommandWithoutAShell() throws {
        let resolver = SecretResolver(environment: ["PATH": "/usr/bin:/bin"])
        let (credentials, _) = try resolver.credentials(for: profile(.command(["printf", "%s", "cmd-secret-value; not a shell"])))
        #expect(key(credentials) == "cmd-secret-value; not a shell")
        do {
            _ = try resolver.credentials(for: profile(.command(["sh", "-c", "echo locked >&2; exit 3"])))
            Issue.record("a failing command must be an error")
        } catch {
            #expect("\(error)".contains("secret_key_command: sh exited with status 3; run it yourself to see why"), "\(error)")
            #expect(!"\(error)".contains("locked"))
        }
        // What the command says on stderr is never in an error (it may hold what the key store printed).
        for script in ["echo sk_leaked_on_stderr_0123 >&2; exit 1", "echo sk_leaked_on_stderr_0123 >&2; kill -9 $$"] {
            do {
                _ = try resolver.credentials(for: profile(.command(["sh", "-c", script])))
                Issue.record("a failing command must be an error")
            } catch {
                #expect(!"\(error)".contains("sk_leaked"), "\(error)")
            }
        }
        let slow = SecretResolver(environment: ["PATH": "/usr/bin:/bin"], commandTimeout: 0.5)
        do {
            _ = try slow.credentials(for: profile(.command(["sleep", "5"])))
            Issue.record("a stuck command must be stopped")
        } catch {
            #expect("\(error)".contains("secret_key_command: sleep did not finish within 0 s; stopped it"))
        }
    }

    /// A key source holding more than a key (over 4 KB, or more than one line that is not empty) is a local error, never cut.
    @Test func aKeySourceHoldingMoreThanOneKeyIsRefused() throws {
        let big = String(repeating: "k", count: 4097), twoLines = "sk_first_line_0123\nsk_second_line_0123\n"
        let path = folder.appendingPathComponent("big.key").path
        let resolver = SecretResolver(environment: ["PATH": "/usr/bin:/bin", "BIG": big, "TWO": twoLines])
        func refusal(_ source: SecretSource) -> String {
            do {
                _ = try resolver.credentials(for: profile(source))
                return "accepted"
            } catch {
                return "\(error)"
            }
        }
        try big.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        for source in [SecretSource.file(path), .environment("BIG"), .command(["head", "-c", "300000", "/dev/zero"])] {
            #expect(refusal(source).contains("is larger than 4 KB; a Secret Key is one short line"), "\(source): \(refusal(source))")
        }
        // A wrong path to a large file is refused unread (this one is sparse: 300 MB that take no room).
        let huge = folder.appendingPathComponent("huge.key").path
        #expect(FileManager.default.createFile(atPath: huge, contents: nil, attributes: [.posixPermissions: 0o600]))
        let handle = try #require(FileHandle(forWritingAtPath: huge))
        try handle.truncate(atOffset: 300_000_000)
        try handle.close()
        #expect(refusal(.file(huge)).contains("is larger than 4 KB"))
        try FileManager.default.removeItem(atPath: huge)
        try twoLines.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        for source in [SecretSource.file(path), .environment("TWO"), .command(["printf", "a\\n\\n b \\n"])] {
            #expect(refusal(source).contains("has 2 lines that are not empty; a Secret Key is one line"), "\(source): \(refusal(source))")
            #expect(!refusal(source).contains("sk_"))
        }
        // Exactly 4 KB on one line, with its newline and blank lines around it, is a key.
        let largest = String(repeating: "k", count: 4094)
        try ("\n" + largest + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        let (credentials, _) = try resolver.credentials(for: profile(.file(path)))
        #expect(key(credentials) == largest)
    }

    /// A symbolic link is judged by the file it names (stat, not lstat): a link's own mode is 777 on Linux.
    @Test func aLinkToAPrivateFileIsJudgedByThatFile() throws {
        let target = folder.appendingPathComponent("real.key").path, link = folder.appendingPathComponent("link.key").path
        try "sk_linked_key_0123\n".write(toFile: target, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: target)
        try? FileManager.default.removeItem(atPath: link)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        let (credentials, warnings) = try SecretResolver(environment: [:]).credentials(for: profile(.file(link)))
        #expect(key(credentials) == "sk_linked_key_0123" && warnings.isEmpty, "\(warnings)")
        try FileManager.default.setAttributes([.posixPermissions: 0o666], ofItemAtPath: target)
        #expect(throws: ConfigError.self) { try SecretResolver(environment: [:]).credentials(for: profile(.file(link))) }

        let config = folder.appendingPathComponent("linked.toml").path, configLink = folder.appendingPathComponent("config-link.toml").path
        try "[profiles.prod]\nsecret_id = \"id\"\nsecret_key_command = \"printf k\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: config)
        try? FileManager.default.removeItem(atPath: configLink)
        try FileManager.default.createSymbolicLink(atPath: configLink, withDestinationPath: config)
        #expect(try Configuration.load(path: configLink).warnings.isEmpty)
        try FileManager.default.setAttributes([.posixPermissions: 0o622], ofItemAtPath: config)
        do {
            _ = try Configuration.load(path: configLink)
            Issue.record("a config file anyone can write that runs a command must be refused")
        } catch {
            #expect("\(error)".contains("anyone can write it (mode 622)"), "\(error)")
        }
    }

    /// Another user could rewrite a file they own whatever its mode (changing its owner needs root).
    @Test(.enabled(if: getuid() == 0)) func aKeyFileAnotherUserOwnsIsRefused() throws {
        let path = folder.appendingPathComponent("theirs.key").path
        try "sk_their_key_0123\n".write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        #expect(chown(path, 54321, 54321) == 0)
        do {
            _ = try SecretResolver(environment: [:]).credentials(for: profile(.file(path)))
            Issue.record("a key file another user owns must be refused")
        } catch {
            #expect("\(error)".contains("refusing the key file \(path): another user (uid 54321) owns it"), "\(error)")
        }
    }

    @Test func aProfileWithoutASourceUsesTheEnvironment() throws {
        let env = ["HEYMARKET_SECRET_ID": "env-id-0002", "HEYMARKET_SECRET_KEY": "env-key-value"]
        let (credentials, _) = try SecretResolver(environment: env).credentials(for: profile(nil, id: nil))
        guard case .secret(let id, let envKey) = credentials else { Issue.record("expected a secret"); return }
        #expect(id == "env-id-0002" && envKey.exposedValue == "env-key-value")
        // A profile's own source wins over the environment's key.
        let (own, _) = try SecretResolver(environment: env.merging(["PROD_KEY": "profile-key"]) { $1 }).credentials(for: profile(.environment("PROD_KEY")))
        #expect(key(own) == "profile-key")
    }

    @Test func aConfigFileReadableByOthersIsWarnedAbout() throws {
        let path = folder.appendingPathComponent("config.toml").path
        try "[profiles.prod]\nbatch = 5\n".write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        #expect(try Configuration.load(path: path).warnings == ["\(path) is readable by others (mode 644); run: chmod 600 \(path)"])
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        #expect(try Configuration.load(path: path).warnings.isEmpty)
    }
}

/// A secret_key_command that leaves a child running with its output open is
/// done when it exits; one that hangs is stopped with everything it started.
@Suite(.serialized) struct SecretCommandTests {
    @Test(.timeLimit(.minutes(1))) func aCommandThatLeavesABackgroundChildIsDoneWhenItExits() throws {
        let start = ContinuousClock.now
        let resolver = SecretResolver(environment: ["PATH": "/usr/bin:/bin"], commandTimeout: 10)
        let key = try resolver.run(["/bin/sh", "-c", "echo sk_from_a_command_123; (sleep 20 &); exit 0"], profile: "p")
        #expect(key.trimmingCharacters(in: .whitespacesAndNewlines) == "sk_from_a_command_123")
        #expect(ContinuousClock.now - start < .seconds(8), "not waiting for the background child's output to close")
    }

    @Test(.timeLimit(.minutes(1))) func aCommandThatHangsIsStoppedWithItsChildren() throws {
        let marker = "29.\(Int.random(in: 100_000...999_999))"
        let resolver = SecretResolver(environment: ["PATH": "/usr/bin:/bin"], commandTimeout: 1)
        #expect(throws: ConfigError.self) { _ = try resolver.run(["/bin/sh", "-c", "trap '' TERM; sleep \(marker)"], profile: "p") }
        usleep(300_000)
        #expect(try !aProcessIsRunning(matching: "sleep \(marker)"))
    }
}
