import Foundation
import Synchronization
import Testing

/// hmq against a server that misbehaves: stalls, trickles, odd Retry-After
/// values, a refusal mid-run, numbers no Double holds, a failed batch during
/// a save. Each ends in bounded time, with the documented exit code and every
/// input value accounted for. (The time bounds are hang checks, generous on
/// purpose, not speed goals.)
@Suite(.serialized) struct ChaosTests {
    static let credentials = ["HEYMARKET_SECRET_ID": "chaos-id", "HEYMARKET_SECRET_KEY": "sk_chaos_key_never_shown_0123"]

    func hmq(_ server: ChaosServer, _ args: [String], directory: URL? = nil, stdinFile: String? = nil) async throws -> (HMQProcess.Output, seconds: Double) {
        let start = ContinuousClock.now
        let input = try stdinFile.map { try String(contentsOf: (directory ?? URL(fileURLWithPath: ".")).appendingPathComponent($0), encoding: .utf8) } ?? ""
        let out = try await HMQProcess.run(["--base-url", server.url, "--rate", "0"] + args, environment: Self.credentials, stdin: input, directory: directory)
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
        #expect(seconds < 45, "two attempts of 2 s each, not forever (the bound leaves room for a loaded 2-core machine running the suite in parallel): \(seconds) s")
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

    @Test func aWaitLongerThanMaxWaitFailsTheBatchAtOnce() async throws {
        let server = try ChaosServer { _, _ in .answer(status: 429, headers: [("Retry-After", "300")], body: "{}") }
        defer { server.stop() }
        let (out, seconds) = try await hmq(server, ["-e", "find phone 14155551234"])
        #expect(out.status == 4)
        #expect(out.stderr.contains("the server asks to wait 300 s, more than max_wait, 120 s"), "\(out.stderr)")
        #expect(seconds < 10)
        #expect(server.requests.count == 1)
    }

    /// A long wait before a batch's retry (here a 503 asking for 11 s) is said
    /// once on stderr, so a cron log is never silent; a short one says nothing.
    @Test func aLongWaitBeforeARetryIsSaidOnceOffATerminal() async throws {
        let server = try ChaosServer { request, index in
            index < 2 ? .answer(status: 503, headers: [("Retry-After", "11")], body: #"{"error":"maintenance"}"#)
                : .answer(status: 200, body: Self.contacts(for: request.body))
        }
        defer { server.stop() }
        let (out, seconds) = try await hmq(server, ["--batch", "1", "--concurrency", "2", "-e", "find phone 14155551234, 14155551235 | show id"])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout == #"{"id":1234}"# + "\n" + #"{"id":1235}"# + "\n")
        let notes = out.stderr.split(separator: "\n").filter { $0.contains("before retrying (HTTP 503") }
        #expect(notes.count == 1, "both batches wait 11 s, said once: \(out.stderr)")
        #expect(notes.first?.contains("waiting 11 s before retrying (HTTP 503") == true, "\(out.stderr)")
        #expect(seconds >= 10.5)
    }

    /// A server with Heymarket's kind of limit, fixed windows: `limit` requests
    /// per `window` seconds from its start, then 429 with `Retry-After` to the window's end.
    static func fixedWindow(limit: Int, window: Double) throws -> ChaosServer {
        let used = Mutex<[Int: Int]>([:])
        return try ChaosServer { request, _ in
            let current = Int(request.at / window)
            let admitted = used.withLock { used in
                guard used[current, default: 0] < limit else { return false }
                used[current, default: 0] += 1
                return true
            }
            guard admitted else {
                let wait = Int((Double(current + 1) * window - request.at).rounded(.up))
                return .answer(status: 429, headers: [("Retry-After", String(wait))], body: #"{"error":"rate limit exceeded"}"#)
            }
            return .answer(status: 200, body: Self.contacts(for: request.body))
        }
    }

    /// 30 requests against 20 per 40 s with pacing off: the 429s ask for the
    /// rest of the window, which is within max_wait, so every worker waits it
    /// out once and every value is answered.
    @Test func aSpentRateWindowIsWaitedOutWhenItsWaitIsWithinMaxWait() async throws {
        let server = try Self.fixedWindow(limit: 20, window: 40)
        defer { server.stop() }
        let phones = (0..<30).map { "--phone=\(14_155_550_100 + $0)" }
        let (out, seconds) = try await hmq(server, ["search", "--batch", "1"] + phones)
        #expect(out.status == 0, "\(out.stderr)")
        let contacts = try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [[String: Any]]
        #expect(contacts?.count == 30)
        // One note for the wait, not one per batch that met a 429.
        let notes = out.stderr.split(separator: "\n").filter { $0.contains("for the rate window") }
        #expect(notes.count == 1, "\(out.stderr)")
        #expect(notes.first?.contains("the server answered HTTP 429 with Retry-After") == true, "\(out.stderr)")
        // Every worker paused: the requests after the first 429s came after the window ended.
        let times = server.requests.map(\.at).sorted()
        #expect(server.requests.count <= 30 + 4, "at most one 429 per worker: \(server.requests.count) requests")
        #expect(times.filter { $0 >= 40 }.count >= 10)
        #expect(seconds >= 39, "\(seconds) s")
    }

    @Test func theSameWindowWithASmallerMaxWaitFailsNamingTheWaitAskedFor() async throws {
        let server = try Self.fixedWindow(limit: 20, window: 40)
        defer { server.stop() }
        let phones = (0..<30).map { "--phone=\(14_155_550_100 + $0)" }
        let (out, seconds) = try await hmq(server, ["search", "--batch", "1", "--concurrency", "1", "--max-wait", "10"] + phones)
        #expect(out.status == 4, "\(out.stderr)")
        #expect(out.stderr.contains("more than max_wait, 10 s"), "\(out.stderr)")
        #expect(out.stderr.range(of: #"the server asks to wait (3\d|40) s"#, options: .regularExpression) != nil, "\(out.stderr)")
        #expect(seconds < 30, "nothing is waited: \(seconds) s")
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

    /// One contact sent as several records: the id spelt `900001`, `"900001"`
    /// and `900001.0`, each record with another phone; a fourth phone finds nothing.
    static func repeatedRecords(for body: String) -> String {
        let spellings = ["14155550001": "900001", "14155550002": #""900001""#, "14155550003": "900001.0"]
        let found = ChaosServer.phones(in: body).compactMap { phone in spellings[phone].map { #"{"id":\#($0),"phone":"\#(phone)"}"# } }
        return "[" + found.joined(separator: ",") + "]"
    }

    @Test(arguments: ["exact", "fast"])
    func recordsOfOneIdAreOneContactTiedByEveryRecord(attribution: String) async throws {
        let server = try ChaosServer { request, _ in .answer(status: 200, body: Self.repeatedRecords(for: request.body)) }
        defer { server.stop() }
        let phones = ["14155550001", "14155550002", "14155550003", "14155550004"]
        let (report, _) = try await hmq(server, ["search", "--attribution", attribution, "--report"] + phones.map { "--phone=\($0)" })
        #expect(report.status == 0, "\(report.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any], "\(report.stdout)")
        let contacts = try #require(object["contacts"] as? [[String: Any]])
        #expect(contacts.count == 1, "one contact, however its id is spelt: \(report.stdout)")
        func values(_ list: Any?) -> [String] { ((list as? [[String: Any]]) ?? []).compactMap { $0["value"] as? String } }
        let matched = contacts.flatMap { values($0["matched"]) }
        #expect(matched == Array(phones.prefix(3)), "every record's phone ties it: \(report.stdout)")
        let unmatched = values(object["unmatched"]), undetermined = values(object["undetermined"])
        let failed = ((object["failed"] as? [[String: Any]]) ?? []).flatMap { ($0["values"] as? [String]) ?? [] }
        // Every value in exactly one list.
        #expect((matched + unmatched + undetermined + failed).sorted() == phones, "\(report.stdout)")
        #expect(attribution == "exact" ? unmatched == ["14155550004"] : undetermined == ["14155550004"], "\(report.stdout)")

        let find = "find phone " + phones.joined(separator: ", ")
        let (rows, _) = try await hmq(server, ["--attribution", attribution, "-e", find + " | show id, matched"])
        #expect(rows.status == 0, "\(rows.stderr)")
        #expect(rows.stdout == #"{"id":900001,"matched":["14155550001","14155550002","14155550003"]}"# + "\n", "\(rows.stdout)")
        let (misses, _) = try await hmq(server, ["--attribution", attribution, "-e", find + " | unmatched | show value"])
        #expect(misses.stdout == #"{"value":"14155550004"}"# + "\n", "\(misses.stdout)")
        // Batches of one: the contact is found by each batch, listed once, tied by all three.
        let (split, _) = try await hmq(server, ["--batch", "1", "--attribution", attribution, "-e", find + " | show id, matched"])
        #expect(split.stdout == rows.stdout, "\(split.stdout)")
    }

    @Test func aCompressedAnswerTooLargeOnceInflatedSaysSo() async throws {
        // 20 MB of spaces, gzipped to a few KB: more than 50 times its size once inflated.
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/sh")
        gzip.arguments = ["-c", "head -c 20000000 /dev/zero | tr '\\0' ' ' | gzip -c"]
        let pipe = Pipe()
        gzip.standardOutput = pipe
        try gzip.run()
        let bomb = [UInt8](pipe.fileHandleForReading.readDataToEndOfFile())
        gzip.waitUntilExit()
        #expect(bomb.count < 100_000)
        let server = try ChaosServer { _, _ in .bytes(status: 200, headers: [("Content-Encoding", "gzip")], body: bomb) }
        defer { server.stop() }
        let (out, _) = try await hmq(server, ["--retries", "1", "-e", "find phone 14155551234"])
        #expect(out.status == 4)
        #expect(out.stderr.contains("once inflated, is larger than hmq accepts"), "\(out.stderr)")
        #expect(!out.stderr.contains(": limit"), "\(out.stderr)")
    }

    @Test(arguments: ["{}", "", #"{"contacts":[]}"#])
    func aSuccessThatIsNoArrayOfContactsIsAMalformedAnswer(body: String) async throws {
        let server = try ChaosServer { _, _ in .answer(status: 200, body: body) }
        defer { server.stop() }
        let (out, _) = try await hmq(server, ["--retries", "1", "-e", "find phone 14155551234"])
        #expect(out.status == 4, "\(body): \(out.stderr)")
        #expect(out.stderr.contains("expected a JSON array of contacts") || out.stderr.contains("the answer is not JSON"), "\(body): \(out.stderr)")
    }

    /// The search answers 200. Another success (here with contacts for both
    /// phones in its body) is no answer: both values fail with its status and
    /// request id, none is matched or "no contact", and it is asked once.
    @Test(arguments: [299, 201, 206])
    func aSuccessOtherThan200IsAFailedBatchNotAnAnswer(status: Int) async throws {
        let server = try ChaosServer { request, _ in .answer(status: status, body: Self.contacts(for: request.body)) }
        defer { server.stop() }
        let phones = ["14155551234", "14155559999"]
        let (report, _) = try await hmq(server, ["search", "--report"] + phones.map { "--phone=\($0)" })
        #expect(report.status == 4, "\(status): \(report.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any], "\(report.stdout)")
        #expect((object["contacts"] as? [Any])?.isEmpty == true, "nothing is matched: \(report.stdout)")
        #expect((object["unmatched"] as? [Any] ?? []).isEmpty && (object["undetermined"] as? [Any] ?? []).isEmpty, "no value is 'no contact': \(report.stdout)")
        let failed = try #require(object["failed"] as? [[String: Any]], "\(report.stdout)")
        #expect(failed.flatMap { ($0["values"] as? [String]) ?? [] }.sorted() == phones, "\(report.stdout)")
        #expect(failed.count == 1 && failed[0]["status"] as? Int == status && failed[0]["request_id"] as? String == "req_chaos0", "\(report.stdout)")
        #expect(failed.first?["error"] as? String == "expected HTTP 200; a \(status) is not taken as an answer", "\(report.stdout)")
        #expect(report.stderr.contains("HTTP \(status) unexpected status"), "\(report.stderr)")
        #expect(server.requests.count == 1, "not retried: \(server.requests.count) requests")

        let (rows, _) = try await hmq(server, ["-e", "find phone 14155551234 | show id"])
        #expect(rows.status == 4, "\(rows.stderr)")
        #expect(rows.stdout.isEmpty, "\(rows.stdout)")
        #expect(rows.stderr.contains("HTTP \(status) unexpected status") && rows.stderr.contains("req_chaos1"), "\(rows.stderr)")
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

    @Test func whereComparesIntegersBeyondDoublesExactly() async throws {
        let server = try ChaosServer { _, _ in
            .answer(status: 200, body: #"[{"id":9007199254740992,"phone":"14155551234"},{"id":9007199254740993,"phone":"14155551235"},"#
                + #"{"id":184467440737095516170,"phone":"14155551236"},{"id":184467440737095516171,"phone":"14155551237"}]"#)
        }
        defer { server.stop() }
        let find = "find phone 14155551234, 14155551235, 14155551236, 14155551237"
        let (one, _) = try await hmq(server, ["-e", find + " | where id == 9007199254740993 | show id"])
        #expect(one.stdout == #"{"id":9007199254740993}"# + "\n", "\(one.stdout) \(one.stderr)")
        let (big, _) = try await hmq(server, ["-e", find + " | where id > 184467440737095516170 | show id"])
        #expect(big.stdout == #"{"id":184467440737095516171}"# + "\n", "\(big.stdout) \(big.stderr)")
        let (sorted, _) = try await hmq(server, ["-e", find + " | sort id desc | show id"])
        #expect(sorted.stdout.split(separator: "\n") == [#"{"id":184467440737095516171}"#, #"{"id":184467440737095516170}"#,
                                                           #"{"id":9007199254740993}"#, #"{"id":9007199254740992}"#], "\(sorted.stdout)")
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

    /// A server that echoes the token cut in two, only its signature, or in
    /// its request id (logged with -v) gets none of it printed: any run of 16
    /// characters of the token or the key is redacted, not only the whole.
    @Test func aTokenEchoedInPiecesIsRedactedToo() async throws {
        let seen = Mutex<[String]>([])
        let server = try ChaosServer { request, n in
            let token = (request.headers["authorization"] ?? "").replacingOccurrences(of: "Bearer ", with: "")
            seen.withLock { $0.append(token) }
            let cut = String(token.prefix(20)) + " " + String(token.dropFirst(20))
            let signature = token.split(separator: ".").last.map(String.init) ?? ""
            let key = String(Self.credentials["HEYMARKET_SECRET_KEY"]!.prefix(20))
            return .answer(status: 500, headers: [("X-Request-Id", token)], body: #"{"error":"cut \#(cut) signature \#(signature) key \#(key)"}"#)
        }
        defer { server.stop() }
        for args in [["-e", "find phone 14155551234"], ["search", "--phone", "14155551234"], ["--error-format", "json", "search", "--phone", "14155551234"]] {
            let (out, _) = try await hmq(server, ["--retries", "1", "-v"] + args)
            #expect(out.status == 4, "\(args): \(out.stderr)")
            #expect(out.stderr.contains("signature ****"), "\(args): \(out.stderr)")
            let secrets = seen.withLock { $0 } + [Self.credentials["HEYMARKET_SECRET_KEY"]!]
            for secret in Set(secrets) where secret.count >= 16 {
                let runs = (0...(secret.count - 16)).map { String(Array(secret)[$0..<$0 + 16]) }
                #expect(!runs.contains { out.stderr.contains($0) }, "\(args): a piece of a secret is shown: \(out.stderr)")
            }
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
        // Written into a query, read from a file or stdin, reported: the key is never repeated, not even in an error's excerpt.
        try Data("phone:\(key)\n14155551234\n".utf8).write(to: directory.appendingPathComponent("stdin.txt"))
        for args in [["-e", #"find file "environ" | unmatched"#], ["--skip-invalid", "-e", #"find file "environ" | unmatched | save "x.csv""#],
                     ["-e", "find phone \"\(key)\""], ["-e", "find phone \(key)"], ["--error-format", "json", "-e", "find phone \(key)"],
                     ["check", "-e", "find phone \(key)"], ["-e", "find phone 14155551234 | where \(key) == 1"],
                     ["--skip-invalid", "search", "--stdin", "--report"]] {
            let (out, _) = try await hmq(server, args, directory: directory, stdinFile: args.contains("--stdin") ? "stdin.txt" : nil)
            #expect(!(out.stdout + out.stderr).contains(key), "\(args): \(out.stdout)\(out.stderr)")
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

    /// Every signal that would end hmq (a closed terminal's SIGHUP among them)
    /// ends a save cleanly: status 130, no temporary file left beside the target.
    @Test(arguments: [SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2, SIGALRM])
    func aSignalDuringASaveLeavesNoTemporaryFile(signal: Int32) async throws {
        let server = try ChaosServer { request, _ in .trickle(body: Self.contacts(for: request.body), interval: 0.2) }
        defer { server.stop() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hmq-chaos-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let process = Process()
        process.executableURL = HMQProcess.binary
        process.arguments = ["--base-url", server.url, "-e", #"find phone 14155551234, 14155551235 | save "out.csv""#]
        process.environment = Self.credentials.merging(["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory()]) { $1 }.merging(HMQProcess.fakedClock) { $1 }
        process.currentDirectoryURL = directory
        process.standardError = Pipe()
        try process.run()
        // The save's temporary file exists once the request is out.
        for _ in 0..<100 where server.requests.isEmpty { try await Task.sleep(for: .milliseconds(50)) }
        try await Task.sleep(for: .milliseconds(300))
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130, "signal \(signal)")
        let left = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(left.isEmpty, "signal \(signal): \(left)")
    }

    /// What is not a regular file is written through, never replaced: `>> file`
    /// keeps what the file held, a FIFO's reader gets the rows and the FIFO stays one.
    @Test func saveWritesThroughWhatIsNotARegularFile() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hmq-save-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let hmq = HMQProcess.binary.path
        for target in ["/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"] {
            let script = "printf 'kept\\n' > log.txt; '\(hmq)' --sandbox -e 'find phone 14155551234 | show id | save \"\(target)\" --format ndjson' >> log.txt"
            let shell = try await Self.shell(script, in: directory)
            #expect(shell == 0, "\(target)")
            let log = try String(contentsOf: directory.appendingPathComponent("log.txt"), encoding: .utf8)
            #expect(log == "kept\n{\"id\":1001}\n", "\(target): \(log)")
        }
        let fifo = directory.appendingPathComponent("rows.fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        // The reader is killed if hmq never opens the FIFO, so the check cannot hang.
        let reader = "cat rows.fifo > got.txt & reader=$!; '\(hmq)' --sandbox -e 'find phone 14155551234 | show id | save \"rows.fifo\" --format ndjson'; "
            + "status=$?; sleep 0.2; kill $reader 2>/dev/null; wait; exit $status"
        #expect(try await Self.shell(reader, in: directory) == 0)
        #expect(try String(contentsOf: directory.appendingPathComponent("got.txt"), encoding: .utf8) == "{\"id\":1001}\n")
        var info = stat()
        #expect(lstat(fifo, &info) == 0 && (info.st_mode & S_IFMT) == S_IFIFO, "the FIFO is still a FIFO")
        let left = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".tmp") }
        #expect(left.isEmpty, "\(left)")
    }

    /// Runs `script` with /bin/sh in `directory` (bounded: it is killed after 30 s); its status.
    static func shell(_ script: String, in directory: URL) async throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        process.currentDirectoryURL = directory
        process.environment = HMQProcess.environment(adding: [:])
        process.standardError = FileHandle.nullDevice
        try process.run()
        for _ in 0..<300 where process.isRunning { try await Task.sleep(for: .milliseconds(100)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
