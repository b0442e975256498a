import HMQSyntax

/// Unknown options get a suggestion: the closest option the help lists.
///
/// Why hmq words this itself, not swift-argument-parser (1.8): the parser
/// suggests only among the options of the command that failed, as its help
/// shows them (`ArgumentSet(commandStack.last!, visibility: .default, parent: nil)`
/// in MessageInfo.swift). hmq's options live on the root command and work
/// anywhere, so when the default subcommand (`run`) fails on `hmq --formt json`
/// the parser knows only `run`'s own argument and suggests nothing; declaring
/// the options on every subcommand would list them all in every subcommand's
/// help, and hidden ones are left out of its suggestions. Nor can it say that
/// an option belongs after another subcommand (`hmq --report search`).
public enum UnknownOption {
    /// `message` is swift-argument-parser's, for the command line `arguments`;
    /// `rootHelp` is `hmq --help`; `subcommands` names the subcommands in
    /// order, and `help` gives the help of one of them by its name.
    public static func explain(_ message: String, arguments: [String], rootHelp: String, subcommands: [String], help: (String) -> String) -> String {
        guard let start = message.range(of: "Unknown option '"), let end = message[start.upperBound...].firstIndex(of: "'") else { return message }
        let option = String(message[start.upperBound..<end])
        let subcommand = subcommands.first { arguments.contains($0) }
        let text = rootHelp + (subcommand.map(help) ?? "")
        let known = Set(text.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "-") }).map(String.init).filter { $0.hasPrefix("--") && $0.count > 2 })
        // An option of a subcommand given before it (`hmq --report search`): say where it goes.
        if !rootHelp.contains(option),
           let owner = subcommands.first(where: { help($0).contains(option + " ") || help($0).contains(option + "\n") }) {
            return "Error: '\(option)' is an option of 'hmq \(owner)': put it after the subcommand\n"
                + message.split(separator: "\n").dropFirst().joined(separator: "\n")
        }
        let guess = Suggestion.closest(to: option, among: known.sorted())
        return "Error: unknown option '\(option)'" + (guess.map { "; did you mean '\($0)'?" } ?? "") + "\n" + message.split(separator: "\n").dropFirst().joined(separator: "\n")
    }
}
