import Foundation
import HMQRuntime
import HMQSystem
import Heymarket
import TOMLKit

/// The parsed config file: profiles and the default one.
public struct Configuration: Sendable, Hashable {
    public var path: String?
    public var defaultProfile: String?
    public var profiles: [String: Profile]
    /// Things the user should know (a config file readable by others).
    public var warnings: [String]

    public init(path: String? = nil, defaultProfile: String? = nil, profiles: [String: Profile] = [:], warnings: [String] = []) {
        self.path = path
        self.defaultProfile = defaultProfile
        self.profiles = profiles
        self.warnings = warnings
    }

    /// `HMQ_CONFIG`, else `$XDG_CONFIG_HOME/hmq/config.toml`, else `~/.config/hmq/config.toml`.
    public static func defaultPath(environment: [String: String]) -> String {
        ConfigFolder.configFile(environment: environment)
    }

    /// Reads the config file at `path`; a missing file is an empty configuration.
    public static func load(path: String) throws(ConfigError) -> Configuration {
        guard FileManager.default.fileExists(atPath: path) else { return Configuration(path: path) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(path: path, line: nil, message: "cannot read the file")
        }
        var configuration = try parse(String(decoding: data, as: UTF8.self), path: path)
        if let info = Permissions.info(of: path) {
            // Anyone who can write the file could make hmq run their command: refuse, as for key files.
            let commands = configuration.profiles.values.filter { if case .command? = $0.secretKey { true } else { false } }
            if let who = Permissions.writableByOthers(info), let profile = commands.first {
                let fix = info.mode & 0o002 != 0 ? "run: chmod 600 \(path)" : "make it yours (chown) or use your own file"
                throw ConfigError(path: path, line: nil, message: "refusing it: \(who) and profile '\(profile.name)' runs a secret_key_command from it; \(fix)")
            }
            if info.mode & 0o077 != 0 {
                configuration.warnings.append("\(path) is readable by others (mode \(String(info.mode & 0o777, radix: 8))); run: chmod 600 \(path)")
            }
        }
        return configuration
    }

    static let topKeys = ["default_profile", "profiles"]
    static let credentialKeys = ["base_url", "error_format", "secret_id", "secret_id_env", "secret_key_env", "secret_key_file", "secret_key_command", "secret_key"]
    static var profileKeys: [String] { credentialKeys + Settings.descriptors.filter(\.inProfile).map(\.name) }

    /// toml++ (under TOMLKit) asserts, ending the process, on a table header
    /// whose name starts with a character no key can start with (`[é]`, `[!]`):
    /// such a line is refused here first, with its line number.
    static func checkTableHeaders(_ text: String, path: String) throws(ConfigError) {
        // By scalars: "\r\n" is one Character, and a byte-order mark may open the file.
        let scalars = Array(text.unicodeScalars)
        var start = 0
        var number = 0
        while start < scalars.count {
            var end = start
            while end < scalars.count, scalars[end] != "\n" { end += 1 }
            defer { start = end + 1 }
            number += 1
            var i = start
            while i < end, [" ", "\t", "\u{FEFF}"].contains(scalars[i]) { i += 1 }
            guard i < end, scalars[i] == "[" else { continue }
            i += 1
            if i < end, scalars[i] == "[" { i += 1 }
            while i < end, scalars[i] == " " || scalars[i] == "\t" { i += 1 }
            guard i < end, scalars[i] != "\r" else {
                throw ConfigError(path: path, line: number, message: "a table header names its table on the same line: [profiles.NAME]")
            }
            let first = scalars[i]
            let startsKey = first.isASCII && (first.properties.isAlphabetic || ("0"..."9").contains(first) || "_-\"']".unicodeScalars.contains(first))
            if !startsKey {
                throw ConfigError(path: path, line: number,
                                  message: "a table name starts with a letter, a digit, '_', '-' or a quote, not '\(first.properties.generalCategory == .control ? first.escaped(asASCII: true) : String(first))'")
            }
        }
    }

    /// Parses config text; errors name the file, the line and the key.
    public static func parse(_ text: String, path: String) throws(ConfigError) -> Configuration {
        let lines = KeyLines(text)
        try checkTableHeaders(text, path: path)
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigError(path: path, line: error.source.begin.line, message: error.description)
        } catch {
            throw ConfigError(path: path, line: nil, message: "\(error)")
        }
        var configuration = Configuration(path: path)
        for key in table.keys where !topKeys.contains(key) {
            throw ConfigError(path: path, line: lines.line(of: key, in: nil), message: "unknown key '\(key)'", suggestion: topKeys)
        }
        if let value = table["default_profile"] {
            guard let name = value.string else { throw ConfigError(path: path, line: lines.line(of: "default_profile", in: nil), message: "default_profile must be a string") }
            configuration.defaultProfile = name
        }
        if let value = table["profiles"] {
            guard let profiles = value.table else { throw ConfigError(path: path, line: lines.line(of: "profiles", in: nil), message: "profiles must be a table: [profiles.NAME]") }
            for name in profiles.keys {
                let section = "profiles.\(name)"
                guard let entry = profiles[name]?.table else {
                    throw ConfigError(path: path, line: lines.line(of: name, in: "profiles"), message: "profiles.\(name) must be a table: [profiles.\(name)]")
                }
                if name == "sandbox" {
                    throw ConfigError(path: path, line: lines.sectionLine(section), message: "'sandbox' is the built-in sandbox profile; choose another name")
                }
                configuration.profiles[name] = try profile(name, entry, path: path, lines: lines, section: section)
            }
        }
        if let name = configuration.defaultProfile, name != "sandbox", configuration.profiles[name] == nil {
            throw ConfigError(path: path, line: lines.line(of: "default_profile", in: nil), message: "default_profile '\(name)' is not a profile",
                              suggestion: Array(configuration.profiles.keys) + ["sandbox"])
        }
        return configuration
    }

    private static func profile(_ name: String, _ table: TOMLTable, path: String, lines: KeyLines, section: String) throws(ConfigError) -> Profile {
        var profile = Profile(name: name)
        func fail(_ key: String, _ message: String) -> ConfigError {
            ConfigError(path: path, line: lines.line(of: key, in: section), message: "[\(section)] \(message)")
        }
        func string(_ key: String) throws(ConfigError) -> String? {
            guard let value = table[key] else { return nil }
            guard let s = value.string else { throw fail(key, "\(key) must be a string") }
            return s
        }
        for key in table.keys where !profileKeys.contains(key) {
            throw ConfigError(path: path, line: lines.line(of: key, in: section), message: "[\(section)] unknown key '\(key)'", suggestion: profileKeys)
        }
        if table["secret_key"] != nil {
            throw fail("secret_key", "the Secret Key is never written in the config file; use secret_key_file, secret_key_command or secret_key_env")
        }
        profile.baseURL = try string("base_url")
        profile.errorFormat = try string("error_format")
        if let format = profile.errorFormat, !["text", "json"].contains(format) { throw fail("error_format", "error_format is text or json, not '\(format)'") }
        if let url = profile.baseURL {
            do { _ = try BaseURL(url) } catch { throw fail("base_url", "base_url: \(error.description)") }
        }
        profile.secretID = try string("secret_id")
        profile.secretIDEnvironment = try string("secret_id_env")
        var sources: [SecretSource] = []
        if let name = try string("secret_key_env") { sources.append(.environment(name)) }
        if let file = try string("secret_key_file") { sources.append(.file(file)) }
        if let command = try string("secret_key_command") {
            let argv = ShellWords.split(command)
            guard let argv, !argv.isEmpty else { throw fail("secret_key_command", "secret_key_command is empty or has an unclosed quote") }
            sources.append(.command(argv))
        }
        if sources.count > 1 { throw fail("secret_key_command", "give one of secret_key_env, secret_key_file and secret_key_command") }
        profile.secretKey = sources.first
        // Setting defaults: checked as `set` would check them.
        var scratch = Settings()
        for descriptor in Settings.descriptors where descriptor.inProfile {
            guard let value = table[descriptor.name] else { continue }
            let text: String
            if let string = value.string { text = string }
            else if let int = value.int { text = String(int) }
            else if let double = value.double { text = double == double.rounded() && abs(double) < 1e15 ? String(Int64(double)) : String(double) }
            else if let bool = value.bool, descriptor.choices.contains("on") { text = bool ? "on" : "off" }
            else { throw fail(descriptor.name, "\(descriptor.name) must be \(descriptor.valueHint) (a string or a number)") }
            do {
                try descriptor.apply(text, to: &scratch)
            } catch {
                throw fail(descriptor.name, error.message)
            }
            profile.settings[descriptor.name] = text
        }
        return profile
    }

    /// The profile to use: `--profile` (or `--sandbox`), else `HMQ_PROFILE`, else
    /// `default_profile`; nil when none is chosen (the environment's credentials
    /// and production are used).
    public func select(flag: String?, environment: [String: String]) throws(ConfigError) -> Profile? {
        let chosen = flag ?? environment["HMQ_PROFILE"].flatMap { $0.isEmpty ? nil : $0 } ?? defaultProfile
        guard let name = chosen else { return nil }
        if name == "sandbox" { return .sandbox }
        guard let profile = profiles[name] else {
            let known = profiles.keys.sorted() + ["sandbox"]
            throw ConfigError(path: path ?? "config", line: nil, message: "no profile named '\(name)'; profiles: \(known.joined(separator: ", "))")
        }
        return profile
    }
}
