import Foundation
import Testing

/// Phones written with an extension (`415-555-1234 ext. 359`): refused with the
/// way out by default; under `extensions drop` searched without it, with one note.
@Suite(.serialized) struct PhoneExtensionsCLITests {
    static let find = #"find phone "415-555-1234 ext. 359", "(415) 555-9876 x12", 14155552003 | show id"#
    static let note = "note: 2 phone values had an extension; searched without it: 415-555-1234 ext. 359 → 14155551234, (415) 555-9876 x12 → 14155559876"

    @Test func refusedByDefaultWithTheWayOut() async throws {
        try await CLISandbox.with { sandbox in
            let out = try await sandbox.hmq(["-e", Self.find])
            #expect(out.status == 2)
            #expect(out.stdout.isEmpty)
            #expect(out.stderr.contains("has an extension ('ext. 359')"), "\(out.stderr)")
            #expect(out.stderr.contains("has an extension ('x12')"))
            #expect(out.stderr.contains("'set extensions drop' (--extensions drop)"))
            #expect(sandbox.searchRequests == 0)
        }
    }

    /// `set`, the flag and the environment all reach the lookup; the note comes once.
    @Test(arguments: [
        (["-e", "set extensions drop\n" + PhoneExtensionsCLITests.find], [String: String]()),
        (["--extensions", "drop", "-e", PhoneExtensionsCLITests.find], [:]),
        (["-e", PhoneExtensionsCLITests.find], ["HMQ_EXTENSIONS": "drop"]),
    ])
    func droppedWhenAsked(args: [String], env: [String: String]) async throws {
        try await CLISandbox.with { sandbox in
            let out = try await sandbox.hmq(args, env: env)
            #expect(out.status == 0, "\(out.stderr)")
            #expect(out.stdout == "{\"id\":1001}\n{\"id\":1002}\n{\"id\":1003}\n")
            #expect(out.stderr.components(separatedBy: "had an extension").count == 2, "\(out.stderr)")
            #expect(out.stderr.contains(Self.note), "\(out.stderr)")
        }
    }

    /// Untyped values read from a file as phones lose their extension too, and `matched` keeps what was written.
    @Test func untypedValuesFromAFile() async throws {
        try await CLISandbox.with { sandbox in
            try sandbox.write("leads.txt", "415-555-1234 ext. 359\n415.555.9876 #7\nada@example.com\n")
            let out = try await sandbox.hmq(["--extensions", "drop", "-e", #"find file "leads.txt" | show id, matched"#])
            #expect(out.status == 0, "\(out.stderr)")
            #expect(out.stdout == #"{"id":1001,"matched":["415-555-1234 ext. 359","ada@example.com"]}"# + "\n" + #"{"id":1002,"matched":["415.555.9876 #7"]}"# + "\n")
            #expect(out.stderr.contains("note: 2 phone values had an extension; searched without it: 415-555-1234 ext. 359 → 14155551234, 415.555.9876 #7 → 14155559876"), "\(out.stderr)")
            let explained = try await sandbox.hmq(["--extensions", "drop", "--dry-run", "-e", #"find file "leads.txt""#])
            #expect(explained.stdout.contains("# 2 phone values had an extension; searched without it:"), "\(explained.stdout)")
            #expect(explained.stdout.contains(#""channel_ids":["14155551234","14155559876","ada@example.com"]"#), "\(explained.stdout)")
        }
    }

    @Test func hmqSearchTakesTheFlag() async throws {
        try await CLISandbox.with { sandbox in
            let refused = try await sandbox.hmq(["search", "--phone", "415-555-1234 ext. 359"])
            #expect(refused.status == 2)
            #expect(refused.stderr.contains("--extensions drop"), "\(refused.stderr)")
            let out = try await sandbox.hmq(["search", "--extensions", "drop", "--phone", "415-555-1234 ext. 359"])
            #expect(out.status == 0, "\(out.stderr)")
            #expect(out.stdout.contains(#""id": 1001"#) || out.stdout.contains(#""id":1001"#), "\(out.stdout)")
            #expect(out.stderr.contains("1 phone value had an extension; searched without it: 415-555-1234 ext. 359 → 14155551234"), "\(out.stderr)")
        }
    }

    /// A profile key, like every setting; the flag still wins over it.
    @Test func aProfileCanDropThem() async throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("hmq-cfg-\(UUID())")
        defer { try? FileManager.default.removeItem(at: home) }
        try FileManager.default.createDirectory(at: home.appendingPathComponent("hmq"), withIntermediateDirectories: true)
        let path = home.appendingPathComponent("hmq/config.toml").path
        try "default_profile = \"prod\"\n[profiles.prod]\nextensions = \"drop\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        let env = ["XDG_CONFIG_HOME": home.path]
        let dropped = try await HMQProcess.run(["--dry-run", "-e", #"find phone "415-555-1234 x1""#], environment: env)
        #expect(dropped.status == 0, "\(dropped.stderr)")
        #expect(dropped.stdout.contains("# 1 phone value had an extension; searched without it: 415-555-1234 x1 → 14155551234"), "\(dropped.stdout)")
        let refused = try await HMQProcess.run(["--extensions", "refuse", "--dry-run", "-e", #"find phone "415-555-1234 x1""#], environment: env)
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("has an extension ('x1')"), "\(refused.stderr)")
    }

    @Test func aWrongValueIsRefused() async throws {
        let out = try await HMQProcess.run(["--extensions", "keep", "--dry-run", "-e", "find phone 14155551234"])
        #expect(out.status == 2)
        #expect(out.stderr.contains("'extensions' is refuse or drop, not 'keep'"), "\(out.stderr)")
    }
}
