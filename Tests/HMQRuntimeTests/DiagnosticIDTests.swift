import Foundation
import HMQSyntax
import Heymarket
import Testing

@testable import HMQRuntime

/// Diagnostic ids are what programs branch on: each kind of problem has its
/// own, written once, documented, and never the same as another's.
@Suite struct DiagnosticIDTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Every `static let NAME = DiagnosticID(rawValue: "VALUE")` of a source file, with whether a `///` line precedes it.
    static func definitions(in path: String) throws -> [(name: String, value: String, documented: Bool)] {
        let text = try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let pattern = try Regex(#"^\s*public static let (\w+) = DiagnosticID\(rawValue: "([^"]*)"\)$"#)
        var found: [(String, String, Bool)] = []
        for (i, line) in lines.enumerated() {
            guard line.contains("DiagnosticID(rawValue:") else { continue }
            guard let match = try pattern.wholeMatch(in: line), let name = match.output[1].substring, let value = match.output[2].substring else {
                Issue.record("\(path): not one id definition on one line: \(line)")
                continue
            }
            found.append((String(name), String(value), i > 0 && lines[i - 1].trimmingCharacters(in: .whitespaces).hasPrefix("///")))
        }
        return found
    }

    @Test func noTwoRuntimeIdsShareARawValueAndEachIsKebabCaseDocumentedAndInTheReadme() throws {
        let runtime = try Self.definitions(in: "Sources/HMQRuntime/RuntimeDiagnosticID.swift")
        let syntax = try Self.definitions(in: "Sources/HMQSyntax/Diagnostics/Diagnostic.swift")
        #expect(runtime.count >= 30, "\(runtime.count)")
        #expect(syntax.count >= 17, "\(syntax.count)")
        var owners: [String: String] = [:]
        for (name, value, _) in syntax + runtime {
            if let other = owners.updateValue(name, forKey: value) { Issue.record("'\(value)' is both .\(other) and .\(name)") }
        }
        #expect(Set((syntax + runtime).map(\.name)).count == syntax.count + runtime.count, "a name defined twice")
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        let kebab = try Regex("^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
        for (name, value, documented) in syntax + runtime {
            #expect(try kebab.wholeMatch(in: value) != nil, "\(name): '\(value)' is not kebab-case")
            #expect(documented, "\(name) has no /// line")
            #expect(readme.contains("`\(value)`"), "README.md does not list `\(value)`")
        }
        // The id no diagnostic should carry any more.
        #expect(owners["runtime"] == nil)
    }

    @Test func theOutcomeNotesHaveAnIdEach() {
        let ids = LookupSummary.NoteKind.allCases.map(\.noteID)
        #expect(Set(ids).count == ids.count)
        #expect(LookupSummary.NoteKind.unmatched.noteID.rawValue == "no-contact")
        #expect(LookupSummary.NoteKind.refused.noteID.rawValue == "refused-values")
    }

    @Test func aRuntimeErrorCarriesTheIdItWasRaisedWith() {
        let range = SourceRange(start: 0, end: 4)
        #expect(RuntimeError.at(range, .fileNotFound, "no such file: x").diagnostic.id.rawValue == "file-not-found")
        #expect(RuntimeError.partialFailure([], range: range).diagnostic.id == .attributionIncomplete)
    }
}
