import Heymarket
import HMQHost
import HMQRuntime
import HMQSyntax
import Testing

/// What the CLI's subcommands hand to the host, read in-process: `--var`,
/// `hmq search`'s values, `-e` texts, the unknown-option suggestion, and what an error ends a command with.
@Suite struct HostCommandTests {
    @Test func varsAreNamedOnceWithNamesOfLettersDigitsAndUnderscores() throws {
        #expect(try Host.variables(["a=1", "_b2=x=y", "empty="]) == ["a": "1", "_b2": "x=y", "empty": ""])
        for (given, message) in [("1x=2", "--var '1x=2' must be NAME=VALUE, with NAME made of letters, digits and '_'"),
                                 ("novalue", "--var 'novalue' must be NAME=VALUE, with NAME made of letters, digits and '_'"),
                                 ("a-b=1", "--var 'a-b=1' must be NAME=VALUE, with NAME made of letters, digits and '_'")] {
            let error = #expect(throws: CommandFailure.self) { try Host.variables([given]) }
            #expect(error?.status == .usage && error?.message == message, "\(given)")
        }
        let twice = #expect(throws: CommandFailure.self) { try Host.variables(["a=1", "a=2"]) }
        #expect(twice?.message == "--var a is given twice")
    }

    @Test func searchValuesAreReadInOrderAndAChannelNeedsItsType() throws {
        let open = try Host.searchInput(phones: ["14155551234"], emails: ["ada@example.com"], channels: ["facebook:10001006", "phone:14155559876"],
                                        values: ["x"], standardInput: false)
        let reader = try open()
        var read: [ChannelValue] = []
        while let next = try reader.next() { read.append(next.value) }
        #expect(read == [.phone("14155551234"), .email("ada@example.com"), ChannelValue(type: "facebook", value: "10001006"), .phone("14155559876"), .untyped("x")])

        let untyped = #expect(throws: CommandFailure.self) {
            try Host.searchInput(phones: [], emails: [], channels: ["bad"], values: [], standardInput: false)
        }
        #expect(untyped?.status == .usage && untyped?.message == "--channel 'bad' must be TYPE:VALUE, e.g. facebook:1234")
        let nothing = #expect(throws: CommandFailure.self) {
            try Host.searchInput(phones: [], emails: [], channels: [], values: [], standardInput: false)
        }
        #expect(nothing?.message == "nothing to search for: give --phone, --email, --channel TYPE:VALUE, values or --stdin")
    }

    @Test func oneExpressionIsNamedPlainlyAndSeveralAreNumbered() {
        #expect(ScriptFile.expressions(["find phone 1"]).map(\.name) == ["<-e>"])
        #expect(ScriptFile.expressions(["a", "b"]).map(\.name) == ["<-e #1>", "<-e #2>"])
        #expect(ScriptFile.expressions([]).isEmpty)
    }

    /// Help texts shaped as swift-argument-parser writes them.
    static let rootHelp = "USAGE: hmq [<options>]\nOPTIONS:\n  -f, --format <name>     Output format.\n  --sandbox               Use a sandbox.\n"
    static let helps = ["search": "USAGE: hmq search [--phone <number> ...] [--report]\nOPTIONS:\n  --phone <number>\n  --report\n",
                        "mcp": "USAGE: hmq mcp [--allow-read <dir> ...]\nOPTIONS:\n  --allow-read <dir>\n"]

    static func explain(_ option: String, _ arguments: [String]) -> String {
        UnknownOption.explain("Error: Unknown option '\(option)'\nUsage: hmq run [<script> ...]", arguments: arguments, rootHelp: rootHelp,
                              subcommands: ["search", "mcp"], help: { helps[$0] ?? "" })
    }

    @Test func anUnknownOptionIsAnsweredWithTheClosestOptionOrWhereItBelongs() {
        #expect(Self.explain("--formt", ["--formt", "json"]) == "Error: unknown option '--formt'; did you mean '--format'?\nUsage: hmq run [<script> ...]")
        // The subcommand given adds its options to the candidates.
        #expect(Self.explain("--reprot", ["search", "--reprot"]).hasPrefix("Error: unknown option '--reprot'; did you mean '--report'?\n"))
        #expect(Self.explain("--reprot", ["--reprot"]).hasPrefix("Error: unknown option '--reprot'\n"))
        // An option of another subcommand, before it or without it: where it goes.
        #expect(Self.explain("--report", ["--report", "search"]) == "Error: '--report' is an option of 'hmq search': put it after the subcommand\nUsage: hmq run [<script> ...]")
        #expect(Self.explain("--allow-read", ["search", "--allow-read", "x"]).hasPrefix("Error: '--allow-read' is an option of 'hmq mcp'"))
        #expect(Self.explain("--bogus", []).hasPrefix("Error: unknown option '--bogus'\n"))
        // Any other message is left as it is.
        let other = "Error: Missing value for '--format <name>'\nUsage: hmq"
        #expect(UnknownOption.explain(other, arguments: [], rootHelp: Self.rootHelp, subcommands: [], help: { _ in "" }) == other)
    }

    @Test func errorsEndACommandWithTheirDocumentedStatus() {
        // `hmq mcp --allow-read` a directory that is not there: a usage error, said as it is.
        let confinement = #expect(throws: ConfinementError.self) { try Confinement.agent(readingUnder: ["/nonexistent-hmq-dir"]) }
        let failure = confinement.map { CommandFailure($0) }
        #expect(failure?.status == .usage && failure?.message == "--allow-read /nonexistent-hmq-dir: no such directory")
        #expect(CommandFailure(CancellationError()).status == .interrupted && CommandFailure(CancellationError()).message == nil)
    }
}
