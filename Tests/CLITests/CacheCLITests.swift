import Foundation
import HeymarketSandbox
import Testing

/// The answer cache across processes, as cron jobs and scripts meet it: off
/// unless asked for, then shared by every hmq run on the same server and key.
@Suite struct CacheCLITests {
    @Test func theSameLookupTwiceSendsNothingANewValueGoesAloneAndRefreshAsksAgain() async throws {
        try await CLISandbox.with { sandbox in
            let env = ["XDG_CACHE_HOME": sandbox.directory.appendingPathComponent("cache").path]
            let lookup = ["-f", "csv", "-e", "find phone 14155551234, email jose.nunez@example.com, phone 14155550000 | show name, matched"]
            let first = try await sandbox.hmq(["--cache", "5m"] + lookup, env: env)
            #expect(first.status == 0, "\(first.stderr)")
            let afterFirst = sandbox.searchRequests
            let second = try await sandbox.hmq(["--cache", "5m"] + lookup, env: env)
            #expect(sandbox.searchRequests == afterFirst, "asked again: nothing sent")
            #expect(second.stdout == first.stdout && second.stderr == first.stderr && second.status == first.status, "\(second.all)")
            // Only for a run that asks for it: a script is fresh by default.
            _ = try await sandbox.hmq(lookup, env: env)
            #expect(sandbox.searchRequests > afterFirst)
            // A value asked alone is known whole; with one new value: one request, holding the new one alone.
            _ = try await sandbox.hmq(["--cache", "5m", "-e", "find phone 14155551234"], env: env)
            let (requests, ids) = (sandbox.searchRequests, sandbox.service.statistics.idsSearched)
            let grown = try await sandbox.hmq(["--cache", "5m", "-f", "csv", "-e", "find phone 14155551234, 14155552003 | show name"], env: env.merging(["HMQ_CACHE": "off"]) { $1 })
            #expect(grown.stdout == "name\nAda Lovelace\n李小龍\n", "\(grown.all)")
            #expect(sandbox.searchRequests == requests + 1 && sandbox.service.statistics.idsSearched == ids + 1)
            // HMQ_CACHE, and hmq search, read the same cache.
            let env5m = env.merging(["HMQ_CACHE": "5m"]) { $1 }
            let before = sandbox.searchRequests
            let search = try await sandbox.hmq(["search", "--phone", "14155552003", "--phone", "14155550000"], env: env5m)
            #expect(search.status == 0 && search.stdout.contains("李小龍") && search.stderr.contains("14155550000"), "\(search.all)")
            #expect(sandbox.searchRequests == before)
            // --refresh asks anyway.
            _ = try await sandbox.hmq(["--refresh"] + lookup, env: env5m)
            #expect(sandbox.searchRequests > before)
            // A checkpointed run does not read it (its batches must be the same ones when it resumes).
            let checkpointed = sandbox.searchRequests
            _ = try await sandbox.hmq(["--checkpoint", "run.ckpt"] + lookup, env: env5m)
            #expect(sandbox.searchRequests > checkpointed)
        }
    }

    @Test func unmatchedNotesAndExitStatusReadAsWithoutTheCache() async throws {
        try await CLISandbox.with { sandbox in
            let env = ["XDG_CACHE_HOME": sandbox.directory.appendingPathComponent("cache").path, "HMQ_CACHE": "1h"]
            try sandbox.write("ids.txt", "14155551234\n14155550000\nada@example.com\n+1 415 555 1234\n14155559876\nnobody@example.net\n")
            for script in [#"find phone file "ids.txt" | unmatched"#, #"find any file "ids.txt" | show name, matched"#, #"explain find any file "ids.txt""#] {
                let fresh = try await sandbox.hmq(["-f", "csv", "-e", script], env: ["HMQ_CACHE": "off"])
                let warm = try await sandbox.hmq(["-f", "csv", "-e", script], env: env)
                let cached = try await sandbox.hmq(["-f", "csv", "-e", script], env: env)
                if script.hasPrefix("explain") {
                    // What the cache answers is not sent: explain says so and shows no request.
                    #expect(cached.stdout.contains("answered from the cache") && !cached.stdout.contains("POST"), "\(cached.stdout)")
                    continue
                }
                #expect(warm.stdout == fresh.stdout && cached.stdout == fresh.stdout, "\(script): \(fresh.stdout) / \(cached.stdout)")
                #expect(cached.stderr == fresh.stderr && cached.status == fresh.status, "\(script): \(cached.stderr)")
            }
        }
    }

    @Test func aBadDurationIsAUsageError() async throws {
        try await CLISandbox.with { sandbox in
            for bad in ["5x", "-1", "31d", "soon"] {
                let out = try await sandbox.hmq(["--cache=\(bad)", "-e", "find phone 14155551234"])
                #expect(out.status == 2 && out.stderr.contains("'cache' takes a duration from 1s to 30d"), "\(bad): \(out.stderr)")
            }
            let set = try await sandbox.hmq(["-e", "set cache sometimes"])
            #expect(set.status == 2 && set.stderr.contains("'cache' takes a duration"), "\(set.stderr)")
            #expect(sandbox.searchRequests == 0)
        }
    }
}
