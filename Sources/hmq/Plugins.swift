import Foundation
import HMQConfig
import HMQFormatters
import HMQRuntime

/// The plugin registry the CLI uses: the built-in formatters, then external
/// `hmq-format-NAME` executables from the plugins folder and `PATH`.
enum Plugins {
    /// `$XDG_CONFIG_HOME/hmq`, by default `~/.config/hmq`.
    static func configFolder(environment: [String: String]) -> String {
        let config = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.config"
        return config + "/hmq"
    }

    /// `$XDG_CONFIG_HOME/hmq/plugins`, by default `~/.config/hmq/plugins`.
    static func folder(environment: [String: String]) -> String {
        configFolder(environment: environment) + "/plugins"
    }

    /// The environment for child processes: without HEYMARKET_* variables, nor
    /// those a profile names as holding a secret (a plugin gets rows, not keys).
    static func withoutCredentials(_ environment: [String: String]) -> [String: String] {
        var names = Set(environment.keys.filter { $0.hasPrefix("HEYMARKET_") })
        if let configuration = try? Configuration.load(path: Configuration.defaultPath(environment: environment)) {
            for profile in configuration.profiles.values {
                if case .environment(let name)? = profile.secretKey { names.insert(name) }
                if let name = profile.secretIDEnvironment { names.insert(name) }
            }
        }
        return environment.filter { !names.contains($0.key) }
    }

    /// The registry of this process, made once (discovery reads PATH and the config file).
    static let shared: (registry: PluginRegistry, warnings: [String]) = registry()

    /// Every formatter hmq can use here; warnings name plugins that were skipped.
    static func registry(environment: [String: String] = ProcessInfo.processInfo.environment) -> (PluginRegistry, [String]) {
        let registry = PluginRegistry()
        BuiltinFormatters.register(in: registry)
        let taken = Set(registry.allFormatters.flatMap { [$0.name] + $0.aliases })
        let directories = [folder(environment: environment)] + (environment["PATH"] ?? "").split(separator: ":").map(String.init)
        let timeout = environment["HMQ_PLUGIN_TIMEOUT"].flatMap(Double.init) ?? 30
        let (external, warnings) = ExternalFormatterPlugin.discover(in: directories, taken: taken, timeout: timeout,
                                                                    environment: withoutCredentials(environment))
        for plugin in external { try? registry.register(formatter: plugin) }
        return (registry, warnings)
    }
}
