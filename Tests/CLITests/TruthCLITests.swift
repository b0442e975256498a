import Foundation
import HeymarketSandbox
import Testing

/// Every input gets a true outcome: values found through channels no field
/// shows, failed batches, invalid values, and the semantics users act on.
@Suite(.serialized) struct TruthCLITests {
    /// The phones the demo dataset hides on contacts (DemoDataset.hiddenChannels): 1212300xxxx.
    static let hiddenPhones = (0..<320).filter { $0 % 25 == 9 }.map { "1212300" + String(format: "%04d", $0) }

    func json(_ line: Substring) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    @Test func aValueFoundOnlyThroughAHiddenChannelIsMatched() async throws {
        try await CLISandbox.with { sandbox in
            let out = try await sandbox.hmq(["-e", "find phone 12123000009 | show id, phone, matched"])
            #expect(out.status == 0)
            #expect(out.stdout == #"{"id":1010,"phone":"14155552010","matched":["12123000009"]}"# + "\n")
            #expect(out.stderr.isEmpty, "no note may call it unmatched: \(out.stderr)")
            let report = try await sandbox.hmq(["search", "--report", "--phone", "12123000009"])
            let object = try json(Substring(report.stdout))
            #expect((object["unmatched"] as? [Any])?.isEmpty == true)
            let contacts = try #require(object["contacts"] as? [[String: Any]])
            #expect((contacts.first?["matched"] as? [[String: Any]])?.first?["value"] as? String == "12123000009")
        }
    }

    @Test func untiedValuesOfABatchWithAnUntiedContactAreUndeterminedNeverNoContact() async throws {
        try await CLISandbox.with { sandbox in
            let values = Self.hiddenPhones + ["19990000000", "19990000001", "14155552011"]
            let out = try await sandbox.hmq(["--attribution", "fast", "-e", "find phone \(values.joined(separator: ", ")) | unmatched"])
            #expect(out.status == 0, "\(out.stderr)")
            let rows = try out.stdout.split(separator: "\n").map(json)
            #expect(rows.count == Self.hiddenPhones.count + 2)
            for row in rows {
                #expect(row["reason"] as? String == "undetermined", "\(row)")
            }
            // Without `| unmatched`, the note says undetermined, not "matched no contact".
            let noted = try await sandbox.hmq(["--attribution", "fast", "-e", "find phone \(values.joined(separator: ", ")) | count"])
            #expect(noted.stdout == #"{"count":\#(Self.hiddenPhones.count + 1)}"# + "\n")
            #expect(noted.stderr.contains("\(Self.hiddenPhones.count + 2) values undetermined"))
            #expect(!noted.stderr.contains("matched no contact"))
            // The report says the same.
            let report = try await sandbox.hmq(["search", "--report", "--attribution", "fast"] + values.map { "--phone=\($0)" })
            let object = try json(Substring(report.stdout))
            #expect((object["unmatched"] as? [Any])?.isEmpty == true)
            #expect((object["undetermined"] as? [Any])?.count == Self.hiddenPhones.count + 2)
        }
    }

    /// A hidden phone whose contact comes back tied by a field to another value
    /// of the batch: fast cannot tell it found nothing, so it is undetermined;
    /// exact (the default) asks and finds it matched.
    @Test func aHiddenValueBesideItsContactsVisibleValueIsNeverNoContact() async throws {
        try await CLISandbox.with { sandbox in
            let query = "find phone 14155552010, 12123000009, 19990000000 | unmatched"
            let fast = try await sandbox.hmq(["--attribution", "fast", "-e", query])
            #expect(fast.status == 0, "\(fast.stderr)")
            let fastRows = try fast.stdout.split(separator: "\n").map(json)
            #expect(fastRows.map { $0["value"] as? String } == ["12123000009", "19990000000"])
            #expect(fastRows.allSatisfy { $0["reason"] as? String == "undetermined" })
            let exact = try await sandbox.hmq(["-e", query])
            #expect(exact.status == 0, "\(exact.stderr)")
            let exactRows = try exact.stdout.split(separator: "\n").map(json)
            #expect(exactRows.map { $0["value"] as? String } == ["19990000000"])
            #expect(exactRows.first?["reason"] as? String == "no contact")
        }
    }

    @Test func exactAttributionEndsEveryValueMatchedOrUnmatchedWithinTheBoundExplainPrints() async throws {
        try await CLISandbox.with { sandbox in
            let misses = (0..<30).map { "1999000" + String(format: "%04d", $0) }
            let found = (0..<30).map { String(14_155_552_100 + $0 * 3) }
            var values: [String] = []
            for i in 0..<30 { values += [found[i], misses[i]] + (i < Self.hiddenPhones.count ? [Self.hiddenPhones[i]] : []) }
            try sandbox.write("phones.txt", values.joined(separator: "\n") + "\n")
            let flags = ["--attribution", "exact", "--batch", "20"]
            let explained = try await sandbox.hmq(flags + ["--dry-run", "-e", #"find phone file "phones.txt""#])
            #expect(explained.status == 0, "\(explained.stderr)")
            let header = try #require(explained.stdout.split(separator: "\n").first)
            let requests = try #require(Int(header.split(separator: " ")[5]))
            let boundLine = try #require(explained.stdout.split(separator: "\n").first { $0.hasPrefix("# attribution exact: up to ") })
            let bound = try #require(Int(boundLine.split(separator: " ")[5]))
            // 73 values in batches of 20, 20, 20 and 13: at most 2 × values − 2 more per batch.
            #expect(values.count == 73 && requests == 4 && bound == 3 * 38 + 24)

            let before = sandbox.searchRequests
            let out = try await sandbox.hmq(flags + ["-e", #"find phone file "phones.txt" | unmatched"#])
            #expect(out.status == 0, "\(out.stderr)")
            let rows = try out.stdout.split(separator: "\n").map(json)
            #expect(rows.allSatisfy { $0["reason"] as? String == "no contact" }, "\(rows)")
            #expect(Set(rows.compactMap { $0["value"] as? String }) == Set(misses + found.filter { (Int($0)! - 14_155_551_000 - 1001) % 29 == 28 }))
            let sent = sandbox.searchRequests - before
            #expect(sent > requests, "exact attribution asked again")
            #expect(sent <= requests + bound, "\(sent) requests, explain said at most \(requests) + \(bound)")

            let shown = try await sandbox.hmq(flags + ["-e", #"find phone file "phones.txt" | show id, matched"#])
            for row in try shown.stdout.split(separator: "\n").map(json) {
                #expect(row["matched"] is [Any], "every contact is tied to the values that found it: \(row)")
            }
        }
    }

    @Test func everyRequestFailingPrintsNoAggregateAndNamesEveryValue() async throws {
        var configuration = SandboxConfiguration()
        configuration.faults.serverErrorRate = 1
        try await CLISandbox.with(configuration) { sandbox in
            let out = try await sandbox.hmq(["--retries", "2", "-e", "find phone 14155551234, 19990000000 | count"])
            #expect(out.status == 4)
            #expect(out.stdout.isEmpty, "a count of nothing is not an answer: \(out.stdout)")
            #expect(out.stderr.contains("2 values were not answered"))
            #expect(out.stderr.contains("'count' printed nothing"))
            #expect(out.stderr.contains("not answered: 14155551234, 19990000000"))
            #expect(!out.stderr.contains("matched no contact"))
            let listed = try await sandbox.hmq(["--retries", "1", "-e", "find phone 14155551234, 19990000000 | unmatched"])
            #expect(listed.status == 4)
            let rows = try listed.stdout.split(separator: "\n").map(json)
            #expect(rows.map { $0["reason"] as? String } == ["failed", "failed"])
            #expect(rows.allSatisfy { ($0["detail"] as? String)?.contains("request id req_") == true })
        }
    }

    @Test func halfTheBatchesFailingStreamsTheRowsFoundAndNamesTheRest() async throws {
        var configuration = SandboxConfiguration()
        configuration.faults.serverErrorRate = 0.5
        configuration.faults.seed = 3
        try await CLISandbox.with(configuration) { sandbox in
            let values = (0..<40).map { String(14_155_552_010 + $0) }
            try sandbox.write("p.txt", values.joined(separator: "\n"))
            let out = try await sandbox.hmq(["--retries", "1", "--batch", "10", "--concurrency", "1", "-e", #"find phone file "p.txt" | show id, matched"#])
            #expect(out.status == 4)
            let rows = try out.stdout.split(separator: "\n").map(json)
            let matched = Set(rows.flatMap { ($0["matched"] as? [String]) ?? [] })
            let failedLine = try #require(out.stderr.split(separator: "\n").first { $0.contains("= not answered: ") })
            let named = failedLine.components(separatedBy: "not answered: ")[1].components(separatedBy: ", ").filter { !$0.hasPrefix("…") }
            let countLine = try #require(out.stderr.split(separator: "\n").first { $0.contains(" values were not answered") })
            let failedCount = try #require(Int(countLine.components(separatedBy: "error: ")[1].prefix { $0.isNumber }))
            #expect(!rows.isEmpty && failedCount > 0)
            #expect(failedCount % 10 == 0, "whole batches fail")
            #expect(named.count == min(20, failedCount))
            #expect(matched.isDisjoint(with: named))
            #expect(matched.count + failedCount <= 40)
        }
    }

    @Test func invalidValuesStopBeforeAnyRequestAndSayWhere() async throws {
        try await CLISandbox.with { sandbox in
            try sandbox.write("p.txt", "14155551234\nabc\n# a comment\n+44 (0)20 7946 0958\n415 555 1234 ext. 12\n")
            try sandbox.write("leads.csv", "Name,Email\nAda,ada@example.com\n\"Multi\nline\",not-an-email\n")
            let cases: [([String], String)] = [
                (["-e", #"find phone file "p.txt" | show id"#], "p.txt:2: phone 'abc'"),
                (["-e", #"find email csv "leads.csv" column "Email""#], #"leads.csv:3, column "Email": email 'not-an-email'"#),
                (["--var", "who=nobody", "-e", "find email $who"], "--var who: email 'nobody'"),
                (["--dry-run", "-e", #"find phone file "p.txt""#], "p.txt:5: phone '415 555 1234 ext. 12'"),
            ]
            for (args, expected) in cases {
                let before = sandbox.searchRequests
                let out = try await sandbox.hmq(args)
                #expect(out.status == 2, "\(args)")
                #expect(out.stderr.contains(expected), "\(out.stderr)")
                #expect(out.stderr.contains("nothing was sent"))
                #expect(sandbox.searchRequests == before, "nothing may be sent")
            }
            try sandbox.write("s.hmq", "find phone 14155551234\nfind phone $1 | show id\n")
            let script = try await sandbox.hmq(["s.hmq", "12x"])
            #expect(script.status == 2)
            #expect(script.stderr.contains("= $1: phone '12x'"))
            #expect(script.stdout.isEmpty, "the first statement does not run either")

            let skipped = try await sandbox.hmq(["--skip-invalid", "-e", #"find phone file "p.txt" | unmatched"#])
            #expect(skipped.status == 0)
            let rows = try skipped.stdout.split(separator: "\n").map(json)
            #expect(rows.filter { $0["reason"] as? String == "invalid" }.compactMap { $0["detail"] as? String }.map { $0.prefix(9) } == ["p.txt:2: ", "p.txt:5: "])
        }
    }

    @Test func phoneNumbersAreReadAsPeopleWriteThem() async throws {
        try await CLISandbox.with { sandbox in
            let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("grammar/examples/25-settings.hmq")
            let out = try await sandbox.hmq(["--dry-run", example.path])
            #expect(out.status == 0, "\(out.stderr)")
            #expect(out.stdout.contains(#"["442079460958"]"#))
            let intl = try await sandbox.hmq(["--dry-run", "-e", #"find phone "+44 (0)20 7946 0958", "0044 20 7946 0958", "011 44 20 7946 0958""#])
            #expect(intl.stdout.contains(#""channel_ids":["442079460958"]"#), "\(intl.stdout)")
            #expect(intl.stdout.hasPrefix("# 3 values, 1 distinct"))
        }
    }

    @Test func saveEndsAPipelineAndTxtHoldsOneValuePerLine() async throws {
        try await CLISandbox.with { sandbox in
            let after = try await sandbox.hmq(["-e", #"find phone 14155551234 | save "b.csv" | count"#])
            #expect(after.status == 3)
            #expect(after.stderr.contains("nothing can follow 'save'"))
            #expect(after.stderr.contains("^~~~~"))
            #expect(!FileManager.default.fileExists(atPath: sandbox.directory.appendingPathComponent("b.csv").path))
            let checked = try await HMQProcess.run(["check", "-e", #"find phone 1 | save "b.csv" | count"#])
            #expect(checked.status == 3)

            try sandbox.write("phones.txt", "14155551234\n19990000000\n19990000001\n")
            let saved = try await sandbox.hmq(["-e", #"find phone file "phones.txt" | unmatched | save "misses.txt""#])
            #expect(saved.status == 0, "\(saved.stderr)")
            #expect(try sandbox.read("misses.txt") == "19990000000\n19990000001\n")
            let again = try await sandbox.hmq(["-e", #"find phone file "misses.txt" | unmatched | show value | save "misses2.txt""#])
            #expect(again.status == 0)
            #expect(try sandbox.read("misses2.txt") == "19990000000\n19990000001\n")
            let wide = try await sandbox.hmq(["-e", #"find phone 14155551234 | show id, name | save "x.txt""#])
            #expect(wide.status == 2)
            #expect(wide.stderr.contains("one value per line needs one column"))
        }
    }

    @Test func aValueOfTheWrongShapeDoesNotMatchAndIsNotedOnce() async throws {
        try await CLISandbox.with { sandbox in
            // Tags are lists; `email` is text: `has` on it matches nothing, with one note, and the query goes on.
            let out = try await sandbox.hmq(["-e", #"find phone 14155551234, 14155559876 | where email has "x" or id == 1002 | show id"#])
            #expect(out.status == 0, "\(out.stderr)")
            #expect(out.stdout == #"{"id":1002}"# + "\n")
            #expect(out.stderr.contains("2 rows did not match: 'has' tests a list, and 'email' was the text"), "\(out.stderr)")
        }
    }

    @Test func duplicateColumnNamesInShowAreAnError() async throws {
        let out = try await HMQProcess.run(["check", "-e", "find phone 1 | show id as x, name as x"])
        #expect(out.status == 3)
        #expect(out.stderr.contains("<-e>:1:38: error: column 'x' appears twice in this show"))
    }

    @Test func aFieldNameGetsTheSameVerdictWhateverTheData() async throws {
        try await CLISandbox.with { sandbox in
            for source in ["find phone 14155551234", "find phone 19990000000"] {
                let far = try await sandbox.hmq(["-e", source + #" | where lifecycle_stage == "active" | count"#])
                #expect(far.status == 0, "a name far from every known field is a field these contacts lack: \(far.stderr)")
                #expect(far.stdout == #"{"count":0}"# + "\n")
                let typo = try await sandbox.hmq(["-e", source + #" | where nmae == "x""#])
                #expect(typo.status == 2)
                #expect(typo.stderr.contains("unknown field 'nmae'") && typo.stderr.contains("did you mean 'name'?"))
            }
            let shown = try await sandbox.hmq(["-e", "find phone 14155551234 | show id, phone | where idd > 1"])
            #expect(shown.status == 2)
            #expect(shown.stderr.contains("did you mean 'id'?"))
        }
    }

    /// Every example in grammar/examples runs against the sandbox as written.
    @Test func everyGrammarExampleRuns() async throws {
        let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("grammar/examples")
        let files = try FileManager.default.contentsOfDirectory(atPath: examples.path).filter { $0.hasSuffix(".hmq") }.sorted()
        #expect(files.count >= 25)
        try await CLISandbox.with { sandbox in
            try sandbox.write("phones.txt", (0..<150).map { String(14_155_552_000 + $0) }.joined(separator: "\n") + "\n14155551234\n")
            try sandbox.write("leads.csv", "Name,Email,Phone\nAda,ada@example.com,14155551234\nJosé,jose.nunez@example.com,(415) 555-9876\n")
            try sandbox.write("snapshot.ndjson", "{\"id\":1001,\"name\":\"Ada\",\"is_opted_out\":true}\n{\"id\":7,\"name\":\"Gone\"}\n")
            try sandbox.write("emails.json", "[{\"id\":1001,\"email\":\"ada@example.com\"}]")
            try sandbox.write("leads.ndjson", "{\"name\":\"Ada\",\"email\":\"ada@example.com\"}\n{\"name\":\"Nobody\",\"email\":\"nobody@example.org\"}\n")
            for file in files {
                // Example 31 takes a file of numbers as its argument; the others take a number.
                let argument = file == "31-file-argument.hmq" ? "phones.txt" : "14155551234"
                let out = try await sandbox.hmq(["--var", "who=ada@example.com", examples.appendingPathComponent(file).path, argument],
                                                env: ["HMQ_PHONE": "14155552003"])
                #expect(out.status == 0, "\(file): \(out.stderr)")
                // These write files (or, for the escapes, find no one in the demo data).
                let quiet = ["06-file-of-phones.hmq", "08-unmatched.hmq", "29-escapes.hmq", "30-save-format.hmq"]
                #expect(!out.stdout.isEmpty || quiet.contains(file), "\(file) printed nothing")
            }
        }
    }
}
