import ArgumentParser
import Heymarket

/// `hmq token`: prints a fresh JWT for use with curl.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Print a fresh JWT from the configured credentials (valid 5 minutes).",
        discussion: """
            Signs {"iss": <Secret ID>, "iat": <now>} with HS256 and the key '<Secret ID>||<Secret Key>', \
            as Heymarket documents. Credentials come from the selected profile (--profile), else \
            HEYMARKET_SECRET_ID and HEYMARKET_SECRET_KEY (never from the command line). For example:

              curl -H "Authorization: Bearer $(hmq token)" https://api.heymarket.com/v1/inboxes
            """)

    @OptionGroup(title: "Connection") var connection: ConnectionOptions

    func run() async throws {
        let credentials = try connection.credentials()
        guard case .secret = credentials else {
            throw CommandFailure(status: .usage, message: "hmq token needs HEYMARKET_SECRET_ID and HEYMARKET_SECRET_KEY; a legacy API key is already its own bearer token")
        }
        let token = try await TokenProvider(credentials: credentials).token()
        Terminal.out(token.exposedValue + "\n")
    }
}
