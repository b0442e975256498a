import Foundation
import HeymarketSandbox
import Testing

/// `--checkpoint FILE`: a run killed at any point and run again gives exactly
/// the output of a run never stopped, and sends no journaled batch again.
@Suite(.serialized) struct CheckpointTests {
    static let script = #"find phone file "p.txt" | show id, phone; find phone file "p.txt" | unmatched"#

    func write(_ sandbox: CLISandbox) throws {
        // 40 batches of 50; the demo contacts sit among the first few hundred numbers.
        try sandbox.write("p.txt", (0..<2_000).map { String(14_155_552_000 + $0) }.joined(separator: "\n") + "\n")
    }

    /// Runs the script with `journal` once per delay, killing it (`SIGKILL`) when it
    /// is still running after that delay; how many runs were killed.
    func killedRuns(_ sandbox: CLISandbox, journal: String, options: [String], after delays: [Double]) async throws -> Int {
        var kills = 0
        for delay in delays {
            let process = Process()
            process.executableURL = HMQProcess.binary
            process.currentDirectoryURL = sandbox.directory
            process.arguments = ["--base-url", sandbox.url, "--checkpoint", journal] + options + ["-e", Self.script]
            process.environment = HMQProcess.environment(adding: CLISandbox.credentials)
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            try await Task.sleep(for: .seconds(delay))
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                kills += 1
            }
            process.waitUntilExit()
        }
        return kills
    }

    @Test func killedFiveTimesThenRunAgainGivesTheUninterruptedOutput() async throws {
        var configuration = SandboxConfiguration()
        configuration.faults = FaultInjection(latency: 0.15)
        try await CLISandbox.with(configuration) { sandbox in
            try write(sandbox)
            // Fast attribution: one request per batch, so requests count batches.
            let options = ["--batch", "50", "--concurrency", "2", "--rate", "off", "--attribution", "fast"]
            let whole = try await sandbox.hmq(options + ["-e", Self.script])
            #expect(whole.status == 0, "\(whole.stderr)")
            let wholeRequests = sandbox.searchRequests
            #expect(wholeRequests == 40)

            let journal = sandbox.directory.appendingPathComponent("run.ckpt").path
            let kills = try await killedRuns(sandbox, journal: journal, options: options, after: [0.4, 0.9, 0.2, 1.3, 0.6])
            #expect(kills >= 1)
            // On a loaded machine the kills may all come before the first answer.
            let journaled = (try? String(contentsOfFile: journal, encoding: .utf8))?.components(separatedBy: #""batch":"#).count ?? 1
            let resumed = try await sandbox.hmq(["--checkpoint", journal] + options + ["-e", Self.script])
            #expect(resumed.status == 0, "\(resumed.stderr)")
            #expect(resumed.stderr.contains("resuming from checkpoint") == (journaled > 1))
            #expect(resumed.stdout == whole.stdout)
            #expect(resumed.stdout.contains(#""reason":"no contact""#))
            // Every batch answered once, but for those in flight (2 at most) at each kill.
            let sent = sandbox.searchRequests - wholeRequests
            #expect(sent >= 40 && sent <= 40 + 2 * kills, "\(sent) requests for 40 batches and \(kills) kills")

            // Once complete, running it again sends nothing and prints the same.
            let again = try await sandbox.hmq(["--checkpoint", journal] + options + ["-e", Self.script])
            #expect(again.stdout == whole.stdout)
            #expect(again.stderr.contains("40 of 40 batches were answered before"), "\(again.stderr)")
            #expect(sandbox.searchRequests - wholeRequests == sent)

            // Exact attribution's findings are journaled too: a replay asks nothing and prints the same.
            let exact = ["--batch", "50", "--rate", "off", "--attribution", "exact"]
            let exactWhole = try await sandbox.hmq(exact + ["-e", Self.script])
            let recorded = try await sandbox.hmq(["--checkpoint", "exact.ckpt"] + exact + ["-e", Self.script])
            let asked = sandbox.searchRequests
            let replayed = try await sandbox.hmq(["--checkpoint", "exact.ckpt"] + exact + ["-e", Self.script])
            #expect(recorded.stdout == exactWhole.stdout)
            #expect(replayed.stdout == exactWhole.stdout)
            #expect(sandbox.searchRequests == asked)
        }
    }

    @Test func exactAttributionKilledAnywhereThenRunAgainGivesTheUninterruptedOutput() async throws {
        var configuration = SandboxConfiguration()
        configuration.faults = FaultInjection(latency: 0.05)
        try await CLISandbox.with(configuration) { sandbox in
            // Exact attribution (the default) holds answered batches while their questions share
            // requests with later batches'; the demo's second phones (found only through a channel
            // no field shows, 1212300 and the contact's index) make some questions split their batch.
            var phones = (0..<2_000).map { String(14_155_552_000 + $0) }
            for (n, i) in stride(from: 9, to: 320, by: 25).enumerated() { phones.insert("1212300" + String(format: "%04d", i), at: 40 + n * 150) }
            try sandbox.write("p.txt", phones.joined(separator: "\n") + "\n")
            let options = ["--batch", "50", "--concurrency", "2", "--rate", "off"]
            let whole = try await sandbox.hmq(options + ["-e", Self.script])
            #expect(whole.status == 0, "\(whole.stderr)")
            // A second phone is matched (not listed), the misses are proven, nothing is left undetermined.
            #expect(!whole.stdout.contains("12123000009") && whole.stdout.contains(#""reason":"no contact""#) && !whole.stdout.contains("undetermined"))

            let journal = sandbox.directory.appendingPathComponent("exact.ckpt").path
            let kills = try await killedRuns(sandbox, journal: journal, options: options, after: [0.5, 1.1, 0.3, 1.6])
            #expect(kills >= 1)
            let resumed = try await sandbox.hmq(["--checkpoint", journal] + options + ["-e", Self.script])
            #expect(resumed.status == 0, "\(resumed.stderr)")
            #expect(resumed.stdout == whole.stdout)
            // Once complete, it replays with no request.
            let asked = sandbox.searchRequests
            let again = try await sandbox.hmq(["--checkpoint", journal] + options + ["-e", Self.script])
            #expect(again.stdout == whole.stdout && sandbox.searchRequests == asked)
        }
    }

    @Test func aCheckpointForOtherInputsOrSettingsIsRefusedAndSendsNothing() async throws {
        try await CLISandbox.with { sandbox in
            try write(sandbox)
            let first = try await sandbox.hmq(["--checkpoint", "c.ckpt", "--batch", "50", "-e", Self.script])
            #expect(first.status == 0)
            let before = sandbox.searchRequests
            for (options, why) in [(["--batch", "40"], "had 40 batches, this run's has 50"),
                                   (["--batch", "50", "--attribution", "fast"], "made with attribution exact, this run uses fast")] {
                let other = try await sandbox.hmq(["--checkpoint", "c.ckpt"] + options + ["-e", Self.script])
                #expect(other.status == 2)
                #expect(other.stderr.contains("'c.ckpt' was made for other inputs or settings"), "\(other.stderr)")
                #expect(other.stderr.contains(why), "\(other.stderr)")
                #expect(!other.stderr.contains("resuming"))
                #expect(other.stdout.isEmpty)
            }
            // Another server (the embedded sandbox is one).
            let elsewhere = try await HMQProcess.run(["--sandbox", "--checkpoint", "c.ckpt", "--batch", "50", "-e", Self.script], directory: sandbox.directory)
            #expect(elsewhere.status == 2)
            #expect(elsewhere.stderr.contains("made against \(sandbox.url), this run asks the embedded sandbox"), "\(elsewhere.stderr)")
            try sandbox.write("p.txt", "14155551234\n")
            #expect(try await sandbox.hmq(["--checkpoint", "c.ckpt", "--batch", "50", "-e", Self.script]).status == 2)
            #expect(sandbox.searchRequests == before)

            // Not a checkpoint, a symbolic link, a torn last line.
            // A file that is not a checkpoint is left exactly as it was (no last line cut, no mode changed).
            try sandbox.write("notes.txt", "name,email\nAda,ada@example.com\nBob,bob@example.com")
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: sandbox.directory.appendingPathComponent("notes.txt").path)
            let notOurs = try await sandbox.hmq(["--checkpoint", "notes.txt", "-e", Self.script])
            #expect(notOurs.status == 2)
            #expect(notOurs.stderr.contains("is not an hmq checkpoint"))
            #expect(try sandbox.read("notes.txt") == "name,email\nAda,ada@example.com\nBob,bob@example.com")
            #expect(try FileManager.default.attributesOfItem(atPath: sandbox.directory.appendingPathComponent("notes.txt").path)[.posixPermissions] as? Int == 0o644)
            try FileManager.default.createSymbolicLink(atPath: sandbox.directory.appendingPathComponent("link").path, withDestinationPath: "c.ckpt")
            let link = try await sandbox.hmq(["--checkpoint", "link", "--batch", "50", "-e", Self.script])
            #expect(link.status == 2)
            #expect(link.stderr.contains("symbolic link"))
            // A journal another run holds.
            let held = open(sandbox.directory.appendingPathComponent("c.ckpt").path, O_RDONLY)
            #expect(flock(held, LOCK_EX | LOCK_NB) == 0)
            let busy = try await sandbox.hmq(["--checkpoint", "c.ckpt", "--batch", "50", "-e", Self.script])
            close(held)
            #expect(busy.status == 2)
            #expect(busy.stderr.contains("in use by another hmq run"), "\(busy.stderr)")
            #expect(!busy.stderr.contains("resuming"))
            #expect(sandbox.searchRequests == before)
            let mode = try FileManager.default.attributesOfItem(atPath: sandbox.directory.appendingPathComponent("c.ckpt").path)[.posixPermissions] as? Int
            #expect(mode == 0o600)
            // An empty file made beforehand with a wider mode is narrowed once it holds contacts.
            try sandbox.write("made.ckpt", "")
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: sandbox.directory.appendingPathComponent("made.ckpt").path)
            #expect(try await sandbox.hmq(["--checkpoint", "made.ckpt", "-e", Self.script]).status == 0)
            #expect(try FileManager.default.attributesOfItem(atPath: sandbox.directory.appendingPathComponent("made.ckpt").path)[.posixPermissions] as? Int == 0o600)
        }
    }

    @Test func aDamagedJournalIsRefusedNamingTheLineNeverReadInPart() async throws {
        try await CLISandbox.with { sandbox in
            try write(sandbox)
            let options = ["--checkpoint", "d.ckpt", "--batch", "50", "--rate", "off", "--attribution", "exact"]
            let whole = try await sandbox.hmq(options + ["-e", Self.script])
            #expect(whole.status == 0, "\(whole.stderr)")
            let good = try sandbox.read("d.ckpt")
            let lines = good.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let probed = try #require(lines.firstIndex { $0.contains(#""findings":{"hits":["#) && $0.contains(#""contacts":[{"#) })
            let firstBatch = try #require(lines.firstIndex { $0.contains(#""batch":"#) })
            let before = sandbox.searchRequests
            // A finding put first in the line's list of hits.
            let hits = lines[probed].contains(#""hits":[]"#) ? (#""hits":[]"#, "]") : (#""hits":["#, ",")
            // (what is changed, on which line, what the error says)
            let damage: [(from: String, to: String, line: Int, says: String)] = [
                (hits.0, #""hits":[[0,99]"# + hits.1, probed, "naming a contact its"),
                (hits.0, #""hits":[[999,0]"# + hits.1, probed, "names value 1000, and the batch holds 50"),
                (hits.0, #""hits":[[-1,0]"# + hits.1, probed, "not a pair of indexes"),
                (#""contacts":[{"#, #""contacts":[7,{"#, probed, "contact 1 of batch"),
                (#""findings":{"hits":"#, #""findings":{"hats":"#, probed, "findings are not a list"),
                (#""batch":"#, #""batch":4000,"x":"#, firstBatch, "no batch number"),
                (#"{"lookup""#, #"[{"lookup""#, firstBatch, "not a JSON object"),
            ]
            for d in damage {
                var changed = lines
                changed[d.line] = changed[d.line].replacingOccurrences(of: d.from, with: d.to, options: [], range: changed[d.line].range(of: d.from))
                try sandbox.write("d.ckpt", changed.joined(separator: "\n"))
                let run = try await sandbox.hmq(options + ["-e", Self.script])
                #expect(run.status == 2, "\(d.to): \(run.stderr)")
                #expect(run.stderr.contains("checkpoint damaged at line \(d.line + 1) of 'd.ckpt'") && run.stderr.contains(d.says), "\(d.to): \(run.stderr)")
                #expect(!run.stderr.contains("Fatal error"))
                #expect(run.stdout.isEmpty, "nothing of a damaged journal is printed")
                #expect(try sandbox.read("d.ckpt") == changed.joined(separator: "\n"), "a damaged journal is left as it was")
            }
            // Findings cut short (values proven unmatched left out): journaled as settled, they no longer settle the batch.
            let cut = lines[probed].replacingOccurrences(of: #""unmatched":\[[0-9,]+\]"#, with: #""unmatched":[]"#, options: .regularExpression)
            #expect(cut != lines[probed], "the probed batch proved some values unmatched: \(lines[probed].prefix(300))")
            var shortened = lines
            shortened[probed] = cut
            try sandbox.write("d.ckpt", shortened.joined(separator: "\n"))
            let unsettled = try await sandbox.hmq(options + ["-e", Self.script])
            #expect(unsettled.status == 2, "\(unsettled.stderr)")
            #expect(unsettled.stderr.contains("checkpoint damaged at line \(probed + 1) of 'd.ckpt'") && unsettled.stderr.contains("leave")
                    && unsettled.stderr.contains("undetermined"), "\(unsettled.stderr)")
            #expect(sandbox.searchRequests == before, "a damaged journal sends nothing")
            try sandbox.write("d.ckpt", good)
            let replayed = try await sandbox.hmq(options + ["-e", Self.script])
            #expect(replayed.stdout == whole.stdout && replayed.status == 0, "\(replayed.stderr)")
            #expect(sandbox.searchRequests == before)
        }
    }

    @Test func aCheckpointOfAnotherAccountIsRefusedAndHoldsNoCredential() async throws {
        try await CLISandbox.with { sandbox in
            try write(sandbox)
            let options = ["--checkpoint", "a.ckpt", "--batch", "500", "--rate", "off"]
            let first = try await sandbox.hmq(options + ["-e", Self.script])
            #expect(first.status == 0, "\(first.stderr)")
            let journal = try sandbox.read("a.ckpt")
            for secret in CLISandbox.credentials.values { #expect(!journal.contains(secret), "the journal holds no credential") }
            let before = sandbox.searchRequests
            for other in [["HEYMARKET_SECRET_KEY": "sk_another_account_key_0123456789"],
                          ["HEYMARKET_SECRET_ID": "another-account", "HEYMARKET_SECRET_KEY": CLISandbox.credentials["HEYMARKET_SECRET_KEY"] ?? ""]] {
                let run = try await sandbox.hmq(options + ["-e", Self.script], env: other)
                #expect(run.status == 2, "\(run.stderr)")
                #expect(run.stderr.contains("'a.ckpt' was made for other inputs or settings: it was made with other credentials"), "\(run.stderr)")
                #expect(run.stdout.isEmpty, "no contact of the first account is shown")
            }
            #expect(sandbox.searchRequests == before)
            let again = try await sandbox.hmq(options + ["-e", Self.script])
            #expect(again.stdout == first.stdout && sandbox.searchRequests == before)
            #expect(again.stderr.contains("4 of 4 batches were answered before"), "\(again.stderr)")
            // One batch: "was".
            for _ in 0..<2 { _ = try await sandbox.hmq(["--checkpoint", "one.ckpt", "-e", "find phone 14155551234"]) }
            let one = try await sandbox.hmq(["--checkpoint", "one.ckpt", "-e", "find phone 14155551234"])
            #expect(one.stderr.contains("1 of 1 batch was answered before and is not sent again"), "\(one.stderr)")
        }
    }

    @Test func aTornLastLineIsDroppedAndThatBatchAskedAgain() async throws {
        try await CLISandbox.with { sandbox in
            try write(sandbox)
            let options = ["--checkpoint", "t.ckpt", "--batch", "500", "--rate", "off", "--attribution", "fast"]
            let whole = try await sandbox.hmq(options + ["-e", Self.script])
            let path = sandbox.directory.appendingPathComponent("t.ckpt")
            var text = try sandbox.read("t.ckpt")
            // Cut the last record in half, as a kill in the middle of its write would.
            let lastStart = text.dropLast().lastIndex(of: "\n")!
            text = String(text[...lastStart]) + String(text[text.index(after: lastStart)...].prefix(40))
            try Data(text.utf8).write(to: path)
            let before = sandbox.searchRequests
            let resumed = try await sandbox.hmq(options + ["-e", Self.script])
            #expect(resumed.status == 0, "\(resumed.stderr)")
            #expect(resumed.stdout == whole.stdout)
            #expect(sandbox.searchRequests == before + 1)
            #expect(try sandbox.read("t.ckpt").hasSuffix("}\n"))
        }
    }
}
