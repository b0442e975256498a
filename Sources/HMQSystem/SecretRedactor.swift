/// Replaces a session's secrets (the Secret Key, a bearer token, an API key)
/// in text with `****`: the whole secret, and any run of
/// ``SecretRedactor/shortestRun`` or more of its characters, so that a server
/// that echoes a token cut in two, only its signature, or a prefix of the key
/// does not get it printed. Invisible format characters (zero-width spaces and
/// joiners, soft hyphens) between a secret's characters do not hide it.
/// Secrets shorter than ``shortestSecret`` are left alone (too short to tell
/// from ordinary text).
public struct SecretRedactor: Sendable {
    /// The fewest characters a secret has to be redacted.
    public static let shortestSecret = 8
    /// The fewest characters of a secret, in a row, that are redacted on their own.
    public static let shortestRun = 16

    /// Up to 16 bytes, packed (a window of a secret or of a text).
    private struct Window: Hashable {
        var low: UInt64 = 0
        var high: UInt64 = 0

        init(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, width: Int) {
            for i in 0..<width { put(bytes[start + i], at: i) }
        }

        private mutating func put(_ byte: UInt8, at i: Int) {
            if i < 8 { low |= UInt64(byte) << (8 * UInt64(i)) } else { high |= UInt64(byte) << (8 * UInt64(i - 8)) }
        }

        /// The window one byte further on: its first byte dropped, `byte` last (at `width - 1`).
        mutating func slide(in byte: UInt8, width: Int) {
            low = (low >> 8) | (high << 56)
            high >>= 8
            put(byte, at: width - 1)
        }
    }

    /// Per width (16, or a shorter secret's length): every window of that width of a secret.
    private var windows: [Int: Set<Window>] = [:]

    public init(_ secrets: [String] = []) { add(secrets) }

    /// True when there is nothing to redact.
    public var isEmpty: Bool { windows.isEmpty }

    /// Redacts `secrets` too, from now on.
    public mutating func add(_ secrets: [String]) {
        for secret in secrets {
            let bytes = Self.visible(secret).bytes
            guard bytes.count >= Self.shortestSecret else { continue }
            let width = min(bytes.count, Self.shortestRun)
            bytes.withUnsafeBufferPointer { buffer in
                for start in 0...(bytes.count - width) { windows[width, default: []].insert(Window(buffer, from: start, width: width)) }
            }
        }
    }

    /// `text` with every run of a secret's characters replaced by `****` (one for each run).
    public func text(_ text: String) -> String {
        guard !windows.isEmpty else { return text }
        let (folded, origin) = Self.visible(text)
        // Which bytes of the text (as written) a run covers.
        var hidden: [Bool]?
        folded.withUnsafeBufferPointer { buffer in
            for (width, set) in windows where buffer.count >= width {
                var window = Window(buffer, from: 0, width: width)
                for start in 0...(buffer.count - width) {
                    if start > 0 { window.slide(in: buffer[start + width - 1], width: width) }
                    guard set.contains(window) else { continue }
                    if hidden == nil { hidden = [Bool](repeating: false, count: text.utf8.count) }
                    let first = origin.map { $0[start] } ?? start, last = origin.map { $0[start + width - 1] } ?? start + width - 1
                    for i in first...last { hidden![i] = true }
                }
            }
        }
        guard let hidden else { return text }
        let bytes = Array(text.utf8)
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

    /// The UTF-8 bytes of `text` without its invisible format characters (general
    /// category Cf: U+200B, U+200D, U+00AD, ...), and for each byte kept where it
    /// stands in `text` (nil when nothing was left out).
    private static func visible(_ text: String) -> (bytes: [UInt8], origin: [Int]?) {
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return (Array(text.utf8), nil) }
        var bytes: [UInt8] = [], origin: [Int] = []
        var offset = 0
        for scalar in text.unicodeScalars {
            let width = UTF8.width(scalar)
            if scalar.properties.generalCategory != .format {
                bytes += UTF8.encode(scalar).map(Array.init) ?? []
                origin += offset..<offset + width
            }
            offset += width
        }
        return (bytes, origin.count == offset ? nil : origin)
    }
}
