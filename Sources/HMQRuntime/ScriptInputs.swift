/// What a script can read besides its text: positional arguments (`$1`),
/// named variables (`--var name=value`, `$name`) and the environment (`$env.NAME`).
/// Values are bound, never spliced into query text.
public struct ScriptInputs: Sendable {
    public var arguments: [String]
    public var variables: [String: String]
    public var environment: [String: String]

    public init(arguments: [String] = [], variables: [String: String] = [:], environment: [String: String] = [:]) {
        self.arguments = arguments
        self.variables = variables
        self.environment = environment
    }
}
