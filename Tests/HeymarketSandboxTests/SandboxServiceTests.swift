import Crypto
import Foundation
import Testing
import TestSupport

@testable import HeymarketSandbox

/// Signs a token the way the documentation says, with swift-crypto (tests only).
func documentedToken(id: String, key: String, iat: Int) -> String {
    func b64(_ d: Data) -> String {
        d.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
    let header = b64(Data(#"{"alg":"HS256","typ":"JWT"}"#.utf8))
    let payload = b64(Data(#"{"iss":"\#(id)","iat":\#(iat)}"#.utf8))
    let mac = HMAC<SHA256>.authenticationCode(for: Data("\(header).\(payload)".utf8), using: SymmetricKey(data: Data("\(id)||\(key)".utf8)))
    return "\(header).\(payload).\(b64(Data(mac)))"
}

@Suite struct SandboxServiceTests {
    let demo = SandboxConfiguration.demoSecret
    var now: Int { Int(Date().timeIntervalSince1970) }

    func search(_ service: SandboxService, token: String, body: String = #"{"contact_channels":[{"channel_ids":["14155551234"],"channel_type":"phone"}]}"#) async -> SandboxResponse {
        await service.handle(SandboxRequest(method: "POST", path: "/v2/contacts/search", authorization: "Bearer " + token, body: Array(body.utf8)))
    }

    @Test func answersAJSONArrayWithARequestID() async throws {
        let response = await search(SandboxService(), token: documentedToken(id: demo.id, key: demo.key, iat: now))
        #expect(response.status == 200)
        #expect(response.headers.contains { $0.name == "X-Request-Id" })
        let array = try JSONSerialization.jsonObject(with: Data(response.body)) as? [[String: Any]]
        #expect(array?.first?["id"] as? Int == 1001)
    }

    @Test(arguments: [
        ("wrong key", SandboxConfiguration.demoSecret.id, "nope", 0),
        ("unknown iss", "someone-else", SandboxConfiguration.demoSecret.key, 0),
        ("iat 301 s old", SandboxConfiguration.demoSecret.id, SandboxConfiguration.demoSecret.key, -301),
        ("iat 60 s ahead", SandboxConfiguration.demoSecret.id, SandboxConfiguration.demoSecret.key, 60),
    ])
    func rejectsBadTokens(name: String, id: String, key: String, iatOffset: Int) async {
        let response = await search(SandboxService(), token: documentedToken(id: id, key: key, iat: now + iatOffset))
        #expect(response.status == 401, "\(name)")
        #expect(response.headers.contains { $0.name == "X-Request-Id" })
    }

    @Test(arguments: ["a.b.c", "", "eyJ.eyJ.x", "Basic abc"])
    func rejectsMalformedAuthorization(value: String) async {
        let response = await SandboxService().handle(SandboxRequest(method: "POST", path: "/v2/contacts/search", authorization: value, body: []))
        #expect(response.status == 401)
    }

    @Test func acceptsATokenJustInsideTheWindow() async {
        #expect(await search(SandboxService(), token: documentedToken(id: demo.id, key: demo.key, iat: now - 290)).status == 200)
        #expect(await search(SandboxService(), token: documentedToken(id: demo.id, key: demo.key, iat: now + 10)).status == 200)
    }

    @Test func limitsRequestsPerKeyPerWindow() async {
        // A hand-set clock: the window cannot roll over mid-test, whatever the time of day.
        let clock = ManualClock()
        let service = SandboxService(configuration: SandboxConfiguration(rateLimit: 3, rateWindow: 3600, now: clock.function))
        let token = documentedToken(id: demo.id, key: demo.key, iat: Int(clock.now.timeIntervalSince1970))
        var statuses: [Int] = []
        for _ in 0..<5 { statuses.append(await search(service, token: token).status) }
        #expect(statuses == [200, 200, 200, 429, 429])
        let throttled = await search(service, token: token)
        #expect(throttled.headers.contains { $0.name == "Retry-After" && $0.value == "3600" })
        // The next window has a fresh budget.
        clock.advance(by: 3600)
        let fresh = documentedToken(id: demo.id, key: demo.key, iat: Int(clock.now.timeIntervalSince1970))
        #expect(await search(service, token: fresh).status == 200)
        // Another key has its own budget.
        #expect(await search(service, token: SandboxConfiguration.demoAPIKey).status == 200)
        #expect(service.statistics.count(status: 429) == 3)
    }

    @Test func injectsFaultsReproducibly() async {
        func run() async -> [Int] {
            let service = SandboxService(configuration: SandboxConfiguration(faults: FaultInjection(serverErrorRate: 0.3, throttleRate: 0.3, retryAfter: 2, malformedRate: 0.2, seed: 42)))
            var statuses: [Int] = []
            for _ in 0..<40 { statuses.append(await search(service, token: SandboxConfiguration.demoAPIKey).status) }
            return statuses
        }
        let first = await run()
        #expect(first == (await run()))
        #expect(first.contains(500))
        #expect(first.contains(429))
        #expect(first.contains(200))
    }

    @Test func servesInboxesAndRefusesUnknownRoutes() async {
        let service = SandboxService()
        let ok = await service.handle(SandboxRequest(method: "GET", path: "/v1/inboxes", authorization: "Bearer " + SandboxConfiguration.demoAPIKey, body: []))
        #expect(ok.status == 200)
        let missing = await service.handle(SandboxRequest(method: "GET", path: "/v9/nothing", authorization: nil, body: []))
        #expect(missing.status == 404)
        let wrongMethod = await service.handle(SandboxRequest(method: "GET", path: "/v2/contacts/search", authorization: nil, body: []))
        #expect(wrongMethod.status == 405)
        #expect(service.statistics.requests == 3)
    }
}
