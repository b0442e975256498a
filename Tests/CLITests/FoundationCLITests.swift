import Foundation
import HeymarketSandbox
import Testing

/// A JWT anywhere in a text: three base64url segments starting with `eyJ`.
func containsJWT(_ text: String) -> Bool {
    text.range(of: #"eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+"#, options: .regularExpression) != nil
}

@Suite(.serialized) struct FoundationCLITests {
    static let knownKey = "sk_live_CANARY_7f3a9c0e5b2d4f61_do_not_print"

    func withServer<T>(_ configuration: SandboxConfiguration, _ body: (String) async throws -> T) async throws -> T {
        try await SandboxServer.with(service: SandboxService(configuration: configuration)) { try await body($0.baseURL) }
    }

    @Test func sandboxSearchPrintsRealContacts() async throws {
        let out = try await HMQProcess.run(["search", "--sandbox", "--phone", "14155551234", "--email", "patel.family@example.com", "--phone", "14155550000"])
        #expect(out.status == 0)
        let contacts = try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [[String: Any]]
        #expect(contacts?.compactMap { $0["id"] as? Int } == [1001, 1004, 1005])
        #expect(out.stderr.contains("1 value matched no contact: phone:14155550000"))
    }

    @Test func reportListsMatchesAndMisses() async throws {
        let out = try await HMQProcess.run(["search", "--sandbox", "--report", "14155559876", "nobody@example.com"])
        #expect(out.status == 0)
        let report = try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any]
        let unmatched = report?["unmatched"] as? [[String: Any]]
        #expect(unmatched?.first?["value"] as? String == "nobody@example.com")
        let first = (report?["contacts"] as? [[String: Any]])?.first
        #expect((first?["contact"] as? [String: Any])?["id"] as? Int == 1002)
        // One request, and one more (exact attribution) to prove nobody@example.com found nothing.
        #expect(report?["requests"] as? Int == 2)
    }

    @Test(arguments: [
        ([String](["search"]), Int32(2)),
        (["search", "--sandbox", "--phone", "not-a-phone"], 2),
        (["search", "--sandbox", "--batch", "0", "--phone", "14155551234"], 2),
        (["search", "--base-url", "http://example.com", "--phone", "14155551234"], 2),
        (["search", "--phone", "14155551234"], 5),
        (["no-such-command"], 2),
        (["--help"], 0),
        (["search", "--help"], 0),
    ] as [([String], Int32)])
    func exitCodes(args: [String], status: Int32) async throws {
        let out = try await HMQProcess.run(args)
        #expect(out.status == status, "\(args): \(out.stderr)")
    }

    @Test func aBatchThatAlwaysFailsExitsFourAndNamesItsIds() async throws {
        try await withServer(SandboxConfiguration(faults: FaultInjection(serverErrorRate: 1))) { url in
            let out = try await HMQProcess.run(
                ["search", "--base-url", url, "--retries", "2", "--phone", "14155551234", "--phone", "14155559876"],
                environment: ["HEYMARKET_SECRET_ID": SandboxConfiguration.demoSecret.id, "HEYMARKET_SECRET_KEY": SandboxConfiguration.demoSecret.key])
            #expect(out.status == 4)
            #expect(out.stderr.contains("batch 1 failed after 2 attempts"))
            #expect(out.stderr.contains("14155551234, 14155559876"))
            #expect(out.stderr.contains("request id req_"))
        }
    }

    @Test func aWrongKeyExitsFiveAndSaysWhy() async throws {
        try await withServer(SandboxConfiguration()) { url in
            let out = try await HMQProcess.run(
                ["search", "--base-url", url, "--phone", "14155551234"],
                environment: ["HEYMARKET_SECRET_ID": SandboxConfiguration.demoSecret.id, "HEYMARKET_SECRET_KEY": Self.knownKey])
            #expect(out.status == 5)
            #expect(out.stderr.contains("HTTP 401 unauthorized: invalid signature"))
            #expect(!out.all.contains(Self.knownKey))
            #expect(!containsJWT(out.all))
        }
    }

    /// Every command, with a known Secret Key, verbose: the key appears nowhere,
    /// and no JWT appears anywhere but in `hmq token`'s own output.
    @Test func secretsNeverAppearInOutput() async throws {
        let secrets = SandboxConfiguration.SecretPair(id: "11111111-2222-4333-8444-555555555555", key: Self.knownKey)
        try await withServer(SandboxConfiguration(secrets: [secrets])) { url in
            let env = ["HEYMARKET_SECRET_ID": secrets.id, "HEYMARKET_SECRET_KEY": secrets.key]
            let runs: [[String]] = [
                ["search", "--base-url", url, "--verbose", "--phone", "14155551234", "--phone", "19990000000"],
                ["search", "--base-url", url, "-v", "--report", "ada@example.com"],
                ["search", "--base-url", url, "-v", "--phone", "nope"],
                ["search", "--base-url", "http://example.com", "-v", "--phone", "14155551234"],
                ["search", "--base-url", "http://127.0.0.1:9", "-v", "--retries", "1", "--phone", "14155551234"],
                ["token", "--verbose"],
            ]
            for args in runs {
                let out = try await HMQProcess.run(args, environment: env)
                #expect(!out.all.contains(Self.knownKey), "\(args)")
                if args.first == "token" {
                    #expect(out.status == 0)
                    #expect(containsJWT(out.stdout))
                    #expect(!containsJWT(out.stderr))
                } else {
                    #expect(!containsJWT(out.all), "\(args)")
                }
            }
            let verbose = try await HMQProcess.run(runs[0], environment: env)
            #expect(verbose.stderr.contains("POST /v2/contacts/search batch 1/1"), "verbose logs requests")
        }
    }

    @Test func tokenIsAcceptedByTheSandbox() async throws {
        let out = try await HMQProcess.run(["token", "--sandbox"])
        #expect(out.status == 0)
        let token = out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let response = await SandboxService().handle(SandboxRequest(method: "GET", path: "/v1/inboxes", authorization: "Bearer " + token, body: []))
        #expect(response.status == 200)
    }

    @Test func sandboxServeAnswersAndStopsOnSIGINT() async throws {
        let process = Process()
        process.executableURL = HMQProcess.binary
        process.arguments = ["sandbox", "serve", "--port", "0"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = Pipe()
        try process.run()
        let line = String(decoding: out.fileHandleForReading.availableDataLine(), as: UTF8.self)
        #expect(line.hasPrefix("http://127.0.0.1:"))
        let search = try await HMQProcess.run(
            ["search", "--base-url", line, "--phone", "14155551234"],
            environment: ["HEYMARKET_API_KEY": SandboxConfiguration.demoAPIKey])
        #expect(search.status == 0)
        #expect(search.stdout.contains("Ada Lovelace"))
        process.interrupt()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }
}

extension FileHandle {
    /// Reads up to the first newline (the sandbox prints its URL on a line of its own).
    func availableDataLine() -> Data {
        var data = Data()
        while true {
            let byte = readData(ofLength: 1)
            if byte.isEmpty || byte == Data("\n".utf8) { return data }
            data.append(byte)
        }
    }
}
