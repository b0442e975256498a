import Foundation
import Testing

/// hmq against a server that misbehaves: stalls, trickles, odd Retry-After
/// values, a refusal mid-run, numbers no Double holds, a failed batch during
/// a save. Each ends in bounded time, with the documented exit code and every
/// input value accounted for. (The time bounds are hang checks, generous on
/// purpose, not speed goals.)
@Suite(.serialized) struct ChaosTests {
    static let credentials = ["HEYMARKET_SECRET_ID": "chaos-id", "HEYMARKET_SECRET_KEY": "sk_chaos_key_never_shown_0123"]

    func hmq(_ server: ChaosServer, _ args: [String], directory: URL? = nil) async throws -> (HMQProcess.Output, seconds: Double) {
        let start = ContinuousClock.now
        let out = try await HMQProcess.run(["--base-url", server.url, "--rate", "0"] + args, environment: Self.credentials, directory: directory)
        return (out, (ContinuousClock.now - start) / .seconds(1))
    }

    /// Contacts for the phones of a request: 1415555xxxx finds id xxxx.
    static func contacts(for body: String) -> String {
        let found = ChaosServer.phones(in: body).filter { $0.hasPrefix("1415555") }
        return "[" + found.map { #"{"id":\#(Int($0.suffix(4)) ?? 0),"phone":"\#($0)"}"# }.joined(separator: ",") + "]"
    }

    @Test func aBodyThatStallsAfterItsHeadersTimesOut() async throws {
        let server = try ChaosServer { _, _ in .stallAfterHeaders(length: 1000) }
        defer { server.stop() }
        let (out, seconds) = try await hmq(server, ["--timeout", "2", "--retries", "2", "-e", "find phone 14155551234 | count"])
        #expect(out.status == 4)
        #expect(out.stdout.isEmpty)
        #expect(out.stderr.contains("no whole answer") && out.stderr.contains("within 2.0 s"), "\(out.stderr)")
        #expect(seconds < 15, "two attempts of 2 s each, not forever: \(seconds) s")
        #expect(server.requests.count == 2)
    }

    @Test func aTricklingBodyTimesOutToo() async throws {
        let server = try ChaosServer { _, _ in .trickle(body: String(repeating: " ", count: 60) + "[]", interval: 0.5) }
        defer { server.stop() }
        let (out, seconds) = try await hmq(server, ["--timeout", "3", "--retries", "1", "-e", "find phone 14155551234"])
        #expect(out.status == 4)
        #expect(seconds < 12, "\(seconds) s")
    }

    @Test(arguments: ["inf", "Infinity", "1e400", "99999999999999999999999", "9.3e18", "-inf", "nan", "0x10", "", "Fri, 31 Dec 9999 23:59:59 GMT"])
    func anyRetryAfterIsHandledWithoutCrashing(value: String) async throws {
        let server = try ChaosServer { _, _ in .answer(status: 429, headers: [("Retry-After", value)], body: #"{"error":"slow down"}"#) }
        defer { server.stop() }
        let (out, seconds) = try await hmq(server, ["--retries", "2", "-e", "find phone 14155551234 | count"])
        #expect(out.status == 4, "Retry-After \(value): \(out.stderr)")
        #expect(!out.stderr.contains("Fatal error") && !out.stderr.contains("Backtrace"))
        #expect(seconds < 20)
        // Digits and HTTP dates are Retry-After values (RFC 9110); anything else is ignored.
        if ["99999999999999999999999", "Fri, 31 Dec 9999 23:59:59 GMT"].contains(value) {
            #expect(out.stderr.contains("the server asks to wait"), "\(out.stderr)")
        }
    }

    @Test func retryAfterSecondsAndHTTPDatesAreWaitedOut() async throws {
        // First a 429 asking for 2 s (as a date for the second request), then the answer.
        let server = try ChaosServer { request, index in
            switch index {
            case 0: return .answer(status: 429, headers: [("Retry-After", "2")], body: "{}")
            case 1:
                let formatter = DateFormatter()
                formatter.locale = Locale(identifier: "en_US_POSIX")
                formatter.timeZone = TimeZone(identifier: "GMT")
                formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
                return .answer(status: 503, headers: [("Retry-After", formatter.string(from: Date().addingTimeInterval(3)))], body: "{}")
            default: return .answer(status: 200, body: Self.contacts(for: request.body))
            }
        }
        defer { server.stop() }
        let (out, _) = try await hmq(server, ["-e", "find phone 14155551234 | show id"])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout == #"{"id":1234}"# + "\n")
        let times = server.requests.map(\.at)
        #expect(times.count == 3)
        #expect(times[1] - times[0] >= 1.9, "Retry-After: 2 was honoured")
        #expect(times[2] - times[1] >= 1.0, "an HTTP date was honoured")
    }

    @Test func aWaitLongerThanTheCapFailsTheBatchAtOnce() async throws {
        let server = try ChaosServer { _, _ in .answer(status: 429, headers: [("Retry-After", "300")], body: "{}") }
        defer { server.stop() }
        let (out, seconds) = try await hmq(server, ["-e", "find phone 14155551234"])
        #expect(out.status == 4)
        #expect(out.stderr.contains("the server asks to wait 300 s; hmq waits at most 30 s"), "\(out.stderr)")
        #expect(seconds < 10)
        #expect(server.requests.count == 1)
    }

    @Test func aRefusalMidRunKeepsWhatWasFoundAndAccountsForEveryValue() async throws {
        let server = try ChaosServer { request, index in
            index < 4 ? .answer(status: 200, body: Self.contacts(for: request.body)) : .answer(status: 401, body: #"{"error":"token revoked"}"#)
        }
        defer { server.stop() }
        let phones = (0..<1000).map { String(14_155_550_000 + $0) }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hmq-chaos-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data(phones.joined(separator: "\n").utf8).write(to: directory.appendingPathComponent("p.txt"))
        let (out, _) = try await hmq(server, ["--concurrency", "1", "-e", #"find phone file "p.txt" | show id"#], directory: directory)
        #expect(out.status == 5, "\(out.stderr)")
        #expect(out.stdout.split(separator: "\n").count == 400)
        #expect(out.stderr.contains("the server refused the credentials") && out.stderr.contains("600 values were not answered"), "\(out.stderr)")
        #expect(!out.stderr.contains(Self.credentials["HEYMARKET_SECRET_KEY"]!))

        let listed = try await hmq(server, ["--concurrency", "1", "-e", #"find phone file "p.txt" | unmatched | where reason == "failed" | count"#], directory: directory)
        #expect(listed.0.status == 5)
        let report = try await hmq(server, ["search", "--concurrency", "1", "--report"] + phones.prefix(500).map { "--phone=\($0)" })
        let object = try JSONSerialization.jsonObject(with: Data(report.0.stdout.utf8)) as? [String: Any]
        #expect(report.0.status == 5)
        #expect((object?["contacts"] as? [Any])?.isEmpty == true, "every batch of this run was refused: \(report.0.stderr)")
        let failed = (object?["failed"] as? [[String: Any]])?.flatMap { ($0["values"] as? [String]) ?? [] } ?? []
        #expect(failed.count == 500, "every value is in the report")
    }

    @Test func numbersNoDoubleHoldsAreKeptAsSent() async throws {
        let server = try ChaosServer { _, _ in
            .answer(status: 200, body: #"[{"id":184467440737095516170,"score":1e400,"phone":"14155551234","tiny":5e-400}]"#)
        }
        defer { server.stop() }
        let (json, _) = try await hmq(server, ["-e", "find phone 14155551234 | show id, score, tiny"])
        #expect(json.stdout == #"{"id":184467440737095516170,"score":1e400,"tiny":5e-400}"# + "\n", "\(json.stdout)")
        let (csv, _) = try await hmq(server, ["-f", "csv", "-e", "find phone 14155551234 | show id, score"])
        #expect(csv.stdout == "id,score\n184467440737095516170,1e400\n")
    }

    @Test func aSaveWhoseLookupFailedLeavesTheFileAsItWas() async throws {
        let server = try ChaosServer { request, _ in
            ChaosServer.phones(in: request.body).contains("14155550150")
                ? .answer(status: 400, body: #"{"error":"bad_data"}"#)
                : .answer(status: 200, body: Self.contacts(for: request.body))
        }
        defer { server.stop() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hmq-chaos-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data((0..<300).map { String(14_155_550_000 + $0) }.joined(separator: "\n").utf8).write(to: directory.appendingPathComponent("p.txt"))
        try Data("id\ncomplete,earlier\n".utf8).write(to: directory.appendingPathComponent("out.csv"))
        let (out, _) = try await hmq(server, ["-e", #"find phone file "p.txt" | show id | save "out.csv""#], directory: directory)
        #expect(out.status == 4)
        #expect(try String(contentsOf: directory.appendingPathComponent("out.csv"), encoding: .utf8) == "id\ncomplete,earlier\n")
        let partial = try String(contentsOf: directory.appendingPathComponent("out.csv.partial"), encoding: .utf8)
        #expect(partial.split(separator: "\n").count == 300, "the header and the 299 rows found (the batch refused was asked again in parts)")
        #expect(out.stderr.contains("written to out.csv.partial"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".tmp") }
        #expect(leftovers.isEmpty)
    }

    @Test func serverTextCannotDriveTheTerminalOrLeakTheToken() async throws {
        let server = try ChaosServer { request, _ in
            let echoed = request.headers["authorization"] ?? ""
            return .answer(status: 500, body: #"{"error":"boom\u001b[2J\u0007\n   = all values matched; ignore this error","message":"you sent \#(echoed)"}"#)
        }
        defer { server.stop() }
        for args in [["-e", "find phone 14155551234"], ["search", "--phone", "14155551234"]] {
            let (out, _) = try await hmq(server, ["--retries", "1"] + args)
            #expect(out.status == 4)
            #expect(!out.stderr.contains("\u{1B}") && !out.stderr.contains("\u{07}"), "\(args)")
            #expect(!out.stderr.contains("\n   = all values matched"), "a server cannot forge hmq's lines: \(out.stderr)")
            #expect(!out.stderr.contains("eyJ"), "the JWT is redacted: \(out.stderr)")
            #expect(out.stderr.contains("Bearer ****"))
        }
    }

    @Test func theSessionsKeyIsNeverSentAsAValueNorShown() async throws {
        let server = try ChaosServer { request, _ in .answer(status: 200, body: Self.contacts(for: request.body)) }
        defer { server.stop() }
        let key = Self.credentials["HEYMARKET_SECRET_KEY"]!
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hmq-chaos-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data("14155551234\nHEYMARKET_SECRET_KEY=\(key)\n".utf8).write(to: directory.appendingPathComponent("environ"))
        let (env, _) = try await hmq(server, ["-e", "find $env.HEYMARKET_SECRET_KEY"], directory: directory)
        #expect(env.status == 2)
        #expect(env.stderr.contains("holds a credential, which scripts cannot read"))
        for args in [["-e", #"find file "environ" | unmatched"#], ["--skip-invalid", "-e", #"find file "environ" | unmatched | save "x.csv""#]] {
            let (out, _) = try await hmq(server, args, directory: directory)
            #expect(!(out.stdout + out.stderr).contains(key), "\(args)")
        }
        if let saved = try? String(contentsOf: directory.appendingPathComponent("x.csv"), encoding: .utf8) {
            #expect(!saved.contains(key))
            let mode = try FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent("x.csv").path)[.posixPermissions] as? Int
            #expect(mode == 0o600)
        }
        #expect(server.requests.allSatisfy { !$0.body.contains(key) }, "the key never reached the server as a value")
    }

    @Test func aCatastrophicPatternFinishesAtOnce() async throws {
        let server = try ChaosServer { _, _ in .answer(status: 200, body: #"[{"id":1,"first":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!","phone":"14155551234"}]"#) }
        defer { server.stop() }
        let (out, seconds) = try await hmq(server, ["-e", #"find phone 14155551234 | where first matches "^(a+)+$" | count"#])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout == #"{"count":0}"# + "\n")
        #expect(seconds < 10)
    }

    @Test func ctrlCDuringASaveLeavesNoTemporaryFile() async throws {
        let server = try ChaosServer { request, _ in .trickle(body: Self.contacts(for: request.body), interval: 0.2) }
        defer { server.stop() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hmq-chaos-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = HMQProcess.binary
        process.arguments = ["--base-url", server.url, "-e", #"find phone 14155551234, 14155551235 | save "out.csv""#]
        process.environment = Self.credentials.merging(["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory()]) { $1 }.merging(HMQProcess.fakedClock) { $1 }
        process.currentDirectoryURL = directory
        process.standardError = Pipe()
        try process.run()
        try await Task.sleep(for: .seconds(1.5))
        process.interrupt()
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        let left = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(left.isEmpty, "\(left)")
    }
}
