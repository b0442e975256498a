import Foundation
import HMQJSON
import JWTKit


/// Produces the `Authorization` header value for each request.
///
/// For Secret ID + Secret Key credentials it mints an HS256 JWT with exactly the
/// claims `iss` (the Secret ID) and `iat` (now), signed with `ID||KEY`, and reuses
/// it for at most ``reuseInterval`` seconds (Heymarket rejects tokens older than 5
/// minutes). For a legacy API key it sends the key itself.
public actor TokenProvider {
    /// How long a minted token is reused before a new one is signed.
    public static let reuseInterval: Double = 240

    nonisolated let credentials: Credentials
    private let now: @Sendable () -> Date
    private var cached: (token: Secret, issuedAt: Date)?
    private var keys: JWTKeyCollection?

    /// - Parameter now: the clock; tests pass a fixed one.
    public init(credentials: Credentials, now: @escaping @Sendable () -> Date = { Date() }) {
        self.credentials = credentials
        self.now = now
    }

    /// The secrets these credentials hold (never sent as a value, never shown).
    nonisolated var secrets: [String] { credentials.secrets }

    /// The value for the `Authorization` header: `Bearer <token>`.
    public func authorization() async throws -> Secret {
        Secret("Bearer " + (try await token()).exposedValue)
    }

    /// The bearer token: a JWT (fresh or reused) or the legacy API key.
    public func token() async throws -> Secret {
        switch credentials {
        case .apiKey(let key):
            // Sent as it is in a header: a control character (a line break, NUL) could end the header
            // or smuggle another one in. Refused here; the message never repeats the key.
            guard !key.exposedValue.isEmpty, key.exposedValue.unicodeScalars.allSatisfy({ $0.value >= 0x21 && $0.value < 0x7F }) else {
                throw HeymarketError(.missingCredentials, message: "the API key holds a character no HTTP header may carry (a space, a control character or non-ASCII); check HEYMARKET_API_KEY")
            }
            return key
        case .secret(let id, let key):
            let current = now()
            if let cached, current.timeIntervalSince(cached.issuedAt) < Self.reuseInterval,
                current >= cached.issuedAt
            {
                return cached.token
            }
            let token = try await sign(secretID: id, secretKey: key, issuedAt: current)
            cached = (token, current)
            return token
        }
    }

    /// True for Secret ID + Secret Key credentials (a JWT can be re-signed after a 401).
    nonisolated var signsTokens: Bool {
        if case .secret = credentials { return true }
        return false
    }

    /// Forgets the cached token, so the next request signs a new one (after a 401).
    public func invalidate() { cached = nil }

    /// HS256 keys shorter than the hash (32 bytes) are weak, and jwt-kit refuses them;
    /// real Heymarket credentials (a UUID Secret ID plus a key) are always longer.
    public static let minimumSigningKeyLength = 32

    private func sign(secretID: String, secretKey: Secret, issuedAt: Date) async throws -> Secret {
        let signingKey = secretID + "||" + secretKey.exposedValue
        guard signingKey.utf8.count >= Self.minimumSigningKeyLength else {
            throw HeymarketError(.missingCredentials, message: "the Secret ID and Secret Key are too short to be Heymarket API secrets (together under \(Self.minimumSigningKeyLength) bytes); check HEYMARKET_SECRET_ID and HEYMARKET_SECRET_KEY")
        }
        let collection: JWTKeyCollection
        if let keys {
            collection = keys
        } else {
            collection = JWTKeyCollection()
            await collection.add(
                hmac: HMACKey(from: signingKey),
                digestAlgorithm: .sha256,
                serializer: HeymarketJWTSerializer()
            )
            keys = collection
        }
        let payload = HeymarketClaims(iss: secretID, iat: Int64(issuedAt.timeIntervalSince1970.rounded(.down)))
        return Secret(try await collection.sign(payload))
    }
}

/// Exactly the two claims Heymarket documents, written in its order: `iss`, then `iat`.
struct HeymarketClaims: JWTPayload, Equatable {
    var iss: String
    var iat: Int64

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// Serialises the header with sorted keys (`alg`, `typ`) and the payload as
/// `iss`, then `iat`, so a token is byte-for-byte what the documentation shows.
struct HeymarketJWTSerializer: JWTSerializer {
    var jsonEncoder: any JWTJSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    func serialize(_ payload: some JWTPayload, header: JWTHeader) throws -> Data {
        // Foundation's encoder does not keep declaration order on Linux, so the
        // claims are written explicitly.
        let json: [UInt8]
        if let claims = payload as? HeymarketClaims {
            json = JSONWriter().bytes(["iss": .string(claims.iss), "iat": .integer(claims.iat)])
        } else {
            json = Array(try jsonEncoder.encode(payload))
        }
        return Data(Data(json).base64URLEncodedWithoutPadding().utf8)
    }
}

extension Data {
    /// Base64url without padding, as JWTs use.
    func base64URLEncodedWithoutPadding() -> String {
        var s = self.base64EncodedString()
        s = s.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        while s.hasSuffix("=") { s.removeLast() }
        return s
    }
}
