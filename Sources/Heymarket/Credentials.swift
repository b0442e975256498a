import Foundation

/// How hmq authenticates to Heymarket.
public enum Credentials: Sendable, Hashable, CustomStringConvertible {
    /// The recommended scheme: a short-lived HS256 JWT signed with `ID||KEY`.
    case secret(id: String, key: Secret)
    /// The legacy team API key, sent as the bearer token itself.
    case apiKey(Secret)

    /// Where each credential is read from in the environment.
    public enum EnvironmentName {
        public static let secretID = "HEYMARKET_SECRET_ID"
        public static let secretKey = "HEYMARKET_SECRET_KEY"
        public static let apiKey = "HEYMARKET_API_KEY"
    }

    /// Credentials from `HEYMARKET_SECRET_ID` + `HEYMARKET_SECRET_KEY`, else
    /// `HEYMARKET_API_KEY`. Throws when neither is complete.
    public static func fromEnvironment(_ environment: [String: String]) throws(HeymarketError) -> Credentials {
        let id = environment[EnvironmentName.secretID].map(trimmed) ?? ""
        let key = environment[EnvironmentName.secretKey].map(trimmed) ?? ""
        if !id.isEmpty, !key.isEmpty { return .secret(id: id, key: Secret(key)) }
        if let apiKey = environment[EnvironmentName.apiKey].map(trimmed), !apiKey.isEmpty {
            return .apiKey(Secret(apiKey))
        }
        if !id.isEmpty || !key.isEmpty {
            let missing = id.isEmpty ? EnvironmentName.secretID : EnvironmentName.secretKey
            throw HeymarketError(.missingCredentials, message: "\(missing) is not set (both \(EnvironmentName.secretID) and \(EnvironmentName.secretKey) are needed)")
        }
        throw HeymarketError(
            .missingCredentials,
            message: "set \(EnvironmentName.secretID) and \(EnvironmentName.secretKey) (or the legacy \(EnvironmentName.apiKey)), or use --sandbox"
        )
    }

    private static func trimmed(_ s: String) -> String {
        s.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The secrets these credentials hold (never sent as a value, never shown): the key, not the Secret ID.
    public var secrets: [String] {
        switch self {
        case .secret(_, let key): return [key.exposedValue]
        case .apiKey(let key): return [key.exposedValue]
        }
    }

    /// A description safe for logs: the scheme and, for JWTs, the last 4 characters of the Secret ID.
    public var description: String {
        switch self {
        case .secret(let id, _): return "secret id …\(id.suffix(4)) (JWT)"
        case .apiKey: return "legacy API key"
        }
    }
}
