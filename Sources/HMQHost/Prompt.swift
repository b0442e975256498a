import Foundation
import Heymarket

/// Questions on stderr, answers from stdin (a terminal or a pipe, one per line).
public enum Prompt {
    /// An answer, or `default` when the answer is empty.
    public static func ask(_ question: String, default value: String?) -> String {
        Console.write("\(question)\(value.map { " [\($0)]" } ?? ""): ", to: STDERR_FILENO)
        let answer = (readLine() ?? "").trimmingCharacters(in: .whitespaces)
        return answer.isEmpty ? (value ?? "") : answer
    }

    /// An answer read with echo off when stdin is a terminal.
    public static func askSecret(_ question: String) -> Secret {
        Console.write("\(question): ", to: STDERR_FILENO)
        var saved = termios()
        let terminal = isatty(STDIN_FILENO) == 1 && tcgetattr(STDIN_FILENO, &saved) == 0
        if terminal {
            var silent = saved
            silent.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent)
        }
        let answer = readLine() ?? ""
        if terminal {
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved)
            Console.write("\n", to: STDERR_FILENO)
        }
        return Secret(answer.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
