import HMQSyntax

/// Unknown options get a suggestion: the closest option the help lists.
enum UnknownOption {
    static func explain(_ message: String, arguments: [String]) -> String {
        guard let start = message.range(of: "Unknown option '"), let end = message[start.upperBound...].firstIndex(of: "'") else { return message }
        let option = String(message[start.upperBound..<end])
        let subcommand = HMQCommand.configuration.subcommands.first { arguments.contains($0._commandName) }
        let help = HMQCommand.helpMessage() + (subcommand.map { HMQCommand.helpMessage(for: $0) } ?? "")
        let known = Set(help.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "-") }).map(String.init).filter { $0.hasPrefix("--") && $0.count > 2 })
        // An option of a subcommand given before it (`hmq --report search`): say where it goes.
        if !HMQCommand.helpMessage().contains(option),
           let owner = HMQCommand.configuration.subcommands.first(where: { HMQCommand.helpMessage(for: $0).contains(option + " ") || HMQCommand.helpMessage(for: $0).contains(option + "\n") }) {
            return "Error: '\(option)' is an option of 'hmq \(owner._commandName)': put it after the subcommand\n"
                + message.split(separator: "\n").dropFirst().joined(separator: "\n")
        }
        let guess = Suggestion.closest(to: option, among: known.sorted())
        return "Error: unknown option '\(option)'" + (guess.map { "; did you mean '\($0)'?" } ?? "") + "\n" + message.split(separator: "\n").dropFirst().joined(separator: "\n")
    }
}
