import Foundation
import HMQRuntime
import Testing

/// One root command: options work before or after a subcommand or a script
/// file, unknown options say so with a suggestion, and nothing is silently ignored.
@Suite(.serialized) struct OptionPlacementTests {
    func script(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hmq-opt-\(UUID()).hmq").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test(arguments: [["--sandbox", "auth", "check"], ["auth", "check", "--sandbox"], ["auth", "--sandbox", "check"]])
    func optionsBeforeOrAfterASubcommand(args: [String]) async throws {
        let out = try await HMQProcess.run(args)
        #expect(out.status == 0, "\(args): \(out.stderr)")
        #expect(out.stdout.hasPrefix("ok: profile 'sandbox'"))
    }

    /// `hmq --version` alone is answered before the command line is parsed: the same line as with another option beside it.
    @Test func versionAloneSaysWhatTheParserSays() async throws {
        let alone = try await HMQProcess.run(["--version"])
        let parsed = try await HMQProcess.run(["--version", "--sandbox"])
        #expect(alone.status == 0 && parsed.status == 0)
        #expect(alone.stdout == parsed.stdout)
        #expect(alone.stdout.hasPrefix("hmq ") && alone.stdout.hasSuffix(")\n") && alone.stdout.filter { $0 == "\n" }.count == 1, "\(alone.stdout)")
        #expect(alone.stderr.isEmpty)
    }

    @Test func anUnknownOptionIsNamedWithASuggestion() async throws {
        let out = try await HMQProcess.run(["--formt", "csv", "-e", "find phone 14155551234"])
        #expect(out.status == 2)
        #expect(out.stderr.hasPrefix("Error: unknown option '--formt'; did you mean '--format'?"), "\(out.stderr)")
        let sub = try await HMQProcess.run(["search", "--phnoe", "1"])
        #expect(sub.status == 2)
        #expect(sub.stderr.contains("did you mean '--phone'?"), "\(sub.stderr)")
        // A subcommand's own option before the subcommand: where it goes, not itself as a guess.
        let early = try await HMQProcess.run(["--report", "search", "--sandbox", "14155551234"])
        #expect(early.status == 2)
        #expect(early.stderr.hasPrefix("Error: '--report' is an option of 'hmq search': put it after the subcommand"), "\(early.stderr)")
    }

    @Test func optionsAfterAScriptFileAreHonoured() async throws {
        let file = try script("find phone $1 | show name\n")
        // Before: a production profile would have been used silently. Now --sandbox is honoured.
        let after = try await HMQProcess.run([file, "--sandbox", "14155559876"])
        #expect(after.status == 0, "\(after.stderr)")
        #expect(after.stdout == #"{"name":"José Núñez"}"# + "\n")
        let formatAfter = try await HMQProcess.run([file, "14155559876", "--format", "csv", "--sandbox"])
        #expect(formatAfter.stdout == "name\nJosé Núñez\n", "--format is an option, not $2")
        // An argument that starts with '-' goes after '--'.
        let dashed = try await HMQProcess.run(["--sandbox", "--skip-invalid", file, "--", "-14155559876"])
        #expect(dashed.status == 0, "\(dashed.stderr)")
        let unknown = try await HMQProcess.run([file, "14155559876", "--sandbx"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("did you mean '--sandbox'?"))
    }

    @Test func argumentsAfterExpressionsAreDollarOne() async throws {
        let out = try await HMQProcess.run(["-e", "find phone $1 | show id", "--sandbox", "14155552003"])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout == #"{"id":1003}"# + "\n")
    }

    @Test(arguments: [
        (["--var", "x=1", "--var", "x=2", "--sandbox", "-e", "find 1"], "--var x is given twice"),
        (["--sandbox", "--base-url", "https://example.com", "-e", "find 1"], "--sandbox and --base-url cannot be used together"),
        (["--sandbox", "--timeout", "inf", "-e", "find 1"], "'timeout' takes a number of seconds"),
        (["--sandbox", "--concurrency", "1000000000000", "-e", "find 1"], "'concurrency' takes a whole number from 1 to 64"),
        (["run", "--sandbox", "/nonexistent.hmq"], "no such file: /nonexistent.hmq"),
        (["search", "--sandbox", "--channel", "facebook"], "--channel 'facebook' must be TYPE:VALUE, e.g. facebook:1234"),
        (["search", "--sandbox", "--channel", "1x:2"], "--channel '1x:2' must be TYPE:VALUE"),
    ] as [([String], String)])
    func usageErrorsExitTwoAndSayWhy(args: [String], message: String) async throws {
        let out = try await HMQProcess.run(args)
        #expect(out.status == 2, "\(args)")
        #expect(out.stderr.contains(message), "\(out.stderr)")
    }

    /// `--channel TYPE:VALUE` is read as a line of `--stdin` is: the same contacts either way.
    @Test func aChannelIsReadAsAStdinLineIs() async throws {
        let flag = try await HMQProcess.run(["search", "--sandbox", "--channel", "facebook:10001006", "--channel", "phone: 14155551234"])
        let line = try await HMQProcess.run(["search", "--sandbox", "--stdin"], stdin: "facebook:10001006\nphone: 14155551234\n")
        #expect(flag.status == 0 && flag.stdout == line.stdout && flag.stdout.contains("Ada Lovelace"), "\(flag.all)")
    }

    @Test func everySettingHasAFlagInTheHelp() async throws {
        let help = try await HMQProcess.run(["--help"]).stdout
        for descriptor in Settings.descriptors {
            // A flag takes the value (`--cache <duration|off>`), or is on alone (`--refresh`).
            #expect(help.contains(descriptor.flag + " <") || help.contains("  " + descriptor.flag + "  "), "\(descriptor.flag)")
        }
    }
}
