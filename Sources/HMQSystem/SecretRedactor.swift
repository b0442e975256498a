/// Replaces a session's secrets (the Secret Key, a bearer token, an API key)
/// in text with `****`: the whole secret, and any run of
/// ``SecretRedactor/shortestRun`` or more of its characters, so that a server
/// that echoes a token cut in two, only its signature, or a prefix of the key
/// does not get it printed. Secrets shorter than ``shortestSecret`` are left
/// alone (too short to tell from ordinary text).
public struct SecretRedactor: Sendable {
    /// The fewest characters a secret has to be redacted.
    public static let shortestSecret = 8
    /// The fewest characters of a secret, in a row, that are redacted on their own.
    public static let shortestRun = 16

    /// Per secret: the width of its windows, and every window of it.
    private var windows: [(width: Int, set: Set<[UInt8]>)] = []

    public init(_ secrets: [String] = []) { add(secrets) }

    /// True when there is nothing to redact.
    public var isEmpty: Bool { windows.isEmpty }

    /// Redacts `secrets` too, from now on.
    public mutating func add(_ secrets: [String]) {
        for secret in secrets {
            let bytes = Array(secret.utf8)
            guard bytes.count >= Self.shortestSecret else { continue }
            let width = min(bytes.count, Self.shortestRun)
            var set = Set<[UInt8]>()
            for start in 0...(bytes.count - width) { set.insert(Array(bytes[start..<start + width])) }
            if let same = windows.firstIndex(where: { $0.width == width }) {
                windows[same].set.formUnion(set)
            } else {
                windows.append((width, set))
            }
        }
    }

    /// `text` with every run of a secret's characters replaced by `****` (one for each run).
    public func text(_ text: String) -> String {
        guard !windows.isEmpty else { return text }
        let bytes = Array(text.utf8)
        var hidden = [Bool](repeating: false, count: bytes.count)
        var any = false
        for (width, set) in windows where bytes.count >= width {
            for start in 0...(bytes.count - width) where set.contains(Array(bytes[start..<start + width])) {
                for i in start..<start + width { hidden[i] = true }
                any = true
            }
        }
        guard any else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if hidden[i] {
                out += Array("****".utf8)
                while i < bytes.count, hidden[i] { i += 1 }
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        // A run may end inside a multi-byte character: what is left of it is replaced, never left malformed.
        return String(decoding: out, as: UTF8.self)
    }
}
