import HMQSyntax
import Heymarket

/// What `set NAME VALUE` can change. Every setting is described once, in
/// ``Settings/descriptors``: that table drives `set`, the command-line flags,
/// the `HMQ_*` environment variables, config profiles, `.settings` and completion.
public struct Settings: Sendable, Hashable {
    /// What to do with an input value that cannot be searched (`set invalid`).
    public enum InvalidValues: String, Sendable, Hashable, CaseIterable {
        /// Stop before any request and name each invalid value (the default).
        case error
        /// Leave them out, note them, and list them in `| unmatched` as `invalid`.
        case skip
    }

    /// The output format (`table` on a terminal, `ndjson` otherwise).
    public var format: String
    /// Ids per request.
    public var batch = 100
    /// Requests in flight at once.
    public var concurrency = 4
    /// Client-side pacing: at most this many requests per window; nil turns it off.
    public var rate: RateLimit? = RateLimit(requests: 500, window: 60)
    /// How requests spread over the rate's window.
    public var pace = Pace.window
    /// Prepended to national phone numbers.
    public var countryCode = "1"
    /// A phone number written with an extension: refused, or searched without it.
    public var extensions = PhoneExtensions.refuse
    /// Attempts per batch.
    public var retries = 8
    /// Seconds to wait for one response.
    public var timeout = 30.0
    /// The longest `Retry-After` waited out, in seconds; a longer one fails the batch.
    public var maxWait = RetryPolicy.defaultMaximumWait
    /// Failed connections in a row before a run stops.
    public var connectAttempts = RetryPolicy.defaultConnectionAttempts
    /// Compare strings with case in `where` (off by default).
    public var caseSensitive = false
    /// How input values are tied to the contacts found.
    public var attribution = AttributionMode.exact
    /// What an invalid input value does.
    public var invalid = InvalidValues.error
    /// A journal of finished batches, to resume an interrupted run from (nil: none).
    public var checkpoint: String?
    /// Whether phones, emails, names and note texts are masked in what hmq shows.
    public var mask = MaskMode.off
    /// How long (seconds) a proven answer is used instead of asking again; nil: off
    /// (the default in scripts and `hmq search`; the REPL starts with 5 minutes).
    public var cache: Double?
    /// Ask the server about every value even when the cache holds it (the answers are stored all the same).
    public var refresh = false

    /// The answer cache in the REPL when nothing else sets it: 5 minutes.
    public static let interactiveCache = "5m"

    /// Defaults, with `format` as the output format.
    public init(format: String = "ndjson") { self.format = format }

    /// The setting names, for `set` and completion.
    public static var names: [String] { descriptors.map(\.name) }

    /// The descriptor of a setting, by name (case-insensitive).
    public static func descriptor(named name: String) -> SettingDescriptor? {
        let lower = name.lowercased()
        return descriptors.first { $0.name == lower }
    }

    /// The search options these settings give.
    public var searchOptions: SearchOptions {
        SearchOptions(batchSize: batch, concurrency: concurrency, rateLimit: rate?.requests,
                      rateWindow: .milliseconds(Int64((rate?.window ?? 60) * 1000)), pace: pace,
                      countryCode: countryCode, extensions: extensions, retry: RetryPolicy(maximumAttempts: retries, maximumWait: maxWait, connectionAttempts: connectAttempts), timeout: timeout,
                      attribution: attribution, checkpoint: checkpoint, cache: cache, refresh: refresh)
    }

    /// The part of the settings that shapes requests (finds sharing it are searched together).
    var requestShape: [String] {
        [String(batch), String(concurrency), rate?.description ?? "off", pace.rawValue, countryCode, extensions.rawValue, String(retries), String(timeout), String(maxWait), String(connectAttempts), attribution.rawValue]
    }

    /// Applies `name value`; the error says what is wrong (its message names the setting).
    public mutating func apply(_ name: String, _ value: String) throws(SettingError) {
        guard let descriptor = Self.descriptor(named: name) else {
            let guess = Suggestion.closest(to: name, among: Self.names)
            throw SettingError(message: "unknown setting '\(name)'", suggestion: guess.map { "did you mean '\($0)'?" } ?? "settings: " + Self.names.joined(separator: ", "))
        }
        try descriptor.apply(&self, value)
    }

    /// The value of a setting as `set` would take it back.
    public func value(of descriptor: SettingDescriptor) -> String { descriptor.read(self) }
}

/// A setting that cannot take a value, or a name that is no setting.
public struct SettingError: Error, Sendable, Hashable {
    public var message: String
    public var suggestion: String?
    public init(message: String, suggestion: String? = nil) {
        self.message = message
        self.suggestion = suggestion
    }
}

/// `N` requests per `window` seconds: `--rate 500` (per minute), `500/60s`, `8/1s`, `30000/1h`; `0` or `off` turns pacing off.
public struct RateLimit: Sendable, Hashable, CustomStringConvertible {
    public var requests: Int
    /// Seconds.
    public var window: Double

    public init(requests: Int, window: Double) {
        self.requests = requests
        self.window = window
    }

    /// Parses `N`, `N/Ws`, `N/Wm`, `N/Wh` (W may be left out: `N/s`); nil means off. Throws on anything else.
    public static func parse(_ text: String) throws(SettingError) -> RateLimit? {
        let trimmed = text.trimmingWhitespaceAndNewlines().lowercased()
        if trimmed == "0" || trimmed == "off" { return nil }
        let bad = SettingError(message: "'rate' takes requests per minute (500), N/Ws or N/Wm (500/60s), or off, not '\(text)'")
        let parts = trimmed.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let requests = Int(parts[0]), requests >= 0 else { throw bad }
        if requests == 0 { return nil }
        guard parts.count == 2 else { return RateLimit(requests: requests, window: 60) }
        var unitText = parts[1]
        let multiplier: Double
        switch unitText.last {
        case "s": multiplier = 1
        case "m": multiplier = 60
        case "h": multiplier = 3600
        default: throw bad
        }
        unitText.removeLast()
        let amount = unitText.isEmpty ? 1 : Double(unitText)
        guard let amount, amount.isFinite, amount > 0, amount * multiplier <= 86_400 else { throw bad }
        return RateLimit(requests: requests, window: amount * multiplier)
    }

    /// `500/60s`.
    public var description: String {
        let seconds = window == window.rounded() ? String(Int(window)) : String(window)
        return "\(requests)/\(seconds)s"
    }
}

/// One setting: its name (also its profile key), where else it can be given,
/// how its value is read and checked, and how it is shown.
public struct SettingDescriptor: Sendable {
    /// `country_code`: the name in `set`, `.settings` and config profiles.
    public let name: String
    /// One line for help and `.settings`.
    public let summary: String
    /// The value's shape in help: `n`, `seconds`, `fast|exact`.
    public let valueHint: String
    /// The values completion offers (empty: any).
    public let choices: [String]
    /// Whether a config profile may set it.
    public let inProfile: Bool
    let apply: @Sendable (inout Settings, String) throws(SettingError) -> Void
    let read: @Sendable (Settings) -> String

    /// `HMQ_COUNTRY_CODE`.
    public var environmentVariable: String { "HMQ_" + name.uppercased() }
    /// `--country-code`.
    public var flag: String { "--" + name.replacingOccurrences(of: "_", with: "-") }
    /// The built-in default, as text.
    public var defaultValue: String { read(Settings(format: name == "format" ? "table on a terminal, else ndjson" : "")) }

    /// Sets `value` on `settings`, or says what is wrong.
    public func apply(_ value: String, to settings: inout Settings) throws(SettingError) { try apply(&settings, value) }
}

extension Settings {
    /// Every setting, in the order `.settings` and help list them.
    public static let descriptors: [SettingDescriptor] = [
        SettingDescriptor(name: "format", summary: "output format (see 'hmq formats')", valueHint: "name", choices: [], inProfile: true,
                          apply: { s, v throws(SettingError) in
                              guard !v.isEmpty else { throw SettingError(message: "'format' takes a format name") }
                              s.format = v.lowercased()
                          }, read: { $0.format }),
        SettingDescriptor(name: "batch", summary: "ids per request", valueHint: "n", choices: [], inProfile: true,
                          apply: { s, v throws(SettingError) in s.batch = try whole(v, "batch", 1...100_000) }, read: { String($0.batch) }),
        SettingDescriptor(name: "concurrency", summary: "requests in flight at once", valueHint: "n", choices: [], inProfile: true,
                          apply: { s, v throws(SettingError) in s.concurrency = try whole(v, "concurrency", 1...64) }, read: { String($0.concurrency) }),
        SettingDescriptor(name: "rate", summary: "client-side pacing: requests per minute, or N/Ws (500/60s); 0 or off: none", valueHint: "n[/window]",
                          choices: [], inProfile: true,
                          apply: { s, v throws(SettingError) in s.rate = try RateLimit.parse(v) }, read: { $0.rate?.description ?? "off" }),
        SettingDescriptor(name: "country_code", summary: "country calling code for national phone numbers (1, 44, 49, ...)", valueHint: "digits",
                          choices: [], inProfile: true,
                          apply: { s, v throws(SettingError) in
                              guard (1...3).contains(v.count), v.allSatisfy({ $0.isASCII && $0.isNumber }), v.first != "0" else {
                                  throw SettingError(message: "'country_code' takes 1 to 3 digits, e.g. 1 or 44, not '\(v)'")
                              }
                              s.countryCode = v
                          }, read: { $0.countryCode }),
        choice("extensions", \.extensions,
               summary: "a phone number written with an extension (415-555-0133 ext. 359): refuse it as invalid, or drop the extension and search the number (a note names each)"),
        SettingDescriptor(name: "retries", summary: "attempts per batch before it is reported as failed", valueHint: "n", choices: [], inProfile: true,
                          apply: { s, v throws(SettingError) in s.retries = try whole(v, "retries", 1...100) }, read: { String($0.retries) }),
        SettingDescriptor(name: "timeout", summary: "seconds to wait for one response (headers and body)", valueHint: "seconds", choices: [], inProfile: true,
                          apply: { s, v throws(SettingError) in
                              guard let seconds = Double(v), seconds.isFinite, seconds > 0, seconds <= 3600 else {
                                  throw SettingError(message: "'timeout' takes a number of seconds above 0 and at most 3600, not '\(v)'")
                              }
                              s.timeout = seconds
                          }, read: { $0.timeout == $0.timeout.rounded() ? String(Int($0.timeout)) : String($0.timeout) }),
        SettingDescriptor(name: "max_wait", summary: "the longest wait a 429's Retry-After may ask for (seconds, or 90s, 2m); a longer one fails the batch",
                          valueHint: "seconds", choices: [], inProfile: true,
                          apply: { s, v throws(SettingError) in s.maxWait = try seconds(v, "max_wait", 1...3600) },
                          read: { $0.maxWait == $0.maxWait.rounded() ? String(Int($0.maxWait)) : String($0.maxWait) }),
        SettingDescriptor(name: "connect_attempts", summary: "failed connections in a row (refused, host not found, TLS) before the whole run stops", valueHint: "n",
                          choices: [], inProfile: true,
                          apply: { s, v throws(SettingError) in s.connectAttempts = try whole(v, "connect_attempts", 1...100) }, read: { String($0.connectAttempts) }),
        SettingDescriptor(name: "case_sensitive", summary: "compare text with case in where", valueHint: "on|off", choices: ["on", "off"], inProfile: true,
                          apply: { s, v throws(SettingError) in s.caseSensitive = try onOff(v, "case_sensitive") }, read: { $0.caseSensitive ? "on" : "off" }),
        choice("pace", \.pace,
               summary: "window: spend the rate budget as soon as it allows, never more than the limit in any window; even: one request every window/limit (a key shared with other integrations)"),
        choice("attribution", \.attribution,
               summary: "fast: one request per batch; exact: re-ask the server until every value is matched or proven unmatched"),
        choice("invalid", \.invalid,
               summary: "an input value that cannot be searched: error (stop before any request) or skip (list it in | unmatched)"),
        choice("mask", \.mask,
               summary: "hide phones, emails, names and note texts in every output, note, error and the history: on (1415•••0007), hash (stable tokens), off"),
        SettingDescriptor(name: "cache", summary: "answer a value from a proven answer younger than this (30s, 5m, 1h, 1d) instead of asking again; off: always ask (the REPL starts with 5m)",
                          valueHint: "duration|off", choices: ["off", "5m", "1h"], inProfile: true,
                          apply: { s, v throws(SettingError) in
                              let trimmed = v.trimmingWhitespaceAndNewlines().lowercased()
                              if trimmed == "off" || trimmed == "0" { s.cache = nil; return }
                              guard let seconds = duration(trimmed), seconds >= 1, seconds <= 30 * 86_400 else {
                                  throw SettingError(message: "'cache' takes a duration from 1s to 30d (30s, 5m, 1h, 1d; a number is seconds) or off, not '\(v)'")
                              }
                              s.cache = seconds
                          }, read: { $0.cache.map(shownDuration) ?? "off" }),
        SettingDescriptor(name: "refresh", summary: "on: ask the server about every value even when the cache holds an answer (answers are still stored)",
                          valueHint: "on|off", choices: ["on", "off"], inProfile: false,
                          apply: { s, v throws(SettingError) in s.refresh = try onOff(v, "refresh") }, read: { $0.refresh ? "on" : "off" }),
        SettingDescriptor(name: "checkpoint", summary: "a file journaling finished batches: run the same command again to resume where it stopped; off: none",
                          valueHint: "file", choices: [], inProfile: false,
                          apply: { s, v throws(SettingError) in
                              let trimmed = v.trimmingWhitespaceAndNewlines()
                              s.checkpoint = trimmed.isEmpty || trimmed.lowercased() == "off" ? nil : v
                          }, read: { $0.checkpoint ?? "off" }),
    ]

    /// A setting that takes one of an enumeration's values.
    private static func choice<E: RawRepresentable & CaseIterable & Sendable>(
        _ name: String, _ keyPath: WritableKeyPath<Settings, E> & Sendable, summary: String
    ) -> SettingDescriptor where E.RawValue == String {
        let names = E.allCases.map(\.rawValue)
        return SettingDescriptor(name: name, summary: summary, valueHint: names.joined(separator: "|"), choices: names, inProfile: true,
                                 apply: { s, v throws(SettingError) in
                                     guard let value = E(rawValue: v.lowercased()) else {
                                         throw SettingError(message: "'\(name)' is \(names.joined(separator: " or ")), not '\(v)'")
                                     }
                                     s[keyPath: keyPath] = value
                                 }, read: { $0[keyPath: keyPath].rawValue })
    }

    /// Seconds as `90`, `90s` or `2m` (a fraction is fine), within `range`.
    private static func seconds(_ value: String, _ name: String, _ range: ClosedRange<Double>) throws(SettingError) -> Double {
        guard let seconds = duration(value.trimmingWhitespaceAndNewlines().lowercased()), range.contains(seconds) else {
            throw SettingError(message: "'\(name)' takes seconds (\(Int(range.lowerBound)) to \(Int(range.upperBound)); 90, 90s, 2m or 1h), not '\(value)'")
        }
        return seconds
    }

    private static func onOff(_ value: String, _ name: String) throws(SettingError) -> Bool {
        switch value.lowercased() {
        case "on", "true", "yes", "1": return true
        case "off", "false", "no", "0": return false
        default: throw SettingError(message: "'\(name)' is on or off, not '\(value)'")
        }
    }

    /// `90`, `90s`, `5m`, `2h`, `1d` (a fraction is fine) in seconds; nil for anything else.
    static func duration(_ text: String) -> Double? {
        var text = Substring(text)
        var unit = 1.0
        switch text.last {
        case "s": text.removeLast()
        case "m": unit = 60; text.removeLast()
        case "h": unit = 3600; text.removeLast()
        case "d": unit = 86_400; text.removeLast()
        default: break
        }
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }), let number = Double(text), number.isFinite else { return nil }
        return number * unit
    }

    /// Seconds as the largest whole unit: `5m`, `1h`, `90s`, `1d`.
    public static func shownDuration(_ seconds: Double) -> String {
        for (unit, name) in [(86_400.0, "d"), (3600, "h"), (60, "m")] where seconds >= unit && (seconds / unit).rounded() == seconds / unit {
            return "\(Int(seconds / unit))\(name)"
        }
        return seconds == seconds.rounded() ? "\(Int(seconds))s" : "\(seconds)s"
    }

    private static func whole(_ value: String, _ name: String, _ range: ClosedRange<Int>) throws(SettingError) -> Int {
        guard let n = Int(value), range.contains(n) else {
            throw SettingError(message: "'\(name)' takes a whole number from \(range.lowerBound) to \(range.upperBound), not '\(value)'")
        }
        return n
    }
}

extension String {
    func trimmingWhitespaceAndNewlines() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
