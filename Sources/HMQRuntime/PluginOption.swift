/// An option a formatter takes: `--pretty` (a flag), `--max-width 40` (a number), `--null "-"` (text).
public struct PluginOption: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case flag, integer, text
    }
    /// The name without dashes.
    public var name: String
    public var kind: Kind
    /// One line for `hmq formats`.
    public var summary: String

    public init(_ name: String, _ kind: Kind, _ summary: String) {
        self.name = name
        self.kind = kind
        self.summary = summary
    }

    /// `--name`, `--name N` or `--name TEXT`, for help.
    public var usage: String {
        switch kind {
        case .flag: return "--\(name)"
        case .integer: return "--\(name) N"
        case .text: return "--\(name) TEXT"
        }
    }
}

/// Option values, checked against the plugin's declared options.
public struct PluginOptions: Sendable, Hashable {
    /// The raw values by name (nil for a flag).
    public private(set) var values: [String: String?]

    /// Checks `values` against `declared`: unknown names, flags given a value,
    /// options missing one and numbers that are not numbers are errors.
    public init(_ values: [String: String?], declared: [PluginOption], pluginName: String) throws(FormatterOptionError) {
        for (name, value) in values.sorted(by: { $0.key < $1.key }) {
            guard let option = declared.first(where: { $0.name == name }) else {
                let known = declared.isEmpty ? "\(pluginName) has none" : "\(pluginName) has " + declared.map(\.usage).joined(separator: ", ")
                throw FormatterOptionError("unknown option --\(name) (\(known))")
            }
            switch option.kind {
            case .flag where value != nil: throw FormatterOptionError("--\(name) takes no value")
            case .integer:
                guard let value, let n = Int(value), n > 0 else { throw FormatterOptionError("--\(name) needs a positive whole number") }
                _ = n
            case .text where value == nil: throw FormatterOptionError("--\(name) needs a value")
            default: break
            }
        }
        self.values = values
    }

    /// Unchecked values (for plugins taking any option, like external ones).
    public init(unchecked values: [String: String?]) { self.values = values }

    public func flag(_ name: String) -> Bool { values.keys.contains(name) }
    public func integer(_ name: String) -> Int? { (values[name] ?? nil).flatMap { Int($0) } }
    public func text(_ name: String) -> String? { values[name] ?? nil }
}

/// An option a plugin does not know, a bad value for one, or a plugin that failed.
public struct FormatterOptionError: Error, Sendable, Hashable {
    /// What is wrong, for the user.
    public var message: String
    /// An error saying `message`.
    public init(_ message: String) { self.message = message }
}
