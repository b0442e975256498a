import Foundation
import HMQRuntime

/// Where results go and how they are drawn, as psql and sqlite3 users
/// expect: `\x` (expanded display).
extension REPL {
    /// `\x [on|off|auto]`: no argument turns it on, or off when it is on. Says the new state as psql does.
    func setExpanded(_ argument: String) {
        switch argument.lowercased() {
        case "": expanded = expanded == .on ? .off : .on
        case "on": expanded = .on
        case "off": expanded = .off
        case "auto": expanded = .auto
        default:
            writeError("hmq: error: \\x takes on, off or auto\n")
            return
        }
        switch expanded {
        case .on: print("Expanded display is on.")
        case .off: print("Expanded display is off.")
        case .auto: print("Expanded display is used automatically.")
        }
    }
}
