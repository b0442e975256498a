/// A secret string (a Secret Key, an API key, a JWT) that never prints itself.
///
/// `description`, `debugDescription` and string interpolation all show `****`,
/// so a secret cannot reach a log line or an error message by accident. Code
/// that must send it reads ``exposedValue`` explicitly.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The secret itself. Only signing and the `Authorization` header read this.
    public let exposedValue: String

    public init(_ value: String) { self.exposedValue = value }

    public var description: String { "****" }
    public var debugDescription: String { "Secret(****)" }
    public var isEmpty: Bool { exposedValue.isEmpty }
}
