/// `.pager`: when the REPL sends a result through the pager.
public enum PagerMode: String, Sendable, CaseIterable {
    /// Never.
    case off
    /// Every result, on a terminal.
    case on
    /// A result taller than the terminal, on a terminal (the default).
    case auto
}
