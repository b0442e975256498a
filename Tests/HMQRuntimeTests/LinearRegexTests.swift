import Foundation
import Testing
import TestSupport

@testable import HMQRuntime

/// `matches` patterns are matched in linear time, and agree with Swift's
/// backtracking Regex wherever the pattern is in the supported syntax.
@Suite struct LinearRegexTests {
    @Test(arguments: [
        ("^ada@", "ada@example.com", true), ("@example\\.com$", "a@example.com", true), ("@example\\.com$", "a@exampleXcom", false),
        ("^\\d{3}-\\d{4}$", "555-1234", true), ("^\\d{3}-\\d{4}$", "5551234", false), ("colou?r", "color", true),
        ("^(a|b)+c$", "ababc", true), ("^(a|b)+c$", "abac c", false), ("[^0-9]", "123", false), ("[a-c]x", "zbx", true),
        ("\\bcat\\b", "a cat!", true), ("\\bcat\\b", "concat", false), ("^$", "", true), ("", "anything", true),
        ("José", "jOSÉ", true), ("(?:ab){2,3}", "xababx", true), ("a{2}", "a", false), ("\\w+@\\w+", "x@y", true),
        ("[\\s]", "a b", true), ("a.c", "a\nc", false), ("x*", "", true), ("(a*)*b", "aaab", true), ("(?<user>\\w+)@", "bob@", true),
    ])
    func matchesLikeAUserExpects(pattern: String, text: String, expected: Bool) throws {
        #expect(try LinearRegex(pattern, caseInsensitive: true).matches(text) == expected, "\(pattern) on \(text)")
    }

    @Test(arguments: ["(?=a)", "(?!a)", "(?<=a)b", "(a)\\1", "a{2,1}", "a{5000}", "[z-a]", "(a", "a)", "*a", "a++", "\\q", "[abc"])
    func unsupportedOrBrokenPatternsAreErrors(pattern: String) {
        #expect(throws: LinearRegex.SyntaxError.self) { _ = try LinearRegex(pattern) }
    }

    /// The classic catastrophic patterns finish at once (a backtracking engine
    /// takes minutes on these); the time limit only guards against a hang.
    @Test(.timeLimit(.minutes(1)), arguments: [
        ("^(a+)+$", String(repeating: "a", count: 5_000) + "!"), ("^(a|aa)+$", String(repeating: "a", count: 5_000) + "!"),
        ("^(a|a?)+$", String(repeating: "a", count: 5_000) + "!"), ("(x+x+)+y", String(repeating: "x", count: 5_000)),
        ("^(\\w+\\s?)+$", String(repeating: "ab ", count: 2_000) + "!"),
    ])
    func pathologicalPatternsDoNotBlowUp(pattern: String, text: String) throws {
        #expect(try LinearRegex(pattern).matches(text) == false)
        #expect(try LinearRegex(pattern).matches(String(text.dropLast())) == !pattern.hasSuffix("y"))
    }

    /// Differential test: random patterns from the supported syntax on random
    /// texts, against Swift's Regex (which, for these small inputs, is fine).
    @Test func agreesWithSwiftRegexOnRandomPatterns() throws {
        var rng = SeededGenerator(seed: 424_242)
        let atoms = ["a", "b", "c", ".", "[ab]", "[^a]", "\\d", "\\w", "x", "(a|b)", "(?:ab)", "(c|)", "1"]
        let quantifiers = ["", "", "", "*", "+", "?", "{2}", "{1,2}", "{0,}"]
        var compared = 0
        for _ in 0..<3_000 {
            var pattern = rng.below(4) == 0 ? "^" : ""
            for _ in 0..<(1 + rng.below(5)) { pattern += atoms[rng.below(atoms.count)] + quantifiers[rng.below(quantifiers.count)] }
            if rng.below(3) == 0 { pattern = "(" + pattern + ")|" + atoms[rng.below(atoms.count)] }
            if rng.below(4) == 0 { pattern += "$" }
            let text = String((0..<rng.below(8)).map { _ in "abcx1 "[String.Index(utf16Offset: rng.below(6), in: "abcx1 ")] })
            guard let swiftRegex = try? Regex(pattern) else { continue }
            let ours = try LinearRegex(pattern)
            let expected = (try? swiftRegex.firstMatch(in: text)) != nil
            #expect(ours.matches(text) == expected, "\(pattern) on \"\(text)\"")
            compared += 1
        }
        #expect(compared > 2_000)
    }
}
