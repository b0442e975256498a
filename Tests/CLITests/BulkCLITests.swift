import Foundation
import HeymarketSandbox
import Testing

/// Ids from pipes: `file "-"`, `/dev/stdin`, FIFOs, a path from `$1`, `hmq search --stdin`.
@Suite(.serialized) struct BulkCLITests {
    func ids(_ stdout: String) -> [String] {
        stdout.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["id"].map { "\($0)" }
        }
    }

    @Test func fileDashReadsStandardInputOnceForEveryUse() async throws {
        try await CLISandbox.with { sandbox in
            let stdin = "14155551234\n# a comment\n\n14155559876\n"
            let dash = try await sandbox.hmq(["-e", #"find phone file "-" | show id"#], stdin: stdin)
            #expect(dash.status == 0, "\(dash.stderr)")
            #expect(ids(dash.stdout) == ["1001", "1002"])
            let dev = try await sandbox.hmq(["-e", #"find phone file "/dev/stdin" | show id"#], stdin: stdin)
            #expect(ids(dev.stdout) == ["1001", "1002"])
            // Read once: the second use sees the same values, not an empty stream.
            let twice = try await sandbox.hmq(["-e", #"find phone file "-" | show id; find phone file "/dev/stdin" | show id"#], stdin: stdin)
            #expect(twice.status == 0, "\(twice.stderr)")
            #expect(ids(twice.stdout) == ["1001", "1002", "1001", "1002"])
        }
    }

    @Test func aByteOrderMarkIsNotPartOfTheFirstValue() async throws {
        try await CLISandbox.with { sandbox in
            // Files saved as "UTF-8 with BOM" (Excel, Notepad).
            try sandbox.write("bom.txt", "\u{FEFF}14155551234\n14155559876\n")
            let file = try await sandbox.hmq(["-e", #"find phone file "bom.txt" | show id"#])
            #expect(file.status == 0, "\(file.stderr)")
            #expect(ids(file.stdout) == ["1001", "1002"])
            let stdin = try await sandbox.hmq(["-e", #"find phone file "-" | show id"#], stdin: "\u{FEFF}# phones\n14155551234\n")
            #expect(stdin.status == 0, "\(stdin.stderr)")
            #expect(ids(stdin.stdout) == ["1001"])
            try sandbox.write("bom.csv", "\u{FEFF}phone,name\n14155559876,x\n")
            let csv = try await sandbox.hmq(["-e", #"find phone csv "bom.csv" column "phone" | show id"#])
            #expect(csv.status == 0, "\(csv.stderr)")
            #expect(ids(csv.stdout) == ["1002"])
        }
    }

    @Test func unmatchedThenLimitStopsTheLookup() async throws {
        try await CLISandbox.with { sandbox in
            // 2,000 values that find nothing: 20 batches of 100.
            try sandbox.write("misses.txt", (0..<2000).map { String(19_990_000_000 + $0) + "\n" }.joined())
            let out = try await sandbox.hmq(["--concurrency", "1", "-e", #"find phone file "misses.txt" | unmatched | limit 3 | show value"#])
            #expect(out.status == 0, "\(out.stderr)")
            #expect(out.stdout == #"{"value":"19990000000"}\#n{"value":"19990000001"}\#n{"value":"19990000002"}\#n"#)
            // The first batch gave the three rows: at most the one after it was in flight.
            #expect(sandbox.searchRequests <= 2, "\(sandbox.searchRequests) requests")
        }
    }

    @Test func searchReadsTypedAndBareValuesFromStandardInput() async throws {
        try await CLISandbox.with { sandbox in
            let stdin = "14155551234\n# a comment\n\nemail:jose.nunez@example.com\nfacebook:10001006\n19990000000\n"
            let out = try await sandbox.hmq(["search", "--stdin", "--report"], stdin: stdin)
            #expect(out.status == 0, "\(out.stderr)")
            let report = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
            let contacts = try #require(report["contacts"] as? [[String: Any]])
            #expect(contacts.compactMap { ($0["contact"] as? [String: Any])?["id"] as? Int } == [1001, 1002, 1006])
            #expect((report["unmatched"] as? [[String: Any]])?.map { $0["value"] as? String } == ["19990000000"])

            let bad = try await sandbox.hmq(["search", "--stdin", "--phone", "14155551234"], stdin: "14155559876\nphone:abc\n")
            #expect(bad.status == 2)
            #expect(bad.stderr.contains("stdin:2: phone 'abc'"), "\(bad.stderr)")
            #expect(sandbox.searchRequests == 2)  // the lookup, and exact attribution's proof for 19990000000
        }
    }

    @Test func noValuesAreAnEmptyResultAndInvalidOnesStillGetTheirReport() async throws {
        try await CLISandbox.with { sandbox in
            // No values is an empty result, as `find phone file "empty.txt"` is: exit 0, with a note.
            let empty = try await sandbox.hmq(["search", "--stdin"], stdin: "# nothing\n\n")
            #expect(empty.status == 0, "\(empty.stderr)")
            #expect(empty.stdout == "[]\n")
            #expect(empty.stderr.contains("stdin held no values"))
            let emptyReport = try await sandbox.hmq(["search", "--stdin", "--report"], stdin: "")
            #expect(emptyReport.status == 0, "\(emptyReport.stderr)")
            let nothing = try #require(try JSONSerialization.jsonObject(with: Data(emptyReport.stdout.utf8)) as? [String: Any])
            #expect((nothing["contacts"] as? [Any])?.isEmpty == true && nothing["requests"] as? Int == 0)

            // An invalid value stops the run (exit 2), and --report still prints its object, naming it.
            let bad = try await sandbox.hmq(["search", "--report", "--phone", "abc", "--phone", "14155551234"])
            #expect(bad.status == 2, "\(bad.stderr)")
            let report = try #require(try JSONSerialization.jsonObject(with: Data(bad.stdout.utf8)) as? [String: Any], "\(bad.stdout)")
            let invalid = try #require(report["invalid"] as? [[String: Any]])
            #expect(invalid.map { $0["value"] as? String } == ["abc"])
            // The valid value beside it is in a list too: not searched, as the run stopped first.
            #expect((report["not_searched"] as? [[String: Any]])?.map { $0["value"] as? String } == ["14155551234"], "\(bad.stdout)")
            #expect((report["contacts"] as? [Any])?.isEmpty == true && report["requests"] as? Int == 0)
            #expect(bad.stderr.contains("nothing was sent"))
            #expect(sandbox.searchRequests == 0)
        }
    }

    @Test func closedOrOddStandardStreamsAreErrorsNotCrashes() async throws {
        try await CLISandbox.with { sandbox in
            let script = """
                "$HMQ" --base-url \(sandbox.url) search --stdin <&-; echo "closed stdin $?"
                "$HMQ" --base-url \(sandbox.url) -e 'find phone file "-" | count' < /tmp; echo "directory $?"
                "$HMQ" --base-url \(sandbox.url) search --phone 14155551234 > /dev/full; echo "full $?"
                "$HMQ" --base-url \(sandbox.url) search --dry-run --phone 14155551234; echo "dry run $?"
                """
            let out = try await HMQProcess.shell(script, environment: CLISandbox.credentials)
            #expect(out.stdout == "closed stdin 2\ndirectory 2\nfull 2\ndry run 2\n", "\(out.stderr)")
            #expect(out.stderr.contains("stdin is closed"))
            #expect(out.stderr.contains("stdin is a directory"))
            #expect(out.stderr.contains("cannot write output: No space left on device"))
            #expect(out.stderr.contains("--dry-run applies to hmq text"))
            #expect(!out.stderr.contains("Backtrac"))
            // The dry run and the refusals sent nothing; the /dev/full run sent its one request.
            #expect(sandbox.searchRequests == 1)
        }
    }

    /// A FIFO nobody writes to blocks in open(2), which cancellation cannot
    /// interrupt: SIGTERM still ends hmq after the grace period.
    @Test func sigtermEndsARunStuckOpeningAFIFO() async throws {
        try await CLISandbox.with { sandbox in
            let fifo = sandbox.directory.appendingPathComponent("nobody.fifo").path
            #expect(mkfifo(fifo, 0o600) == 0)
            let script = """
                "$HMQ" --base-url \(sandbox.url) -e 'find phone file "\(fifo)" | count' & pid=$!
                sleep 1; kill -TERM $pid
                # Up to 200 polls of 0.1 s; a hmq still running then is killed (status 137, failing the test).
                for i in $(seq 200); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
                kill -KILL $pid 2>/dev/null; wait $pid; echo "status $?"
                """
            // hmq ends 3 s after SIGTERM, not never (a bound counted in polls, not read from a clock).
            let out = try await HMQProcess.shell(script, environment: CLISandbox.credentials)
            // 130 from hmq's own handler; 143 if the signal came before hmq installed it.
            #expect(["status 130\n", "status 143\n"].contains(out.stdout), "\(out.stdout) \(out.stderr)")
        }
    }

    /// `hmq ... | head -1`: when the reader goes, hmq stops within a poll
    /// interval, even while a request is still out and no row will come.
    @Test func aReaderThatGoesAwayEndsTheLookupAtOnce() async throws {
        var configuration = SandboxConfiguration()
        configuration.faults = FaultInjection(latency: 60)
        try await CLISandbox.with(configuration) { sandbox in
            // The request would take 60 s: hmq must not wait for it. A wait ends in
            // timeout's SIGKILL (status 137) long before (a generous bound for a loaded machine).
            let script = "timeout -s KILL 30 \"$HMQ\" --base-url \(sandbox.url) -e 'find phone 14155551234 | show id' | true; echo \"status ${PIPESTATUS[0]}\""
            let out = try await HMQProcess.shell(script, environment: CLISandbox.credentials)
            #expect(out.stdout == "status 0\n", "\(out.stderr)")
            #expect(out.stderr.isEmpty)
        }
    }

    @Test func aPathFromAParameterAndAFIFO() async throws {
        try await CLISandbox.with { sandbox in
            try sandbox.write("p.txt", "14155559876\n")
            try sandbox.write("s.hmq", "find phone file $1 | show id\n")
            let fromFile = try await sandbox.hmq(["s.hmq", "p.txt"])
            #expect(fromFile.status == 0, "\(fromFile.stderr)")
            #expect(ids(fromFile.stdout) == ["1002"])
            let fromStdin = try await sandbox.hmq(["s.hmq", "-"], stdin: "14155551234\n")
            #expect(ids(fromStdin.stdout) == ["1001"])
            let missing = try await sandbox.hmq(["s.hmq", "nope.txt"])
            #expect(missing.status == 2)
            #expect(missing.stderr.contains("nope.txt"))
            #expect(sandbox.searchRequests == 2)

            let fifo = sandbox.directory.appendingPathComponent("ids.fifo").path
            #expect(mkfifo(fifo, 0o600) == 0)
            // A writer that opens the FIFO only once hmq opens it for reading.
            let writer = Thread {
                guard let handle = FileHandle(forWritingAtPath: fifo) else { return }
                handle.write(Data("14155551234\n14155559876\n".utf8))
                try? handle.close()
            }
            writer.start()
            let fromFIFO = try await sandbox.hmq(["s.hmq", fifo])
            #expect(fromFIFO.status == 0, "\(fromFIFO.stderr)")
            #expect(ids(fromFIFO.stdout) == ["1001", "1002"])

            // A process substitution named twice in one run: both uses see its values.
            let twice = try await HMQProcess.shell(
                "\"$HMQ\" --base-url \(sandbox.url) -e 'find phone file $1 | show id' -e 'find phone file $1 | show id' <(printf '14155551234\\n')",
                environment: CLISandbox.credentials, directory: sandbox.directory)
            #expect(twice.status == 0, "\(twice.stderr)")
            #expect(ids(twice.stdout) == ["1001", "1001"])

            // One stream under several names (`-` and `/dev/fd/0`): read once, both uses see it.
            let names = try await sandbox.hmq(["-e", #"find phone file "-" | show id"#, "-e", #"find phone file "/dev/fd/0" | show id"#], stdin: "14155551234\n")
            #expect(names.status == 0, "\(names.stderr)")
            #expect(ids(names.stdout) == ["1001", "1001"])
            // A closed stdin is not an empty one.
            let closed = try await HMQProcess.shell("\"$HMQ\" --base-url \(sandbox.url) -e 'find phone file \"-\" | count' <&-",
                                                    environment: CLISandbox.credentials, directory: sandbox.directory)
            #expect(closed.status == 2)
            #expect(closed.stderr.contains("stdin is closed"), "\(closed.stderr)")
            // A stream with no line breaks is refused, not spooled until the disk is full.
            let zero = try await sandbox.hmq(["-e", #"find phone file "/dev/zero" | count"#])
            #expect(zero.status == 2)
            #expect(zero.stderr.contains("/dev/zero:1 is longer than 64 KiB"), "\(zero.stderr)")
            // The first line too long is the one named, though it ends in the next chunk read.
            let long = String(repeating: "1", count: 100_000) + "\n" + String(repeating: "2", count: 100_000) + "\n"
            let first = try await sandbox.hmq(["-e", #"find phone file "-" | count"#], stdin: long)
            #expect(first.status == 2 && first.stderr.contains("stdin:1 is longer than 64 KiB"), "\(first.stderr)")

            // A script that came on stdin cannot read values from it too.
            let scriptOnStdin = try await sandbox.hmq([], stdin: #"find phone file "-" | count"# + "\n")
            #expect(scriptOnStdin.status == 2)
            #expect(scriptOnStdin.stderr.contains("stdin holds the script itself"), "\(scriptOnStdin.stderr)")
        }
    }
}
