import Foundation
import Testing

@Suite struct SyntaxCLITests {
    func temporaryFile(_ text: String, name: String = "script.hmq") throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hmq-cli-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url
    }

    @Test func checkShowsEveryErrorWithCaretsAndExitsThree() async throws {
        let url = try temporaryFile("""
            find phone 14155551234 | shwo name
            find email "José@example.com" | where tags has vip
            find 1 |
            """)
        let out = try await HMQProcess.run(["check", url.path])
        #expect(out.status == 3)
        #expect(out.stdout.isEmpty)
        #expect(out.stderr.contains("\(url.path):1:26: error: unknown stage 'shwo'"))
        #expect(out.stderr.contains("^~~~ did you mean 'show'?"))
        #expect(out.stderr.contains("\(url.path):2:48: error: expected a value after 'has', found 'vip'; quote text values"))
        #expect(out.stderr.contains("\(url.path):3:9: error: expected a stage after '|', found end of input"))
        #expect(out.stderr.contains("3 errors"))
        #expect(!out.stderr.contains("\u{1B}["), "no colour when stderr is not a terminal")
    }

    @Test func checkOfACleanFileExitsZero() async throws {
        let url = try temporaryFile("find phone 14155551234 | show name\n")
        let out = try await HMQProcess.run(["check", url.path, "-e", "find 1"])
        #expect(out.status == 0)
        #expect(out.all.isEmpty)
    }

    @Test func checkReadsStdinAndRejectsMissingFiles() async throws {
        #expect(try await HMQProcess.run(["check", "-"], stdin: "find 1 | show x\n").status == 0)
        #expect(try await HMQProcess.run(["check", "-"], stdin: "find 1 | sho x\n").status == 3)
        let missing = try await HMQProcess.run(["check", "/nonexistent/x.hmq"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("no such file: /nonexistent/x.hmq"))
    }

    @Test func fmtPrintsAndRewritesCanonically() async throws {
        let url = try temporaryFile("# keep me\nFIND  phone 1,phone 2|show name   # and me\n")
        let printed = try await HMQProcess.run(["fmt", url.path])
        #expect(printed.status == 0)
        #expect(printed.stdout == "# keep me\nfind phone 1, 2 | show name  # and me\n")
        let written = try await HMQProcess.run(["fmt", "--write", url.path])
        #expect(written.status == 0)
        #expect(try String(contentsOf: url, encoding: .utf8) == printed.stdout)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path)
        #expect(leftovers == ["script.hmq"], "no temporary file left behind")
    }

    @Test func fmtLeavesAFileWithErrorsAlone() async throws {
        let original = "find 1 | shwo x\n"
        let url = try temporaryFile(original)
        let out = try await HMQProcess.run(["fmt", "--write", url.path])
        #expect(out.status == 3)
        #expect(try String(contentsOf: url, encoding: .utf8) == original)
    }
}
