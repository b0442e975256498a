import HMQSyntax
import Heymarket

/// What `set NAME VALUE` can change. Each has a command-line flag too.
public struct Settings: Sendable, Hashable {
    /// The output format (`ndjson` when stdout is not a terminal).
    public var format: String
    /// Ids per request.
    public var batch = 100
    /// Requests in flight at once.
    public var concurrency = 4
    /// Requests per minute; 0 turns client-side pacing off.
    public var rate = 500
    /// Prepended to 10-digit national phone numbers.
    public var countryCode = "1"
    /// Attempts per batch.
    public var retries = 8
    /// Seconds to wait for one response.
    public var timeout = 30.0
    /// Compare strings with case in `where` (off by default).
    public var caseSensitive = false

    /// Defaults, with `format` as the output format.
    public init(format: String = "ndjson") { self.format = format }

    /// The setting names, for `set` and completion.
    public static let names = ["format", "batch", "concurrency", "rate", "country_code", "retries", "timeout", "case_sensitive"]

    /// The search options these settings give.
    public var searchOptions: SearchOptions {
        SearchOptions(batchSize: batch, concurrency: concurrency, rateLimit: rate == 0 ? nil : rate,
                      countryCode: countryCode, retry: RetryPolicy(maximumAttempts: retries), timeout: timeout)
    }

    /// The part of the settings that shapes requests (finds sharing it are searched together).
    var requestShape: [String] { [String(batch), String(concurrency), String(rate), countryCode, String(retries), String(timeout)] }

    /// Applies a setting given outside a script (a profile, the environment, a
    /// flag); the error's message says what is wrong.
    public mutating func apply(_ name: String, _ value: String) throws(RuntimeError) {
        let none = SourceRange(start: 0, end: 0)
        try apply(name, value, range: none, nameRange: none)
    }

    /// Applies `set name value`, or says what is wrong with it.
    mutating func apply(_ name: String, _ value: String, range: SourceRange, nameRange: SourceRange) throws(RuntimeError) {
        func integer(_ minimum: Int) throws(RuntimeError) -> Int {
            guard let n = Int(value), n >= minimum else {
                throw .at(range, "'\(name)' takes a whole number of at least \(minimum), not '\(value)'")
            }
            return n
        }
        switch name.lowercased() {
        case "format": format = value.lowercased()
        case "batch": batch = try integer(1)
        case "concurrency": concurrency = try integer(1)
        case "rate": rate = try integer(0)
        case "retries": retries = try integer(1)
        case "timeout":
            guard let seconds = Double(value), seconds > 0 else { throw .at(range, "'timeout' takes a number of seconds, not '\(value)'") }
            timeout = seconds
        case "country_code":
            guard (1...3).contains(value.count), value.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw .at(range, "'country_code' takes 1 to 3 digits, not '\(value)'")
            }
            countryCode = value
        case "case_sensitive":
            switch value.lowercased() {
            case "on", "true", "yes", "1": caseSensitive = true
            case "off", "false", "no", "0": caseSensitive = false
            default: throw .at(range, "'case_sensitive' is on or off, not '\(value)'")
            }
        default:
            let guess = Suggestion.closest(to: name, among: Self.names)
            throw .at(nameRange, "unknown setting '\(name)'", suggestion: guess.map { "did you mean '\($0)'?" } ?? "settings: " + Self.names.joined(separator: ", "))
        }
    }
}
