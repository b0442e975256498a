/// `hmq --version`: the release and the git commit it was built from
/// (``BuildInfo`` is written by the BuildInfo plugin before each build).
enum Version {
    static let number = "0.3.0"
    static var text: String { "\(number) (\(BuildInfo.commit))" }
    /// What `hmq --version` prints.
    static var line: String { "hmq " + text }
}
