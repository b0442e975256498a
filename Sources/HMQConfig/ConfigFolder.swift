import Foundation
import Heymarket

/// Where hmq keeps its configuration: `$XDG_CONFIG_HOME/hmq`, by default
/// `~/.config/hmq` (the config file, key files, plugins, the REPL's hmqrc).
public enum ConfigFolder {
    /// `$XDG_CONFIG_HOME/hmq`, else `~/.config/hmq`.
    public static func path(environment: [String: String]) -> String {
        let config = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.config"
        return config + "/hmq"
    }

    /// `HMQ_CONFIG`, else `config.toml` in the folder.
    public static func configFile(environment: [String: String]) -> String {
        if let path = environment["HMQ_CONFIG"], !path.isEmpty { return path }
        return path(environment: environment) + "/config.toml"
    }

    /// External formatter plugins (`hmq-format-NAME`) besides those on PATH.
    public static func plugins(environment: [String: String]) -> String { path(environment: environment) + "/plugins" }

    /// The script the REPL runs at start.
    public static func replStartup(environment: [String: String]) -> String { path(environment: environment) + "/hmqrc" }
}

/// The environment variables that hold credentials: every `HEYMARKET_*`, and
/// those a profile names as holding a Secret Key or Secret ID. Child processes
/// never get them, and scripts cannot read them (`$env.NAME`).
public enum CredentialVariables {
    public static func names(in environment: [String: String], configuration: Configuration) -> Set<String> {
        var names = Set(environment.keys.filter { $0.hasPrefix("HEYMARKET_") })
        for profile in configuration.profiles.values {
            if case .environment(let name)? = profile.secretKey { names.insert(name) }
            if let name = profile.secretIDEnvironment { names.insert(name) }
        }
        return names
    }

    /// The keys among them, as the environment holds them (never a Secret ID, which is no secret):
    /// `HEYMARKET_SECRET_KEY`, `HEYMARKET_API_KEY` and each variable a profile reads its key from.
    public static func keys(in environment: [String: String], configuration: Configuration) -> [String] {
        var names: Set<String> = [Credentials.EnvironmentName.secretKey, Credentials.EnvironmentName.apiKey]
        for profile in configuration.profiles.values {
            if case .environment(let name)? = profile.secretKey { names.insert(name) }
        }
        return names.sorted().compactMap { environment[$0] }
    }

    /// `environment` without them.
    public static func scrubbed(_ environment: [String: String], configuration: Configuration) -> [String: String] {
        let hidden = names(in: environment, configuration: configuration)
        return environment.filter { !hidden.contains($0.key) }
    }
}
