import Foundation
import HMQRuntime
import Heymarket
import TOMLKit

/// Where a profile's Secret Key comes from. The key itself is never a
/// command-line value nor written in the config file.
public enum SecretSource: Sendable, Hashable {
    /// An environment variable (`secret_key_env = "PROD_HEYMARKET_KEY"`).
    case environment(String)
    /// A file holding the key (`secret_key_file = "~/.config/hmq/prod.key"`).
    case file(String)
    /// A command whose stdout is the key, run without a shell (`secret_key_command = "pass show heymarket/prod"`).
    case command([String])

    /// How `hmq config show` names it (never the key).
    public var description: String {
        switch self {
        case .environment(let name): return "secret_key_env = \"\(name)\""
        case .file(let path): return "secret_key_file = \"\(path)\""
        case .command(let argv): return "secret_key_command = \"\(argv.joined(separator: " "))\""
        }
    }
}

/// One `[profiles.NAME]` table.
public struct Profile: Sendable, Hashable {
    public var name: String
    public var baseURL: String?
    public var secretID: String?
    /// The environment variable holding the Secret ID (`secret_id_env`).
    public var secretIDEnvironment: String?
    public var secretKey: SecretSource?
    /// Defaults for the settings of the same names (``Settings/descriptors``), as
    /// text `set` would take; checked when the file is read.
    public var settings: [String: String] = [:]
    /// The built-in sandbox profile.
    public var isSandbox = false

    public init(name: String) { self.name = name }

    /// `sandbox`: the embedded sandbox with its demo credentials.
    public static let sandbox: Profile = {
        var profile = Profile(name: "sandbox")
        profile.isSandbox = true
        return profile
    }()
}

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
        if let path = environment["HMQ_CONFIG"], !path.isEmpty { return path }
        let config = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.config"
        return config + "/hmq/config.toml"
    }

    /// Reads the config file at `path`; a missing file is an empty configuration.
    public static func load(path: String) throws(ConfigError) -> Configuration {
        guard FileManager.default.fileExists(atPath: path) else { return Configuration(path: path) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(path: path, line: nil, message: "cannot read the file")
        }
        var configuration = try parse(String(decoding: data, as: UTF8.self), path: path)
        if let mode = Permissions.mode(of: path), mode & 0o077 != 0 {
            configuration.warnings.append("\(path) is readable by others (mode \(String(mode & 0o777, radix: 8))); run: chmod 600 \(path)")
        }
        return configuration
    }

    static let topKeys = ["default_profile", "profiles"]
    static let credentialKeys = ["base_url", "secret_id", "secret_id_env", "secret_key_env", "secret_key_file", "secret_key_command", "secret_key"]
    static var profileKeys: [String] { credentialKeys + Settings.descriptors.filter(\.inProfile).map(\.name) }

    /// Parses config text; errors name the file, the line and the key.
    public static func parse(_ text: String, path: String) throws(ConfigError) -> Configuration {
        let lines = KeyLines(text)
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
        if let url = profile.baseURL {
            do { _ = try BaseURL(url) } catch { throw fail("base_url", "base_url: \(error.description)") }
        }
        profile.secretID = try string("secret_id")
        profile.secretIDEnvironment = try string("secret_id_env")
        var sources: [SecretSource] = []
        if let name = try string("secret_key_env") { sources.append(.environment(name)) }
        if let file = try string("secret_key_file") { sources.append(.file(file)) }
        if let command = try string("secret_key_command") {
            let argv = CommandLineSplitter.split(command)
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
            else if let double = value.double { text = String(double) }
            else if let bool = value.bool { text = bool ? "on" : "off" }
            else { throw fail(descriptor.name, "\(descriptor.name) must be a string, a number or a boolean") }
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

/// A config problem: the file, the line when known, what is wrong.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var line: Int?
    public var message: String
    public var suggestion: [String]?

    public init(path: String, line: Int?, message: String, suggestion: [String]? = nil) {
        self.path = path
        self.line = line
        self.message = message
        self.suggestion = suggestion
    }

    public var description: String {
        var text = path + (line.map { ":\($0)" } ?? "") + ": " + message
        if let suggestion, !suggestion.isEmpty { text += " (known: " + suggestion.sorted().joined(separator: ", ") + ")" }
        return text
    }
}

/// Which line each `key =` and `[section]` is on (TOMLKit reports lines for
/// syntax errors only; unknown keys and wrong types are found after parsing).
struct KeyLines {
    private var keys: [String: Int] = [:]  // "section\u{0}key" -> line
    private var sections: [String: Int] = [:]

    init(_ text: String) {
        var section = ""
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("[") {
                let name = line.trimmingCharacters(in: CharacterSet(charactersIn: "[] ")).replacingOccurrences(of: "\"", with: "")
                section = name
                if sections[name] == nil { sections[name] = index + 1 }
                // `[profiles.prod]` also declares `prod` in `profiles`.
                if let dot = name.lastIndex(of: ".") {
                    let parent = String(name[..<dot]), child = String(name[name.index(after: dot)...])
                    if keys[parent + "\u{0}" + child] == nil { keys[parent + "\u{0}" + child] = index + 1 }
                }
            } else if let eq = line.firstIndex(of: "="), !line.hasPrefix("#") {
                let key = line[..<eq].trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "\"", with: "")
                if keys[section + "\u{0}" + key] == nil { keys[section + "\u{0}" + key] = index + 1 }
            }
        }
    }

    func line(of key: String, in section: String?) -> Int? { keys[(section ?? "") + "\u{0}" + key] }
    func sectionLine(_ section: String) -> Int? { sections[section] }
}

/// Splits a command line into words like a shell does for quotes (no
/// expansion, no operators): `pass show "heymarket/prod key"` -> 3 words.
public enum CommandLineSplitter {
    public static func split(_ text: String) -> [String]? {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for character in text {
            if escaped {
                current.append(character)
                escaped = false
                continue
            }
            if let open = quote {
                if character == open { quote = nil } else if character == "\\" && open == "\"" { escaped = true } else { current.append(character) }
                continue
            }
            switch character {
            case "\"", "'":
                quote = character
                inWord = true
            case "\\":
                escaped = true
                inWord = true
            case " ", "\t", "\n":
                if inWord { words.append(current) }
                current = ""
                inWord = false
            default:
                current.append(character)
                inWord = true
            }
        }
        if quote != nil || escaped { return nil }
        if inWord { words.append(current) }
        return words
    }
}

enum Permissions {
    static func mode(of path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int
    }
}
