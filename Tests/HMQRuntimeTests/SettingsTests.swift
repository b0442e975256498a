import Foundation
import Testing

@testable import HMQRuntime

/// The one table of settings, and everything it drives.
@Suite struct SettingsTests {
    @Test func everyDefaultReadsBackAsItself() throws {
        let defaults = Settings(format: "table")
        for descriptor in Settings.descriptors {
            var copy = defaults
            try descriptor.apply(defaults.value(of: descriptor), to: &copy)
            #expect(copy == defaults, "\(descriptor.name)")
        }
    }

    @Test func theREADMEListsEverySettingWithItsFlagAndVariable() throws {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        let rows = text.split(separator: "\n").filter { $0.hasPrefix("| `") }
        for descriptor in Settings.descriptors {
            let row = rows.first { $0.hasPrefix("| `\(descriptor.name)` |") }
            #expect(row?.contains("`\(descriptor.flag)`") == true, "README's settings table: \(descriptor.name) with \(descriptor.flag)")
            #expect(row?.contains("`\(descriptor.environmentVariable)`") == true, "README's settings table: \(descriptor.environmentVariable)")
        }
    }

    @Test(arguments: [
        ("500", RateLimit(requests: 500, window: 60)), ("500/60s", RateLimit(requests: 500, window: 60)),
        ("8/1s", RateLimit(requests: 8, window: 1)), ("100/s", RateLimit(requests: 100, window: 1)),
        ("30000/1h", RateLimit(requests: 30000, window: 3600)), ("500/2m", RateLimit(requests: 500, window: 120)),
    ])
    func ratesRead(text: String, expected: RateLimit) throws {
        #expect(try RateLimit.parse(text) == expected)
    }

    @Test(arguments: [("90", 90.0), ("90s", 90.0), ("2m", 120.0), ("1.5m", 90.0), (" 45 ", 45.0), ("3600", 3600.0)])
    func maxWaitReadsSecondsAndMinutes(text: String, seconds: Double) throws {
        var settings = Settings()
        try settings.apply("max_wait", text)
        #expect(settings.maxWait == seconds)
        #expect(settings.searchOptions.retry.maximumWait == seconds)
        #expect(settings.searchOptions.retry.waitBudget == 3 * seconds)
    }

    @Test(arguments: ["0", "0.5", "3601", "61m", "inf", "nan", "-5", "1e400", "abc", "", "m", "s", "0x10", "1e3", "90 s", "+5"])
    func maxWaitRefusesWhatIsNoWaitItCanTake(text: String) {
        var settings = Settings()
        #expect(throws: SettingError.self) { try settings.apply("max_wait", text) }
        #expect(settings.maxWait == 120)
    }

    @Test(arguments: ["0", "off", "OFF"])
    func ratesTurnOff(text: String) throws {
        #expect(try RateLimit.parse(text) == nil)
    }

    @Test(arguments: ["-1", "many", "500/", "500/0s", "500/60x", "500/inf s", "500/infs", "500/1e9s", "500/2d"])
    func badRatesAreRefused(text: String) {
        #expect(throws: SettingError.self) { _ = try RateLimit.parse(text) }
    }

    @Test(arguments: [("timeout", "inf"), ("timeout", "nan"), ("timeout", "1e300"), ("timeout", "0"), ("concurrency", "1000000000000"),
                      ("batch", "0"), ("country_code", "0"), ("country_code", "4444"), ("attribution", "slow"), ("invalid", "maybe"),
                      ("retries", "0"), ("case_sensitive", "perhaps")])
    func badValuesAreRefusedWithTheSettingNamed(name: String, value: String) {
        var settings = Settings()
        do {
            try settings.apply(name, value)
            Issue.record("\(name) \(value) was taken")
        } catch {
            #expect(error.message.contains("'\(name)'"), "\(error.message)")
        }
    }

    @Test func anUnknownSettingSuggestsTheClosest() {
        var settings = Settings()
        #expect(throws: SettingError(message: "unknown setting 'bacth'", suggestion: "did you mean 'batch'?")) { try settings.apply("bacth", "5") }
    }
}
