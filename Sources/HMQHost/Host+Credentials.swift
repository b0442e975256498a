import HMQRuntime
import Heymarket

extension Host {
    /// `hmq auth check`: calls `GET /v1/inboxes` with the selected credentials
    /// and says what they reach, or why they cannot (401/403, exit 5).
    public func checkCredentials() async throws -> String {
        let credentials = try credentials()
        let who = usesSandbox ? "the sandbox's demo credentials" : credentials.description
        let origin = profile.map { "profile '\($0.name)'" } ?? "the environment's credentials"
        do {
            let inboxes = try await withClient(options: SearchOptions(rateLimit: nil)) { client in
                guard let client else { throw CommandFailure(status: .authentication, message: "no credentials") }
                return try await client.inboxes()
            }
            let list = inboxes.arrayValue ?? []
            let names = list.compactMap { $0["name"]?.stringValue }
            let teams = Set(list.compactMap { $0["team_name"]?.stringValue })
            let team = teams.isEmpty ? "" : " of team " + teams.sorted().joined(separator: ", ")
            return "ok: \(origin) (\(who)) can reach \(names.count) inbox\(names.count == 1 ? "" : "es")\(team): \(names.joined(separator: ", "))"
        } catch let error as HeymarketError where error.isAuthentication && !error.isServerRefusal {
            throw CommandFailure(status: .authentication, message: "\(origin) cannot be used: \(error.message); nothing was sent to the server")
        } catch let error as HeymarketError where error.isAuthentication {
            let why = error.status == 403
                ? "the server knows these credentials but refuses them access (403): the key may lack a permission, or the account is suspended"
                : "the server refused these credentials (401): check the Secret ID and Secret Key of \(origin), and that the machine's clock is right (tokens are timed)"
            throw CommandFailure(status: .authentication, message: "\(why); \(error.description)")
        }
    }

    /// `hmq token`: a fresh JWT from the selected credentials.
    public func token() async throws -> Secret {
        let credentials = try credentials()
        guard case .secret = credentials else {
            throw CommandFailure(status: .usage, message: "hmq token needs a Secret ID and Secret Key; a legacy API key is already its own bearer token")
        }
        return try await TokenProvider(credentials: credentials).token()
    }
}
