import Foundation
import Testing

/// hmq run by a machine, with nobody watching: a server that cannot be
/// reached stops the run in a few attempts. Each run is bounded by counted
/// polls and a SIGKILL, never by reading a clock.
@Suite(.serialized) struct UnattendedTests {
    static let credentials = ChaosTests.credentials

    /// A fresh directory holding `files` (name: text).
    static func directory(_ files: [String: String] = [:]) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hmq-unattended-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, text) in files { try Data(text.utf8).write(to: directory.appendingPathComponent(name)) }
        return directory
    }

    /// Runs `hmq args` in `directory` (each argument single-quoted), its stdout
    /// and stderr into `out.txt` and `err.txt`, stdin from the file `stdin`; up to `polls` polls of 0.1 s, then a
    /// SIGKILL (status 137). Returns the exit status, stdout and stderr.
    static func bounded(_ args: [String], in directory: URL, stdin: String = "/dev/null", polls: Int = 300) async throws -> HMQProcess.Output {
        let quoted = args.map { "'" + $0.replacingOccurrences(of: "'", with: #"'\''"#) + "'" }.joined(separator: " ")
        let script = """
            "$HMQ" \(quoted) <\(stdin) >out.txt 2>err.txt & pid=$!
            for i in $(seq \(polls)); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
            kill -KILL $pid 2>/dev/null; wait $pid; echo $?
            """
        let shell = try await HMQProcess.shell(script, environment: credentials, directory: directory)
        let read = { (name: String) in (try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)) ?? "" }
        return HMQProcess.Output(status: Int32(shell.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1, stdout: read("out.txt"), stderr: read("err.txt"))
    }

    /// A loopback address nothing listens on (a test server's, closed).
    static func closedServer() throws -> (url: String, port: Int) {
        let server = try ChaosServer { _, _ in .answer(status: 200, body: "[]") }
        server.stop()
        return (server.url, server.port)
    }

    @Test func anUnreachableServerStopsTheWholeRunAfterAFewAttempts() async throws {
        let (url, port) = try Self.closedServer()
        let ids = (0..<2000).map { String(14_155_550_000 + $0) }.joined(separator: "\n")
        let directory = try Self.directory(["ids.txt": ids])
        // 20 batches; 8 attempts each would be 160 requests and minutes of waiting.
        let out = try await Self.bounded(["--base-url", url, "-v", "-e", #"find phone file "ids.txt" | show id"#], in: directory)
        #expect(out.status == 4, "\(out.stderr.suffix(2000))")
        #expect(out.stdout.isEmpty)
        #expect(out.stderr.contains("cannot connect to http://127.0.0.1:\(port): connection refused"), "\(out.stderr.suffix(2000))")
        #expect(out.stderr.contains("2000 values were not answered"))
        #expect(!out.stderr.contains("errno"), "the cause in words, not NIO's text")
        let attempts = out.stderr.split(separator: "\n").filter { $0.contains(" ids) attempt ") }
        #expect(attempts.count <= 6 + 3, "6 failed connections in a row for the whole run (and the 3 other batches in flight then): \(attempts.count)")
        // Fewer for the impatient, more for the patient: the whole run's budget is a setting.
        let one = try await Self.bounded(["--base-url", url, "-v", "--connect-attempts", "1", "--concurrency", "1", "-e", #"find phone file "ids.txt" | show id"#], in: directory)
        #expect(one.status == 4 && one.stderr.contains("(1 attempt in a row failed; the run stops; --connect-attempts N waits longer)"), "\(one.stderr.suffix(1000))")
        #expect(one.stderr.split(separator: "\n").filter { $0.contains(" ids) attempt ") }.count == 1)

        // Every value is still accounted for, as failed; `hmq search` says why in one line first.
        let report = try await Self.bounded(["search", "--base-url", url, "--report", "--stdin"], in: directory, stdin: "ids.txt")
        #expect(report.status == 4)
        let object = try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any]
        let failed = (object?["failed"] as? [[String: Any]])?.flatMap { ($0["values"] as? [String]) ?? [] } ?? []
        #expect(failed.count == 2000, "\(report.stderr.suffix(500))")
        #expect(report.stderr.hasPrefix("hmq: error: cannot connect to http://127.0.0.1:\(port): connection refused"), "\(report.stderr.prefix(500))")
    }

    /// Three runs at once on one key against a server allowing 500 requests
    /// per 6 s: they share one budget, so together they draw no 429 and take
    /// about the time the limit allows for all their requests (1,050: two windows and a bit).
    @Test func processesOnOneKeyShareOneBudget() async throws {
        let directory = try Self.directory(["ids.txt": (0..<350).map { String(14_155_550_000 + $0) }.joined(separator: "\n")])
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = "\"$HMQ\" --base-url \"$url\" --rate 500/6s --batch 1 --concurrency 8 --attribution fast -e 'find phone file \"ids.txt\" | count'"
        let script = """
            export XDG_RUNTIME_DIR="$PWD/runtime"; mkdir -m 700 runtime
            "$HMQ" sandbox serve --port 0 --rate-limit 500 --rate-window 6 >url.txt 2>sandbox.txt & server=$!
            for i in $(seq 100); do [ -s url.txt ] && break; sleep 0.1; done
            url=$(head -1 url.txt)
            \(run) >a.txt 2>&1 & a=$!; \(run) >b.txt 2>&1 & b=$!; \(run) >c.txt 2>&1 & c=$!
            for i in $(seq 600); do kill -0 $a $b $c 2>/dev/null || break; sleep 0.1; done
            kill -KILL $a $b $c 2>/dev/null; wait $a; sa=$?; wait $b; sb=$?; wait $c; sc=$?
            kill -INT $server; wait $server
            echo "$sa $sb $sc"
            """
        let shell = try await HMQProcess.shell(script, environment: Self.credentials.merging(["HEYMARKET_SECRET_ID": "hmq-demo-0000-4000-8000-sandbox00001",
                                                                                           "HEYMARKET_SECRET_KEY": "sk_demo_sandbox_not_a_real_key"]) { $1 },
                                               directory: directory)
        let read = { (name: String) in (try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)) ?? "" }
        #expect(shell.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0 0 0", "\(read("a.txt").suffix(800)) \(read("sandbox.txt").suffix(400))")
        for name in ["a.txt", "b.txt", "c.txt"] {
            // The count, and a process that waited for the others says so (once, not per request).
            #expect(read(name).contains(#"{"count":"#), "\(name): \(read(name).prefix(400))")
            let waits = read(name).components(separatedBy: "for the rate window this key shares with other hmq processes").count - 1
            #expect(waits <= 2, "\(name): \(read(name).prefix(600))")
        }
        // The sandbox's closing line: `1050 requests over 12.5 s (84.0 requests/s) (200: 1050)`.
        let statistics = read("sandbox.txt")
        #expect(statistics.contains("1050 requests over"), "\(statistics.suffix(400))")
        #expect(!statistics.contains("429:"), "no 429 for the three together: \(statistics.suffix(400))")
        if let seconds = statistics.components(separatedBy: "requests over ").last.flatMap({ Double($0.prefix { $0 == "." || $0.isNumber }) }) {
            // Two full windows are spent and the rest waits for the third: at least 12 s, not much more.
            #expect(seconds >= 12 && seconds < 20, "\(seconds) s")
        } else {
            Issue.record("no statistics line: \(statistics.suffix(400))")
        }
        var info = stat()
        let budget = try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("runtime/hmq").path)
        #expect(budget.count == 1 && budget[0].hasPrefix("budget-"), "\(budget)")
        #expect(stat(directory.appendingPathComponent("runtime/hmq/\(budget.first ?? "")").path, &info) == 0 && info.st_mode & 0o777 == 0o600)
        #expect(try !String(contentsOf: directory.appendingPathComponent("runtime/hmq/\(budget.first ?? "")"), encoding: .isoLatin1).contains("sk_demo"))
    }

    /// The JSON objects of `--error-format json`, one per stderr line (every line must be one).
    static func records(_ stderr: String) -> [[String: Any]] {
        stderr.split(separator: "\n").map { line in
            let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            if object == nil { Issue.record("not a JSON object: \(line)") }
            return object ?? [:]
        }
    }

    @Test func errorsAreJSONForProgramsWithTheirPlaceStatusAndRequestID() async throws {
        // A syntax error: the place, the kind and the exit code, and nothing else on stderr.
        let syntax = try await HMQProcess.run(["--sandbox", "--error-format", "json", "-e", "find phone 14155551234 | shwo name"])
        #expect(syntax.status == 3)
        let error = try #require(Self.records(syntax.stderr).first)
        #expect(error["severity"] as? String == "error" && error["kind"] as? String == "syntax" && error["exit_code"] as? Int == 3)
        #expect(error["file"] as? String == "<-e>" && error["line"] as? Int == 1 && error["column"] as? Int == 26 && error["end_column"] as? Int == 30)
        #expect(error["suggestion"] as? String == "did you mean 'show'?")
        for key in ["message", "end_line", "request_id", "values", "status"] { #expect(error.keys.contains(key), "\(key)") }

        // A failed batch: its values, the HTTP status and the server's request id (the test server's are req_chaosN); the same from hmq search.
        let failing = try ChaosServer { _, _ in .answer(status: 503, body: #"{"error":"down"}"#) }
        defer { failing.stop() }
        for args in [["--retries", "1", "-e", "find phone 14155551234, 14155559876 | show id"], ["search", "--retries", "1", "--phone", "14155551234", "--phone", "14155559876"]] {
            let out = try await Self.hmq(failing, ["--error-format", "json"] + args)
            #expect(out.status == 4, "\(args): \(out.stderr)")
            let records = Self.records(out.stderr)
            // Every error line says how the run ends, the first (what stopped it) included.
            for record in records where record["severity"] as? String == "error" {
                #expect(record["exit_code"] as? Int == Int(out.status) && record["kind"] as? String == "api", "\(record)")
            }
            let failed = try #require(records.first { ($0["request_id"] as? String)?.hasPrefix("req_chaos") == true }, "\(out.stderr)")
            #expect(failed["kind"] as? String == "api" && failed["exit_code"] as? Int == 4 && failed["status"] as? Int == 503)
            #expect(failed["values"] as? [String] == ["14155551234", "14155559876"], "\(failed)")
        }

        // A refused credential: authentication, 5, with the 401 and its request id; and a local credential error says nothing was sent.
        let refusing = try ChaosServer { _, _ in .answer(status: 401, body: #"{"error":"bad signature"}"#) }
        defer { refusing.stop() }
        let refused = try await Self.hmq(refusing, ["--error-format", "json", "-e", "find phone 14155551234"])
        #expect(refused.status == 5)
        let auth = try #require(Self.records(refused.stderr).first { $0["severity"] as? String == "error" })
        #expect(auth["kind"] as? String == "authentication" && auth["exit_code"] as? Int == 5 && auth["status"] as? Int == 401
                && (auth["request_id"] as? String)?.hasPrefix("req_chaos") == true, "\(auth)")
        let local = try await Self.hmq(refusing, ["auth", "check"], credentials: ["HEYMARKET_SECRET_ID": "id", "HEYMARKET_SECRET_KEY": "short", "HMQ_ERROR_FORMAT": "json"])
        #expect(local.status == 5)
        let unusable = try #require(Self.records(local.stderr).first)
        #expect(unusable["kind"] as? String == "authentication" && (unusable["message"] as? String)?.contains("nothing was sent") == true, "\(unusable)")

        // A usage error, before any option is understood.
        let usage = try await HMQProcess.run(["--error-format", "json", "--formt", "csv"])
        #expect(usage.status == 2)
        #expect(Self.records(usage.stderr).first?["message"] as? String == "unknown option '--formt'; did you mean '--format'?", "\(usage.stderr)")
        // hmq check: every diagnostic, no summary line.
        let check = try await HMQProcess.run(["check", "--error-format", "json", "-e", "find | x\nfind email | show"])
        #expect(check.status == 3)
        #expect(Self.records(check.stderr).compactMap { $0["line"] as? Int } == [1, 2], "\(check.stderr)")
    }

    /// Each kind of runtime problem has its own `id` in the JSON records, so a
    /// program can branch on it instead of on the message's words.
    @Test func runtimeErrorsAndNotesCarryTheIdOfTheirKind() async throws {
        let cases: [(text: String, status: Int32, id: String)] = [
            ("find phone file \"missing.txt\" | show name", 2, "file-not-found"),
            ("find phone file \".\" | show name", 2, "unreadable-file"),
            ("find csv \"empty.csv\" by phone \"Phone\" | show name", 2, "missing-header"),
            ("find csv \"leads.csv\" by phone \"Mobile\" | show name", 2, "unknown-column"),
            ("find phone 14155551234 | show nmae", 2, "unknown-field"),
            ("find phone 14155551234 | format xml", 2, "unknown-format"),
            ("set batch lots", 2, "invalid-setting"),
            ("$r | show name", 2, "unbound-variable"),
            ("find phone $1 | show name", 2, "unset-variable"),
            ("find phone 14155551234, 12 | show name", 2, "invalid-values"),
            ("find phone 14155551234 | diff \"snapshot.ndjson\"", 2, "malformed-file"),
            ("find phone 14155551234 | shwo name", 3, "unknown-stage"),
            // Notes: the run succeeds, and the note says which kind it is.
            ("find phone 19990000000 | show name", 0, "no-contact"),
            ("find phone 14155551234 | where name > 3 | show name", 0, "type-mismatch"),
        ]
        try await CLISandbox.with { sandbox in
            try sandbox.write("empty.csv", "")
            try sandbox.write("leads.csv", "Name,Phone\nAda,14155551234\n")
            try sandbox.write("snapshot.ndjson", "{\"id\": 1001\nnot json\n")
            var seen: [String: String] = [:]
            for (text, status, id) in cases {
                let out = try await sandbox.hmq(["--error-format", "json", "-e", text])
                #expect(out.status == status, "\(text): \(out.stderr)")
                let records = Self.records(out.stderr)
                let wanted = status == 0 ? "note" : "error"
                let record = try #require(records.first { $0["severity"] as? String == wanted }, "\(text): \(out.stderr)")
                #expect(record["id"] as? String == id, "\(text): \(record)")
                if let other = seen.updateValue(text, forKey: id) { Issue.record("'\(text)' and '\(other)' both gave \(id)") }
            }
        }

        // A failed batch: partial-failure, beside its kind, values and request id.
        let failing = try ChaosServer { _, _ in .answer(status: 503, body: #"{"error":"down"}"#) }
        defer { failing.stop() }
        let out = try await Self.hmq(failing, ["--error-format", "json", "--retries", "1", "-e", "find phone 14155551234 | show id"])
        #expect(out.status == 4, "\(out.stderr)")
        let failed = try #require(Self.records(out.stderr).first { $0["severity"] as? String == "error" })
        #expect(failed["id"] as? String == "partial-failure" && failed["kind"] as? String == "api", "\(failed)")
        // hmq search gives its failed batches and its notes the same ids as a script's lookup.
        let searched = try await Self.hmq(failing, ["--error-format", "json", "--retries", "1", "search", "--phone", "14155551234"])
        #expect(searched.status == 4, "\(searched.stderr)")
        let batch = try #require(Self.records(searched.stderr).first { $0["severity"] as? String == "error" })
        #expect(batch["id"] as? String == "partial-failure" && (batch["values"] as? [String]) == ["14155551234"], "\(batch)")
        try await CLISandbox.with { sandbox in
            let out = try await sandbox.hmq(["--error-format", "json", "search", "--phone", "14155551234", "--phone", "19990000000"])
            #expect(out.status == 0, "\(out.stderr)")
            let note = try #require(Self.records(out.stderr).first { $0["severity"] as? String == "note" }, "\(out.stderr)")
            #expect(note["id"] as? String == "no-contact" && (note["message"] as? String)?.contains("19990000000") == true, "\(note)")
            let invalid = try await sandbox.hmq(["--error-format", "json", "search", "--phone", "123"])
            let errors = Self.records(invalid.stderr).filter { $0["severity"] as? String == "error" }
            #expect(invalid.status == 2 && errors.count == 2 && errors.allSatisfy { $0["id"] as? String == "invalid-values" }, "\(invalid.stderr)")
        }
        // No credentials: no-client, from a script and from hmq search alike.
        for args in [["-e", "find phone 14155551234"], ["search", "--phone", "14155551234"]] {
            let out = try await HMQProcess.run(["--error-format", "json"] + args, environment: ["HEYMARKET_SECRET_ID": "", "HEYMARKET_SECRET_KEY": ""])
            let record = try #require(Self.records(out.stderr).first, "\(args): \(out.stderr)")
            #expect(out.status == 5 && record["id"] as? String == "no-client", "\(args): \(record)")
        }

        // A message that is not a diagnostic of the text has no id, but the key is there.
        let usage = try await HMQProcess.run(["--error-format", "json", "--formt", "csv"])
        let record = try #require(Self.records(usage.stderr).first)
        #expect(record.keys.contains("id") && record["id"] is NSNull, "\(record)")
    }

    /// A budget file another run left damaged (garbage, a pause far beyond any
    /// max_wait) is never obeyed blindly: the run goes on, pacing itself.
    @Test func aDamagedSharedBudgetNeverHoldsARun() async throws {
        let server = try ChaosServer { _, _ in .answer(status: 200, body: "[]") }
        defer { server.stop() }
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let runtime = directory.appendingPathComponent("runtime")
        try FileManager.default.createDirectory(at: runtime, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let environment = Self.credentials.merging(["XDG_RUNTIME_DIR": runtime.path]) { $1 }
        let args = ["--base-url", server.url, "-e", "find phone 14155551234, 14155551235 | count"]
        let first = try await HMQProcess.run(args, environment: environment)
        #expect(first.status == 0, "\(first.stderr)")
        let budgets = try FileManager.default.contentsOfDirectory(atPath: runtime.appendingPathComponent("hmq").path)
        #expect(budgets.count == 1)
        var far = 1e300
        let damages: [Data] = [Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }), Data(bytes: &far, count: 8) + Data(repeating: 0xFF, count: 80),
                               Data("hello world garbage".utf8)]
        for damage in damages {
            for name in budgets { try damage.write(to: runtime.appendingPathComponent("hmq/\(name)")) }
            let out = try await HMQProcess.run(args + ["--max-wait", "5"], environment: environment)
            #expect(out.status == 0 && out.stdout == #"{"count":0}"# + "\n", "\(out.stderr)")
        }
    }

    /// `hmq args` against `server`, with `credentials`.
    static func hmq(_ server: ChaosServer, _ args: [String], credentials: [String: String] = credentials) async throws -> HMQProcess.Output {
        try await HMQProcess.run(["--base-url", server.url, "--rate", "0"] + args, environment: credentials)
    }

    @Test func credentialsUnusableHereAreNotCalledAServerRefusal() async throws {
        let server = try ChaosServer { _, _ in .answer(status: 200, body: "[]") }
        defer { server.stop() }
        let short = ["HEYMARKET_SECRET_ID": "id", "HEYMARKET_SECRET_KEY": "short"]
        for args in [["auth", "check"], ["-e", "find phone 14155551234"], ["search", "--phone", "14155551234"]] {
            let out = try await Self.hmq(server, args, credentials: short)
            #expect(out.status == 5, "\(args): \(out.stderr)")
            #expect(out.stderr.contains("too short") && out.stderr.contains("nothing was sent"), "\(args): \(out.stderr)")
            #expect(!out.stderr.contains("refused") && !out.stderr.contains("401") && !out.stderr.contains("attempt"), "\(args): \(out.stderr)")
        }
        #expect(server.requests.isEmpty, "no request was sent")
    }

    /// An API key no header may carry is refused before anything is sent, and never shown;
    /// a server echoing the key or the token in its request id does not get it printed.
    @Test func aKeyNoHeaderMayCarryIsRefusedHereAndEchoesAreMasked() async throws {
        let server = try ChaosServer { request, _ in
            .answer(status: 500, headers: [("X-Request-Id", request.headers["authorization"] ?? request.headers["Authorization"] ?? "none")], body: #"{"error":"oops"}"#)
        }
        defer { server.stop() }
        for key in ["abc\nX-Injected: yes-secret-part", "SECRETVALUE123\u{01}tail", "two words-secret-part"] {
            let out = try await Self.hmq(server, ["--retries", "1", "-e", "find phone 14155551234 | count"], credentials: ["HEYMARKET_API_KEY": key])
            #expect(out.status == 5, "\(out.stderr)")
            #expect(out.stderr.contains("nothing was sent"), "\(out.stderr)")
            #expect(!out.stderr.contains("secret-part") && !out.stderr.contains("SECRETVALUE123"), "\(out.stderr)")
        }
        #expect(server.requests.isEmpty)
        for credentials in [["HEYMARKET_API_KEY": "LEGACYSECRET0123456789abcdef"], Self.credentials] {
            let out = try await Self.hmq(server, ["--retries", "1", "-e", "find phone 14155551234 | count"], credentials: credentials)
            #expect(out.status == 4, "\(out.stderr)")
            #expect(out.stderr.contains("(request id Bearer ****)"), "\(out.stderr)")
            #expect(!out.stderr.contains("LEGACYSECRET") && !out.stderr.contains("eyJ"), "\(out.stderr)")
        }
    }

    @Test func aServerRefusalSaysSoWithItsStatusAndRequestID() async throws {
        let server = try ChaosServer { _, _ in .answer(status: 401, body: #"{"error":"invalid token"}"#) }
        defer { server.stop() }
        let check = try await Self.hmq(server, ["auth", "check"])
        #expect(check.status == 5)
        #expect(check.stderr.contains("the server refused these credentials (401)") && check.stderr.contains("request id req_chaos"), "\(check.stderr)")
        let find = try await Self.hmq(server, ["-e", "find phone 14155551234"])
        #expect(find.status == 5)
        #expect(find.stderr.contains("the server refused the credentials (HTTP 401") && find.stderr.contains("request id req_chaos"), "\(find.stderr)")
    }

    /// 200 phones, 1415555xxxx from 0000: two batches.
    static let twoHundred = (0..<200).map { String(14_155_550_000 + $0) }

    @Test func oneValueTheServerRejectsDoesNotSinkItsBatch() async throws {
        let bad = "14155550150"
        let server = try ChaosServer { request, _ in
            ChaosServer.phones(in: request.body).contains(bad)
                ? .answer(status: 400, body: #"{"error":"bad_data","message":"invalid channel id: \#(bad)"}"#)
                : .answer(status: 200, body: ChaosTests.contacts(for: request.body))
        }
        defer { server.stop() }
        let directory = try Self.directory(["ids.txt": Self.twoHundred.joined(separator: "\n")])
        let out = try await Self.bounded(["--base-url", server.url, "--rate", "0", "-e", #"find phone file "ids.txt" | show id"#], in: directory)
        #expect(out.status == 4, "a value the server refused is a failure of the run: \(out.stderr)")
        #expect(out.stdout.split(separator: "\n").count == 199, "every other value is answered")
        #expect(!out.stdout.contains(#"{"id":150}"#))
        #expect(out.stderr.contains("invalid channel id: \(bad)") && out.stderr.contains("request id req_chaos"), "\(out.stderr)")
        // Batch 1 once; batch 2 halved down to the one value (here 100, 50, 25, 12, 6, 3, 1): 1 + 2 × 6,
        // far under the bound of 2 × 100 − 1.
        let expected = 1 + 1 + 2 * 6
        #expect(server.requests.count == expected, "\(server.requests.count) requests")

        let listed = try await Self.bounded(["--base-url", server.url, "--rate", "0", "-e",
                                             #"find phone file "ids.txt" | unmatched | show value, reason, detail"#], in: directory)
        #expect(listed.status == 4)
        let rows = listed.stdout.split(separator: "\n")
        #expect(rows.count == 1 && rows.first?.contains(#""value":"\#(bad)","reason":"invalid""#) == true, "\(listed.stdout)")
        #expect(rows.first?.contains("request id req_chaos") == true)

        let report = try await Self.bounded(["search", "--base-url", server.url, "--rate", "0", "--report", "--stdin"], in: directory, stdin: "ids.txt")
        #expect(report.status == 4)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any], "\(report.stderr)")
        #expect((object["contacts"] as? [Any])?.count == 199)
        let invalid = (object["invalid"] as? [[String: Any]] ?? []).compactMap { $0["value"] as? String }
        #expect(invalid == [bad])
        // In exactly one list: invalid, with the server's status and request id; not again under failed.
        let entry = try #require((object["invalid"] as? [[String: Any]])?.first)
        #expect(entry["status"] as? Int == 400 && (entry["request_id"] as? String)?.hasPrefix("req_chaos") == true, "\(entry)")
        #expect((object["failed"] as? [Any])?.isEmpty == true, "\(object["failed"] ?? "")")
        #expect(report.stderr.contains("1 value was refused by the server, alone (the others of its batch were answered)") && !report.stderr.contains("left out"),
                "\(report.stderr)")
    }

    @Test func aRefusalEveryValueGetsAlikeIsNotSplitFurther() async throws {
        let server = try ChaosServer { _, _ in .answer(status: 400, body: #"{"error":"bad_data","message":"malformed body"}"#) }
        defer { server.stop() }
        let directory = try Self.directory(["ids.txt": Self.twoHundred.prefix(100).joined(separator: "\n")])
        let out = try await Self.bounded(["--base-url", server.url, "--rate", "0", "-e", #"find phone file "ids.txt" | show id"#], in: directory)
        #expect(out.status == 4)
        #expect(out.stderr.contains("100 values were not answered") && out.stderr.contains("malformed body"), "\(out.stderr)")
        #expect(server.requests.count == 4, "the batch, its two halves and a quarter (no size limit, then), refused alike: \(server.requests.count)")
    }

    @Test func aServerCappingTheRequestSizeTeachesTheRunItsLimit() async throws {
        let server = try ChaosServer { request, _ in
            ChaosServer.phones(in: request.body).count > 40
                ? .answer(status: 400, body: #"{"error":"bad_data","message":"at most 40 channel ids per request"}"#)
                : .answer(status: 200, body: ChaosTests.contacts(for: request.body))
        }
        defer { server.stop() }
        let directory = try Self.directory(["ids.txt": Self.twoHundred.joined(separator: "\n")])
        let out = try await Self.bounded(["--base-url", server.url, "--rate", "0", "--concurrency", "1", "-e", #"find phone file "ids.txt" | show id"#],
                                         in: directory)
        #expect(out.status == 0, "every value is answered: \(out.stderr)")
        #expect(out.stdout.split(separator: "\n").count == 200)
        let notes = out.stderr.components(separatedBy: "asking at most 25 at a time for the rest of the run").count - 1
        #expect(notes == 1, "said once: \(out.stderr)")
        // Batch 1: refused, its halves refused alike, a quarter answered, then 3 parts of 25; batch 2: 4 parts of 25.
        let expected = 1 + 2 + 1 + 3 + 4
        #expect(server.requests.count == expected, "\(server.requests.count) requests")
        let oversized = server.requests.filter { ChaosServer.phones(in: $0.body).count > 40 }.count
        #expect(oversized == 3, "the batch and its halves; none after the limit was learned")

        // With misses, exact attribution's follow-up questions keep to the size learned too: every miss is proven.
        let found: [String] = (0..<100).map { String(14_155_550_000 + $0) }
        let missing: [String] = (0..<100).map { String(14_165_550_000 + $0) }
        let mixed: [String] = zip(found, missing).flatMap { [$0.0, $0.1] }
        let mixedDirectory = try Self.directory(["ids.txt": mixed.joined(separator: "\n")])
        let before = server.requests.count
        let misses = try await Self.bounded(["--base-url", server.url, "--rate", "0", "--concurrency", "1", "-e", #"find phone file "ids.txt" | unmatched | count by reason"#],
                                            in: mixedDirectory)
        #expect(misses.status == 0, "\(misses.stderr)")
        #expect(misses.stdout == #"{"reason":"no contact","count":100}"# + "\n", "\(misses.stdout) \(misses.stderr)")
        let oversizedAgain = server.requests[before...].filter { ChaosServer.phones(in: $0.body).count > 40 }.count
        #expect(oversizedAgain <= 3, "only the first batch and its halves, before the run learns the size: \(oversizedAgain)")
    }
}
