import Foundation
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
        }
    }
}
