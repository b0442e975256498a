/// One `[profiles.NAME]` table.
public struct Profile: Sendable, Hashable {
    public var name: String
    public var baseURL: String?
    /// `error_format`: `text` or `json` (how errors are written on stderr).
    public var errorFormat: String?
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
