/// Where the API lives: `https://api.heymarket.com` by default.
///
/// Only `https://` is accepted, except plain `http://` to a loopback address
/// (`localhost`, `127.0.0.0/8`, `::1`), which is where the sandbox runs.
public struct BaseURL: Sendable, Hashable, CustomStringConvertible {
    /// The production API.
    public static let production = BaseURL(validated: "https://api.heymarket.com")

    /// The URL without a trailing slash.
    public let string: String

    private init(validated: String) { self.string = validated }

    /// Validates `text`, or throws ``HeymarketError/Code/invalidBaseURL`` saying why.
    public init(_ text: String) throws(HeymarketError) {
        var s = text.trimmingWhitespace()
        while s.hasSuffix("/") { s.removeLast() }
        let lower = s.lowercased()
        let scheme: String
        if lower.hasPrefix("https://") {
            scheme = "https"
        } else if lower.hasPrefix("http://") {
            scheme = "http"
        } else {
            throw HeymarketError(.invalidBaseURL, message: "'\(text)' must start with https:// (or http:// for a loopback address)")
        }
        guard let host = Self.host(of: s), !host.isEmpty else {
            throw HeymarketError(.invalidBaseURL, message: "'\(text)' has no host")
        }
        if scheme == "http", !Self.isLoopback(host) {
            throw HeymarketError(.invalidBaseURL, message: "plain http:// is allowed only for loopback addresses (localhost, 127.0.0.1, [::1]); use https:// for '\(host)'")
        }
        self.string = s
    }

    /// `base` + `path` (`/v2/contacts/search`).
    public func url(path: String) -> String { string + path }

    public var description: String { string }

    /// True when the URL targets this machine.
    public var isLoopback: Bool { Self.host(of: string).map(Self.isLoopback) ?? false }

    /// The host name of `url`, lowercased, without brackets or port.
    static func host(of url: String) -> String? {
        guard let schemeEnd = url.range(of: "://") else { return nil }
        var rest = url[schemeEnd.upperBound...]
        if let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) { rest = rest[..<slash] }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return nil }
            return String(rest[rest.index(after: rest.startIndex)..<close]).lowercased()
        }
        if let colon = rest.firstIndex(of: ":") { rest = rest[..<colon] }
        return String(rest).lowercased()
    }

    /// `scheme://host[:port]` of `url`, for messages.
    static func hostPart(of url: String) -> String? {
        guard let schemeEnd = url.range(of: "://") else { return nil }
        let rest = url[schemeEnd.upperBound...]
        let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        return String(url[..<end])
    }

    /// `localhost` itself, `::1`, or `127.0.0.0/8` written as four plain
    /// decimal numbers. Not `*.localhost` (a DNS lookup decides where those go)
    /// and not `0127.0.0.1` (some resolvers read that as octal).
    static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host == "::1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets.allSatisfy({ UInt8($0).map(String.init) == String($0) }) else { return false }
        return octets[0] == "127"
    }
}
