/// A config problem: the file, the line when known, what is wrong.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var line: Int?
    public var message: String
    public var suggestion: [String]?

    public init(path: String, line: Int?, message: String, suggestion: [String]? = nil) {
        self.path = path
        self.line = line
        self.message = message
        self.suggestion = suggestion
    }

    public var description: String {
        var text = path + (line.map { ":\($0)" } ?? "") + ": " + message
        if let suggestion, !suggestion.isEmpty { text += " (known: " + suggestion.sorted().joined(separator: ", ") + ")" }
        return text
    }
}
