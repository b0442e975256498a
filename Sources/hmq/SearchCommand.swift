import ArgumentParser
import HMQHost
import HMQRuntime
import Heymarket

/// `hmq search`: the raw bulk lookup under the language, like `gh api`.
struct SearchCommand: HMQSubcommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Look up contacts by channel values and print them as JSON.",
        discussion: """
            Values are normalised, de-duplicated, batched, paced and retried. Contacts print as a JSON array \
            in input order; what matched no contact, what is undetermined and failed batches go to stderr \
            (or into the --report object).
              hmq search --sandbox --phone 14155551234 --email jose.nunez@example.com
              hmq search --sandbox --channel facebook:10001006 14155559876
              cut -d, -f3 leads.csv | hmq search --sandbox --stdin
            With --stdin, each line of stdin is a value: TYPE:VALUE (phone:…, email:…, facebook:…) or a bare \
            value; blank lines and lines starting with # are skipped.
            The options every command takes (--sandbox, --profile, --base-url, --batch, --concurrency, --rate, \
            --skip-invalid, --checkpoint FILE, ...) are listed by 'hmq --help'.
            """)
    @ParentCommand var root: HMQCommand
    @Option(name: .customLong("phone"), help: ArgumentHelp("A phone number (repeatable).", valueName: "number")) var phones: [String] = []
    @Option(name: .customLong("email"), help: ArgumentHelp("An email address (repeatable).", valueName: "address")) var emails: [String] = []
    @Option(name: .customLong("channel"), help: ArgumentHelp("A value of any channel type, as TYPE:VALUE (repeatable).", valueName: "type:value"))
    var channels: [String] = []
    @Argument(help: ArgumentHelp("Untyped values; the server infers their type.", valueName: "value")) var values: [String] = []
    @Flag(help: "Also read values from stdin, one per line (TYPE:VALUE or a bare value; blank and # lines skipped).")
    var stdin = false
    @Flag(help: "Print one JSON object: contacts and what each matched, unmatched, undetermined, invalid, failed batches, requests.") var report = false
    @Flag(help: "Indent the JSON (the default on a terminal).") var pretty = false

    func execute() async throws -> ExitStatus {
        if root.global.dryRun {
            throw CommandFailure(status: .usage, message: "--dry-run applies to hmq text; to see the requests without sending them: hmq -e 'explain find phone …'")
        }
        let open = try Host.searchInput(phones: phones, emails: emails, channels: channels, values: values, standardInput: stdin)
        let host = try root.global.host()
        return try await host.search(open, namesOrigins: stdin, report: report, pretty: pretty)
    }
}
