import HMQLanguage
import HMQRuntime
import HMQSyntax
import Testing

/// Every example `.help` shows is hmq text that parses.
@Suite struct HelpTests {
    static var examples: [(topic: String, line: String)] {
        var examples: [(String, String)] = []
        for (topic, text) in Help(LanguageVocabulary(registry: PluginRegistry())).topics where !["keys", "commands"].contains(topic) {
            for raw in text.split(separator: "\n") where raw.hasPrefix("  ") {
                var line = raw.trimmingCharacters(in: .whitespaces)
                if let hash = line.range(of: "  #") { line = String(line[..<hash.lowerBound]).trimmingCharacters(in: .whitespaces) }
                if line.hasPrefix("|") { line = "find phone 14155551234 " + line }
                if line.hasPrefix("$") { line = "let team = find 1\n" + line }
                examples.append((topic, line))
            }
        }
        return examples
    }

    @Test func thereAreExamples() {
        #expect(Self.examples.count >= 30)
    }

    @Test(arguments: examples.map { "\($0.topic): \($0.line)" })
    func parses(example: String) {
        let text = String(example.drop { $0 != ":" }.dropFirst(2))
        let parsed = Parser.parse(text, name: "help")
        #expect(parsed.diagnostics.isEmpty, "\(example)\n\(DiagnosticRenderer().render(parsed.diagnostics, in: Source(name: "help", text: text)))")
    }
}
