import HMQRuntime

/// The settings of a run, from (in rising precedence) the built-in defaults,
/// the selected profile, the environment (`HMQ_BATCH`, ...) and the
/// command-line flags. Every source goes through the same descriptor
/// (``Settings/descriptors``), so each value is checked the same way.
public struct SettingsResolver: Sendable {
    public var profile: Profile?
    public var environment: [String: String]

    public init(profile: Profile?, environment: [String: String]) {
        self.profile = profile
        self.environment = environment
    }

    /// - Parameters:
    ///   - defaultFormat: `table` on a terminal, else `ndjson`.
    ///   - flags: values given on the command line, by setting name, with the flag as written (for messages).
    ///   - defaults: values that replace the built-in defaults (the REPL's answer cache), by setting name.
    public func resolve(defaultFormat: String, flags: [(name: String, value: String, flag: String)],
                        defaults: [(name: String, value: String)] = []) throws(SettingSourceError) -> Settings {
        var settings = Settings(format: defaultFormat)
        func apply(_ descriptor: SettingDescriptor, _ value: String, from origin: String) throws(SettingSourceError) {
            do {
                try descriptor.apply(value, to: &settings)
            } catch {
                throw SettingSourceError(message: "\(origin): \(error.message)")
            }
        }
        for (name, value) in defaults {
            guard let descriptor = Settings.descriptor(named: name) else { continue }
            try apply(descriptor, value, from: "the default of '\(name)'")
        }
        for descriptor in Settings.descriptors {
            if let profile, let value = profile.settings[descriptor.name] {
                try apply(descriptor, value, from: "profile '\(profile.name)'")
            }
            if let value = environment[descriptor.environmentVariable], !value.isEmpty {
                try apply(descriptor, value, from: descriptor.environmentVariable)
            }
        }
        for flag in flags {
            guard let descriptor = Settings.descriptor(named: flag.name) else {
                throw SettingSourceError(message: "\(flag.flag): no such setting")
            }
            try apply(descriptor, flag.value, from: flag.flag)
        }
        return settings
    }
}

/// A setting with a bad value, naming where the value came from.
public struct SettingSourceError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
