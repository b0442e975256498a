/// What Tab offers: replacements for the current word.
public struct Completions: Sendable, Hashable {
    public var candidates: [String]
    /// Whether a single candidate is followed by a space (not after a directory name).
    public var appendSpace: Bool

    public init(_ candidates: [String], appendSpace: Bool = true) {
        self.candidates = candidates
        self.appendSpace = appendSpace
    }
}
