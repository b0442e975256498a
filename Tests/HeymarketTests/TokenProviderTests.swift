import Crypto
import Foundation
import HMQJSON
import HeymarketSandbox
import Testing
import TestSupport

@testable import Heymarket

/// The JWT test vector of API-NOTES.md.
enum TestVector {
    static let secretID = "74f80a77-9b3f-44ac-b3ad-ab68cfb548fa"
    static let secretKey = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"
    static let iat: Int64 = 1_713_225_600
    static let token = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiI3NGY4MGE3Ny05YjNmLTQ0YWMtYjNhZC1hYjY4Y2ZiNTQ4ZmEiLCJpYXQiOjE3MTMyMjU2MDB9.NF9G-yKr-xwc6kRnOqYXEPZNtGStw_klnR3PstDtyCU"
    static let credentials = Credentials.secret(id: secretID, key: Secret(secretKey))
    static let date = Date(timeIntervalSince1970: Double(iat))
}

func base64URLDecode(_ s: Substring) -> Data? {
    var t = s.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    while t.count % 4 != 0 { t += "=" }
    return Data(base64Encoded: t)
}

@Suite struct TokenProviderTests {
    @Test func signsTheDocumentedTestVectorByteForByte() async throws {
        let provider = TokenProvider(credentials: TestVector.credentials, now: { TestVector.date })
        let token = try await provider.token().exposedValue
        #expect(token == TestVector.token)
    }

    @Test func carriesExactlyIssAndIat() async throws {
        let provider = TokenProvider(credentials: TestVector.credentials, now: { TestVector.date })
        let token = try await provider.token().exposedValue
        let parts = token.split(separator: ".")
        #expect(parts.count == 3)
        let header = try JSONParser.parse(Array(try #require(base64URLDecode(parts[0]))))
        let payload = try JSONParser.parse(Array(try #require(base64URLDecode(parts[1]))))
        #expect(header == ["alg": "HS256", "typ": "JWT"])
        #expect(payload.objectValue?.keys == ["iss", "iat"])
        #expect(payload["iss"] == .string(TestVector.secretID))
        #expect(payload["iat"] == .integer(TestVector.iat))
    }

    /// An independent check: HMAC-SHA256 with swift-crypto directly, not jwt-kit.
    @Test func signatureVerifiesWithAnIndependentHMAC() async throws {
        let now = Date(timeIntervalSince1970: 1_800_000_123)
        let provider = TokenProvider(credentials: TestVector.credentials, now: { now })
        let token = try await provider.token().exposedValue
        let parts = token.split(separator: ".")
        let key = SymmetricKey(data: Data("\(TestVector.secretID)||\(TestVector.secretKey)".utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(parts[0]).\(parts[1])".utf8), using: key)
        #expect(Data(mac) == base64URLDecode(parts[2]))
        let payload = try JSONParser.parse(Array(try #require(base64URLDecode(parts[1]))))
        #expect(payload["iat"] == .integer(1_800_000_123))
    }

    @Test func reusesATokenForAtMostFourMinutes() async throws {
        let clock = ManualClock(TestVector.date)
        let provider = TokenProvider(credentials: TestVector.credentials, now: { clock.now })
        let first = try await provider.token()
        clock.advance(by: 239)
        #expect(try await provider.token() == first)
        clock.advance(by: 1)
        let second = try await provider.token()
        #expect(second != first)
        clock.advance(by: 1)
        #expect(try await provider.token() == second)
        await provider.invalidate()
        clock.advance(by: 1)
        #expect(try await provider.token() != second)
    }

    @Test func legacyAPIKeyIsSentAsIs() async throws {
        let provider = TokenProvider(credentials: .apiKey(Secret("legacy-key-123")))
        #expect(try await provider.authorization().exposedValue == "Bearer legacy-key-123")
    }

    @Test func shortSecretsAreRefusedWithAClearError() async throws {
        let provider = TokenProvider(credentials: .secret(id: "x", key: Secret("y")))
        await #expect(throws: HeymarketError.self) { try await provider.token() }
    }

    /// The sandbox (its own verifier, no jwt-kit) accepts the documented token.
    @Test func sandboxAcceptsTheDocumentedToken() async throws {
        let service = SandboxService(configuration: SandboxConfiguration(now: { TestVector.date.addingTimeInterval(10) }))
        let ok = await service.handle(SandboxRequest(method: "GET", path: "/v1/inboxes", authorization: "Bearer " + TestVector.token, body: []))
        #expect(ok.status == 200)
        let expired = SandboxService(configuration: SandboxConfiguration(now: { TestVector.date.addingTimeInterval(301) }))
        let late = await expired.handle(SandboxRequest(method: "GET", path: "/v1/inboxes", authorization: "Bearer " + TestVector.token, body: []))
        #expect(late.status == 401)
    }

    @Test func secretsNeverDescribeThemselves() {
        let secret = Secret("sk_live_abcdef")
        #expect("\(secret)" == "****")
        #expect(String(reflecting: secret).contains("sk_live") == false)
        let credentials = Credentials.secret(id: "74f80a77-9b3f", key: secret)
        #expect("\(credentials)".contains("sk_live") == false)
    }
}


import Synchronization
