import Foundation
import HMQSystem
import Testing
import TestSupport

@testable import HMQRuntime

/// Files hmq writes and programs it starts: links written through, modes kept,
/// nothing left behind.
@Suite(.serialized) struct FileAndProcessTests {
    func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hmq-files-\(UUID())")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func mode(_ path: String) throws -> Int {
        try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    @Test func aLinkIsWrittenThroughAndTheTargetKeepsItsMode() throws {
        let dir = try folder()
        let target = dir.appendingPathComponent("real.csv").path
        let link = dir.appendingPathComponent("link.csv").path
        try Data("old\n".utf8).write(to: URL(fileURLWithPath: target))
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: target)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "real.csv")
        try AtomicFile.write(link) { try $0.write("new\n") }
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "new\n")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == "real.csv", "the link stays a link")
        #expect(try mode(target) == 0o640)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["link.csv", "real.csv"], "no temporary file left")
    }

    @Test func aNewFileGetsTheModeAskedForWhateverTheUmask() throws {
        let dir = try folder()
        let path = dir.appendingPathComponent("rows.csv").path
        let old = umask(0)
        defer { umask(old) }
        let file = try AtomicFile(path)
        try file.sink.write("x\n")
        try file.commit()
        #expect(try mode(path) == 0o600, "rows of contact data are for their owner")
    }

    @Test func anAbortedWriteLeavesTheFileAndNoTemporary() throws {
        let dir = try folder()
        let path = dir.appendingPathComponent("keep.csv").path
        try Data("keep\n".utf8).write(to: URL(fileURLWithPath: path))
        struct Stop: Error {}
        #expect(throws: Stop.self) { try AtomicFile.write(path) { sink in try sink.write("partial"); throw Stop() } }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "keep\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["keep.csv"])
    }

    @Test(.timeLimit(.minutes(1))) func aChildThatIgnoresSIGTERMIsKilledWithWhatItStarted() throws {
        let marker = "31.\(Int.random(in: 100_000...999_999))"
        let child = try ChildProcess(executable: "/bin/sh", arguments: ["-c", "trap '' TERM; sleep \(marker) & sleep \(marker); wait"])
        usleep(200_000)
        let ended = child.terminate(grace: 0.5)
        #expect(ended == .signalled(SIGKILL))
        usleep(200_000)
        #expect(try !aProcessIsRunning(matching: "sleep \(marker)"), "nothing it started is left running")
    }

    @Test func aChildSeesSIGPIPEAtItsDefault() throws {
        // hmq ignores SIGPIPE for itself; a plugin must not inherit that.
        let previous = signal(SIGPIPE, SIG_IGN)
        defer { signal(SIGPIPE, previous) }
        let child = try ChildProcess(executable: "/bin/sh", arguments: ["-c", "grep SigIgn /proc/self/status"])
        #expect(child.wait(timeout: 5) == .exited(0))
        var buffer = [UInt8](repeating: 0, count: 256)
        let n = read(child.output, &buffer, buffer.count)
        let line = String(decoding: buffer[0..<max(0, n)], as: UTF8.self)
        let mask = UInt64(line.split(separator: "\t").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "", radix: 16) ?? 1 << 12
        #expect(mask & (1 << (UInt64(SIGPIPE) - 1)) == 0, "SIGPIPE is not ignored in the child: \(line)")
    }
}
