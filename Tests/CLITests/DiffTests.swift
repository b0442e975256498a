import Foundation
import HMQJSON
import Heymarket
import HeymarketSandbox
import Testing

/// `| diff "snapshot"`: only what changed since a snapshot, for cron.
@Suite struct DiffTests {
    static func rows(_ ndjson: String) throws -> [JSONObject] {
        try ndjson.split(separator: "\n").map { line in
            guard case .object(let o) = try JSONParser.parse(String(line)) else { throw CLIError("not an object: \(line)") }
            return o
        }
    }

    struct CLIError: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }

    @Test func aSnapshotComparedWithItselfShowsNothingAndAChangeIsShownWithItsOldValue() async throws {
        try await CLISandbox.with { sandbox in
            let query = "find phone 14155551234, 14155559876, 14155552003 | show id, name, is_opted_out"
            let saved = try await sandbox.hmq(["-e", query + #" | save "vips.ndjson""#])
            #expect(saved.status == 0, "\(saved.stderr)")
            let same = try await sandbox.hmq(["-e", query + #" | diff "vips.ndjson" --exit-code"#])
            #expect(same.status == 0, "\(same.stderr)")
            #expect(same.stdout.isEmpty)

            // The snapshot had Ada opted out, José under another name, 1003 missing and 7 present.
            var lines = try Self.rows(try sandbox.read("vips.ndjson"))
            lines[0] = JSONObject(lines[0].members.map { $0.key == "is_opted_out" ? .init(key: $0.key, value: .bool(true)) : $0 })
            lines[1] = JSONObject(lines[1].members.map { $0.key == "name" ? .init(key: $0.key, value: .string("Old Name")) : $0 })
            lines.remove(at: 2)
            lines.append(JSONObject([.init(key: "id", value: .integer(7)), .init(key: "name", value: .string("Gone")), .init(key: "is_opted_out", value: .bool(false))]))
            try sandbox.write("vips.ndjson", lines.map { JSONWriter().string(.object($0)) }.joined(separator: "\n") + "\n")

            let changed = try await sandbox.hmq(["-e", query + #" | diff "vips.ndjson" --exit-code | format ndjson"#])
            #expect(changed.status == 1, "\(changed.stderr)")
            let out = try Self.rows(changed.stdout)
            #expect(out.map { $0["change"]?.stringValue } == ["changed", "changed", "added", "removed"])
            #expect(out.map { $0["id"]?.integerValue } == [1001, 1002, 1003, 7])
            #expect(out[0]["changed"] == .array(["is_opted_out"]))
            #expect(out[0]["old"] == .object(JSONObject([.init(key: "is_opted_out", value: .bool(true))])))
            #expect(out[0]["is_opted_out"] == .bool(false))
            #expect(out[1]["old"] == .object(JSONObject([.init(key: "name", value: .string("Old Name"))])))
            #expect(out[2]["old"] == .null && out[3]["name"]?.stringValue == "Gone")
            // Without --exit-code a change is no failure.
            let plain = try await sandbox.hmq(["-e", query + #" | diff "vips.ndjson""#])
            #expect(plain.status == 0)
        }
    }

    @Test func rowsMatchByAnotherFieldAndAJSONArrayIsASnapshotToo() async throws {
        try await CLISandbox.with { sandbox in
            try sandbox.write("emails.json", #"[{"email":"ada@example.com","id":1},{"email":"old@example.com","id":2}]"#)
            let out = try await sandbox.hmq(["-e", #"find email ada@example.com | show email, id | diff "emails.json" by email | format csv"#])
            #expect(out.status == 0, "\(out.stderr)")
            #expect(out.stdout.split(separator: "\n").first == "change,email,id,changed,old")
            #expect(out.stdout.contains("changed,ada@example.com,1001,"))
            #expect(out.stdout.contains("removed,old@example.com,2,"))
        }
    }

    @Test func aSnapshotThatCannotServeIsAnErrorBeforeAnythingIsSent() async throws {
        try await CLISandbox.with { sandbox in
            try sandbox.write("twice.ndjson", "{\"id\":1}\n{\"id\":1}\n")
            try sandbox.write("nokey.ndjson", "{\"name\":\"x\"}\n")
            try sandbox.write("broken.ndjson", "{\"id\":1}\nnot json\n")
            let cases: [(String, String)] = [
                (#"diff "missing.ndjson""#, "no such file: missing.ndjson"),
                (#"diff "twice.ndjson""#, "id 1 is in the snapshot twice"),
                (#"diff "nokey.ndjson""#, "nokey.ndjson:1 has no id to match rows by"),
                (#"diff "broken.ndjson""#, "broken.ndjson:2:"),
                (#"diff "twice.ndjson" --colour"#, "diff has no option --colour"),
            ]
            for (stage, message) in cases {
                let out = try await sandbox.hmq(["-e", "find phone 14155551234 | " + stage])
                #expect(out.status == 2, "\(stage): \(out.stderr)")
                #expect(out.stderr.contains(message), "\(stage): \(out.stderr)")
            }
            #expect(sandbox.searchRequests == 0)
        }
    }

    /// A snapshot saved masked compares with rows masked the same way; two different rows of one key are an error, not a silent drop.
    @Test func maskedSnapshotsCompareAndRepeatedKeysAreNotDropped() async throws {
        try await CLISandbox.with { sandbox in
            let query = "find phone 14155551234, 14155559876 | show id, name, phone, email"
            for mode in ["hash", "on"] {
                _ = try await sandbox.hmq(["--mask", mode, "-e", query + #" | save "masked.ndjson""#])
                let same = try await sandbox.hmq(["--mask", mode, "-e", query + #" | diff "masked.ndjson" --exit-code"#])
                #expect(same.status == 0 && same.stdout.isEmpty, "\(mode): \(same.stdout)")
            }
            try sandbox.write("leads.csv", "Name,Phone\nA,14155551234\nB,14155551234\n")
            try sandbox.write("snap.ndjson", "{\"id\":1001,\"input.Name\":\"A\"}\n")
            let repeated = try await sandbox.hmq(["-e", #"find csv "leads.csv" by phone "Phone" | show id, input.Name | diff "snap.ndjson""#])
            #expect(repeated.status == 2 && repeated.stderr.contains("two different rows have id 1001"), "\(repeated.stderr)")
        }
    }
}
