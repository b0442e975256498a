import Crypto
import Foundation

/// Verifies bearer tokens exactly as Heymarket documents, independently of the
/// client's signing code (swift-crypto directly, not jwt-kit): HS256, `iss` a known
/// Secret ID, HMAC key `ID||KEY`, `iat` no older than the lifetime and not in the
/// future beyond the skew. A token with no dots is looked up as a legacy API key.
struct SandboxJWTVerifier: Sendable {
    let configuration: SandboxConfiguration

    /// Who the caller is (the rate-limit key), or why it is refused.
    enum Outcome: Equatable {
        case accepted(key: String)
        case rejected(String)
    }

    func verify(authorization: String?) -> Outcome {
        guard let authorization, !authorization.isEmpty else { return .rejected("missing Authorization header") }
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            return .rejected("Authorization must be 'Bearer <token>'")
        }
        let token = String(parts[1]).trimmingCharacters(in: .whitespaces)
        let segments = token.split(separator: ".", omittingEmptySubsequences: false)
        if segments.count == 1 {
            return configuration.apiKeys.contains(token) ? .accepted(key: "apikey:" + token) : .rejected("invalid API key")
        }
        guard segments.count == 3 else { return .rejected("malformed token") }
        guard let headerData = Self.base64URLDecode(segments[0]),
            let header = try? JSONDecoder().decode(Header.self, from: headerData),
            let payloadData = Self.base64URLDecode(segments[1]),
            let payload = try? JSONDecoder().decode(Claims.self, from: payloadData),
            let signature = Self.base64URLDecode(segments[2])
        else { return .rejected("malformed token") }
        guard header.alg == "HS256" else { return .rejected("unsupported alg (expected HS256)") }
        guard let iss = payload.iss else { return .rejected("token has no iss") }
        guard let secret = configuration.secrets.first(where: { $0.id == iss }) else { return .rejected("unknown iss") }
        let key = SymmetricKey(data: Data((secret.id + "||" + secret.key).utf8))
        let signingInput = Data((segments[0] + "." + segments[1]).utf8)
        guard HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: signingInput, using: key) else {
            return .rejected("invalid signature")
        }
        guard let iat = payload.iat else { return .rejected("token has no numeric iat") }
        let now = configuration.now().timeIntervalSince1970
        if now - iat > configuration.tokenLifetime { return .rejected("token expired (iat is more than \(Int(configuration.tokenLifetime)) s old)") }
        if iat - now > configuration.clockSkew { return .rejected("token iat is in the future") }
        return .accepted(key: "iss:" + iss)
    }

    private struct Header: Decodable { var alg: String? }
    private struct Claims: Decodable {
        var iss: String?
        var iat: Double?
    }

    static func base64URLDecode(_ segment: Substring) -> Data? {
        var s = segment.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.count % 4 != 0 { s += "=" }
        return Data(base64Encoded: s)
    }
}
