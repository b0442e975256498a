import Foundation
import HMQSyntax
import Testing

@testable import HMQRuntime

/// A lookup reads a file more than once: the passes must see the same file.
@Suite struct ValueFilesTests {
    func temporaryFile(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hmq-values-test-\(UUID()).txt").path
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    func literal(_ path: String) -> StringLiteral { StringLiteral(value: path, range: SourceRange(start: 0, end: 0)) }

    func readAll(_ opened: ValueFiles.Opened) throws -> [String] {
        let reader = ValueFiles.LineReader(opened)
        var values: [String] = []
        while let next = try reader.next() { values.append(next.value) }
        return values
    }

    @Test func aFileChangedBetweenPassesIsAnErrorNotLostValues() throws {
        let path = try temporaryFile("14155551234\n14155559876\n")
        defer { unlink(path) }
        let opened = try ValueFiles.open(literal(path))
        #expect(try readAll(opened) == ["14155551234", "14155559876"])
        // Appended to, then truncated, between two passes.
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data("14155550000\n".utf8))
        try handle.close()
        #expect(throws: RuntimeError.self) { try readAll(opened) }
        do {
            _ = try readAll(opened)
        } catch let error as RuntimeError {
            #expect(error.diagnostic.message.contains("changed while hmq read it"), "\(error.diagnostic.message)")
        }
        #expect(truncate(path, 5) == 0)
        #expect(throws: RuntimeError.self) { try readAll(opened) }
    }

    @Test func aFileReplacedBetweenPassesIsStillReadAsItWasOpened() throws {
        let path = try temporaryFile("14155551234\n")
        let other = try temporaryFile("19990000000\n19990000001\n")
        defer { unlink(path) }
        let opened = try ValueFiles.open(literal(path))
        #expect(try readAll(opened) == ["14155551234"])
        // An editor's save: a new file renamed over the old one.
        #expect(rename(other, path) == 0)
        #expect(try readAll(opened) == ["14155551234"])
    }

    /// Reading `text` fails with a message holding `expected`.
    func expectRefused(_ text: String, saying expected: String) throws {
        let path = try temporaryFile(text)
        defer { unlink(path) }
        do {
            _ = try readAll(try ValueFiles.open(literal(path)))
            Issue.record("read without an error; expected one saying \(expected)")
        } catch let error as RuntimeError {
            #expect(error.diagnostic.message.contains(expected), "\(error.diagnostic.message)")
        }
    }

    @Test func aLineOfMoreThan64KiBIsRefusedWithItsLineNumber() throws {
        try expectRefused("14155551234\n" + String(repeating: "1", count: 1_000_000) + "\n", saying: ":2 is longer than 64 KiB")
        // CR line endings alone (classic Mac) read as one line: refused, with the likely cause.
        try expectRefused((0..<10_000).map { String(14_155_550_000 + $0) }.joined(separator: "\r"), saying: "CR alone")
    }
}
