import Foundation

/// What the shell completion scripts ask hmq for as the user types
/// (`hmq --format <Tab>`): the names this installation knows, plugins and
/// profiles included. Never fails: a broken config file completes nothing.
public enum ShellCompletion {
    public static func formats(_ prefix: String) -> [String] {
        guard let host = try? Host(options: HostOptions()) else { return [] }
        return host.registry.allFormatters.flatMap { [$0.name] + $0.aliases }.filter { $0.hasPrefix(prefix) }.sorted()
    }

    public static func profiles(_ prefix: String) -> [String] {
        guard let host = try? Host(options: HostOptions()) else { return ["sandbox"].filter { $0.hasPrefix(prefix) } }
        return (Array(host.configuration.profiles.keys) + ["sandbox"]).filter { $0.hasPrefix(prefix) }.sorted()
    }
}
