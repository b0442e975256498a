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
