/// What a script can read besides its text: positional arguments (`$1`),
/// named variables (`--var name=value`, `$name`) and the environment (`$env.NAME`).
/// Values are bound, never spliced into query text.
public struct ScriptInputs: Sendable {
    /// `$1`, `$2`, ...
    public var arguments: [String]
    /// `--var NAME=VALUE`, read as `$NAME`.
    public var variables: [String: String]
    /// Read as `$env.NAME`. Variables that hold credentials are never in it.
    public var environment: [String: String]
    /// Variables taken out of ``environment`` because they hold credentials
    /// (`$env.NAME` says so rather than "not set").
    public var withheldEnvironment: Set<String>
    /// What the script may reach besides the API (everything the user can, unless an agent runs it).
    public var confinement: Confinement

    /// Inputs for a script; all empty by default.
    public init(arguments: [String] = [], variables: [String: String] = [:], environment: [String: String] = [:], withheldEnvironment: Set<String> = [],
                confinement: Confinement = .none) {
        self.confinement = confinement
        self.arguments = arguments
        self.variables = variables
        self.environment = environment.filter { !withheldEnvironment.contains($0.key) }
        self.withheldEnvironment = withheldEnvironment
    }
}
